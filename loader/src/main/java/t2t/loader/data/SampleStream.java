package t2t.loader.data;

import java.util.Iterator;

/** Samples read in storage order (a streamed shard), holding a file open until closed. */
public interface SampleStream extends Iterator<Sample>, AutoCloseable {
    @Override
    void close();
}
