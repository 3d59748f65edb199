package t2t.loader.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebDatasetTest {
    private static final int SHARDS = 5;
    private static final int PER_SHARD = 7;

    /** Shards of samples whose label is (global index mod 4) and whose image width encodes the index. */
    private static Path writeShards(Path dir) throws IOException {
        Path train = Files.createDirectories(dir.resolve("train"));
        int index = 0;
        for (int s = 0; s < SHARDS; s++) {
            try (OutputStream file = Files.newOutputStream(train.resolve(String.format("shard-%06d.tar", s)));
                 TarWriter tar = new TarWriter(file)) {
                for (int k = 0; k < PER_SHARD; k++, index++) {
                    String key = (index == 3 ? "a/very/long/directory/name/that/makes/the/path/exceed/one/hundred/bytes/for/gnu/" : "")
                            + String.format("sample%05d", index);
                    byte[] image = index % 2 == 0 ? TestImages.jpeg(10 + index, 8, index) : TestImages.png(10 + index, 8, index);
                    tar.add(key + (index % 2 == 0 ? ".jpg" : ".png"), image);
                    tar.add(key + ".cls", (index % 4 + "\n").getBytes(StandardCharsets.US_ASCII));
                    tar.add(key + ".json", "{}".getBytes(StandardCharsets.US_ASCII));
                }
                // A key with no label is not a sample.
                tar.add("orphan" + s + ".jpg", TestImages.jpeg(8, 8, 0));
            }
        }
        return dir;
    }

    @Test
    void indexesShardsAndReadsById(@TempDir Path dir) throws IOException {
        try (WebDataset ds = WebDataset.open(writeShards(dir), Split.TRAIN, 3)) {
            assertEquals(SHARDS * PER_SHARD, ds.size());
            assertEquals(4, ds.numClasses());
            assertEquals(SHARDS, ds.incompleteKeys());
            for (long id = 0; id < ds.size(); id++) {
                Sample.Decoded d = assertInstanceOf(Sample.Decoded.class, ds.get(id), ds.source(id));
                assertEquals(id % 4, d.label());
                assertEquals(10 + id, d.image().width(), "ids follow shard then archive order");
            }
            assertTrue(ds.source(3).contains("/for/gnu/sample00003.png"), ds.source(3));
            assertEquals(2 * PER_SHARD, ds.shardStart(2));
        }
    }

    @Test
    void kLoadersTakingEveryKthShardSeeEverySampleExactlyOnce(@TempDir Path dir) throws IOException {
        try (WebDataset ds = WebDataset.open(writeShards(dir), Split.TRAIN, 3)) {
            for (int k : new int[] {1, 2, 3, 5, 7}) {
                Map<Long, Integer> seen = new HashMap<>();
                for (int part = 0; part < k; part++) {
                    List<Long> ids = new ArrayList<>();
                    try (SampleStream stream = ds.stream(part, k)) {
                        while (stream.hasNext()) {
                            Sample.Decoded d = assertInstanceOf(Sample.Decoded.class, stream.next());
                            Sample.Decoded byId = (Sample.Decoded) ds.get(d.id());
                            assertEquals(byId.label(), d.label());
                            assertArrayEquals(byId.image().pixels(), d.image().pixels());
                            ids.add(d.id());
                            seen.merge(d.id(), 1, Integer::sum);
                        }
                    }
                    List<Long> sorted = new ArrayList<>(ids);
                    sorted.sort(null);
                    assertEquals(sorted, ids, "a part streams its shards front to back");
                }
                assertEquals(SHARDS * PER_SHARD, seen.size(), "k=" + k);
                assertTrue(seen.values().stream().allMatch(n -> n == 1), "k=" + k);
            }
        }
    }

    @Test
    void badMemberIsSkippedAndCountedInBothReadModes(@TempDir Path dir) throws IOException {
        Path shard = dir.resolve("one.tar");
        byte[] truncated = Arrays.copyOf(TestImages.jpeg(20, 20, 1), 100);
        Files.write(shard, TarWriter.archive(
                "x0.jpg", TestImages.jpeg(9, 9, 0), "x0.cls", "1".getBytes(StandardCharsets.US_ASCII),
                "x1.jpg", truncated, "x1.cls", "0".getBytes(StandardCharsets.US_ASCII)));
        try (WebDataset ds = WebDataset.open(shard, Split.TRAIN, 1)) {
            assertEquals(2, ds.size());
            assertEquals(1, assertInstanceOf(Sample.Decoded.class, ds.get(0)).image().channels());
            assertInstanceOf(Sample.Skipped.class, ds.get(1));
            try (SampleStream s = ds.stream(0, 1)) {
                assertInstanceOf(Sample.Decoded.class, s.next());
                assertEquals(1, assertInstanceOf(Sample.Skipped.class, s.next()).id());
            }
            assertEquals(2, ds.skips().count());
        }
    }

    @Test
    void noShardsIsAUserError(@TempDir Path dir) {
        UserInputException e = assertThrows(UserInputException.class, () -> WebDataset.open(dir, Split.TRAIN, 3));
        assertTrue(e.getMessage().contains("no .tar shards"), e.getMessage());
    }
}
