package t2t.loader.data;

import java.util.List;

/**
 * A labelled image dataset addressed by sample id {@code 0 .. size()-1}. {@link #get} is
 * thread-safe random access and never throws for a bad file: it returns {@link Sample.Skipped},
 * counted in {@link #skips()}. Images come out with {@link #channels()} channels (1 or 3, a
 * dataset option, so gray data feeds an RGB model and the other way round).
 */
public interface Dataset extends AutoCloseable {
    long size();

    int numClasses();

    List<String> classNames();

    int channels();

    Sample get(long id);

    /** Sample {@code id}'s label without reading its image. */
    int label(long id);

    /** Where sample {@code id} comes from (a path, or shard!member), for logs. */
    String source(long id);

    SkipLog skips();

    @Override
    default void close() {}
}
