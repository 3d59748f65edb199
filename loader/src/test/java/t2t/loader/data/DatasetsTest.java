package t2t.loader.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatasetsTest {
    @Test
    void picksTheReaderFromTheValue(@TempDir Path dir) throws IOException {
        assertEquals(500, Datasets.open("synthetic:500", Split.TRAIN, 3, 1).size());
        assertEquals(100, Datasets.open("synthetic:500", Split.VAL, 3, 1).size());
        Path folder = Files.createDirectories(dir.resolve("folder/cat"));
        Files.write(folder.resolve("a.png"), TestImages.png(4, 4, 1));
        assertInstanceOf(ImageFolder.class, Datasets.open(dir.resolve("folder").toString(), Split.TRAIN, 3, 1));
        Path shards = Files.createDirectories(dir.resolve("shards"));
        Files.write(shards.resolve("s0.tar"), TarWriter.archive("k.png", TestImages.png(4, 4, 1),
                "k.cls", "0".getBytes(StandardCharsets.US_ASCII)));
        try (Dataset ds = Datasets.open(shards.toString(), Split.TRAIN, 3, 1)) {
            assertInstanceOf(WebDataset.class, ds);
        }
        assertThrows(UserInputException.class, () -> Datasets.open(dir.resolve("none").toString(), Split.TRAIN, 3, 1));
        assertThrows(UserInputException.class, () -> Datasets.open("synthetic:x", Split.TRAIN, 3, 1));
    }
}
