package t2t.loader.data;

/** The two splits a dataset folder may hold, under the folder names ImageNet layouts use. */
public enum Split {
    TRAIN("train"),
    VAL("val");

    private final String folder;

    Split(String folder) {
        this.folder = folder;
    }

    public String folder() {
        return folder;
    }
}
