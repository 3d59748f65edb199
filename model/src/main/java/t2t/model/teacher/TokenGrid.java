package t2t.model.teacher;

/** The student's patch-token grid (rows x columns; tokens are row-major). */
public record TokenGrid(int height, int width) {
    public TokenGrid {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("token grid must be positive, got " + height + "x" + width);
        }
    }

    public int tokens() {
        return height * width;
    }
}
