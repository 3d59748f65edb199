package t2t.loader.data;

import t2t.loader.image.Image8;

/**
 * What a dataset returns for one sample id: the decoded image and its label, or a skip (a bad
 * file) that still carries the id, so exactly-once accounting can count it as consumed.
 */
public sealed interface Sample permits Sample.Decoded, Sample.Skipped {
    long id();

    record Decoded(long id, Image8 image, int label) implements Sample {}

    /** @param source the file or shard member, for the log line; @param reason why it was refused */
    record Skipped(long id, String source, String reason) implements Sample {}
}
