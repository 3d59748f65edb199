package t2t.loader.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import t2t.loader.image.Image8;
import t2t.protocol.UserInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFolderTest {

    @Test
    void classesSortedFilesSortedSplitsHonoured(@TempDir Path root) throws IOException {
        for (String split : List.of("train", "val")) {
            for (String cls : List.of("zebra", "ant", "Moth")) {
                Path dir = Files.createDirectories(root.resolve(split).resolve(cls).resolve("a_nested"));
                Files.write(dir.getParent().resolve("b.png"), TestImages.png(8, 6, 1));
                Files.write(dir.getParent().resolve("a.JPG"), TestImages.jpeg(8, 6, 2));
                Files.write(dir.resolve("c.png"), TestImages.png(8, 6, 3));
            }
        }
        Files.write(root.resolve("train/ant/notes.txt"), "not an image".getBytes(StandardCharsets.UTF_8));
        ImageFolder train = ImageFolder.open(root, Split.TRAIN, 3);
        assertEquals(List.of("Moth", "ant", "zebra"), train.classNames(), "sorted by code point, as Python's sorted()");
        assertEquals(9, train.size());
        assertEquals(1, train.ignoredFiles().size());
        assertTrue(train.source(3).endsWith("ant/a.JPG"), train.source(3));
        assertTrue(train.source(4).endsWith("ant/b.png"));
        assertTrue(train.source(5).endsWith("ant/a_nested/c.png"), "a folder's own files before its subfolders', as sorted(os.walk)");
        Sample.Decoded d = assertInstanceOf(Sample.Decoded.class, train.get(4));
        assertEquals(1, d.label());
        assertEquals(8, d.image().width());
        assertEquals(6, d.image().height());
        assertEquals(3, d.image().channels());
        ImageFolder gray = ImageFolder.open(root, Split.VAL, 1);
        assertEquals(1, assertInstanceOf(Sample.Decoded.class, gray.get(0)).image().channels());
    }

    @Test
    void helpfulErrorsForMissingOrEmptyFolders(@TempDir Path root) throws IOException {
        UserInputException missing = assertThrows(UserInputException.class,
                () -> ImageFolder.open(root.resolve("nope"), Split.TRAIN, 3));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        UserInputException empty = assertThrows(UserInputException.class, () -> ImageFolder.open(root, Split.TRAIN, 3));
        assertTrue(empty.getMessage().contains("no class folders"), empty.getMessage());
        Files.createDirectories(root.resolve("cat"));
        assertThrows(UserInputException.class, () -> ImageFolder.open(root, Split.TRAIN, 3));
    }

    /** Every kind of bad file is a counted skip; the good ones (odd but valid) load. */
    @Test
    void badFilesAreSkippedAndCountedNeverFatal(@TempDir Path root) throws IOException {
        Path good = Files.createDirectories(root.resolve("good"));
        Path bad = Files.createDirectories(root.resolve("bad"));
        for (int i = 0; i < 5; i++) {
            Files.write(good.resolve("img" + i + ".jpg"), TestImages.jpeg(30 + i, 20, i));
            Files.write(good.resolve("img" + i + ".png"), TestImages.png(20, 30 + i, i));
        }
        byte[] jpeg = TestImages.jpeg(64, 48, 9);
        byte[] png = TestImages.png(64, 48, 9);
        // Valid though unusual: garbage after EOI, GIF content under a .png name, a BMP.
        byte[] padded = Arrays.copyOf(jpeg, jpeg.length + 500);
        new SplittableRandom(1).nextBytes(new byte[0]);
        for (int i = jpeg.length; i < padded.length; i++) {
            padded[i] = (byte) (i * 31 + 7);
        }
        Files.write(good.resolve("garbage_after_eoi.jpg"), padded);
        Files.write(good.resolve("gif_inside.png"), TestImages.encode(TestImages.pattern(12, 12, 4), "gif"));
        Files.write(good.resolve("plain.bmp"), TestImages.encode(TestImages.pattern(12, 10, 4), "bmp"));
        int goodFiles = 13;

        byte[] random = new byte[4000];
        new SplittableRandom(7).nextBytes(random);
        Files.write(bad.resolve("01_zero_bytes.jpg"), new byte[0]);
        Files.write(bad.resolve("02_truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.write(bad.resolve("03_truncated.png"), Arrays.copyOf(png, png.length / 2));
        Files.write(bad.resolve("04_random_bytes.jpg"), random);
        Files.write(bad.resolve("05_text.png"), "<html>404 Not Found</html>".getBytes(StandardCharsets.UTF_8));
        Files.write(bad.resolve("06_corrupt_idat.png"), TestImages.pngCorruptIdat(64, 48));
        Files.write(bad.resolve("07_bomb.png"), TestImages.pngHeaderOnly(100_000, 100_000));
        Files.write(bad.resolve("08_bomb.jpg"), TestImages.jpegClaiming(65_000, 65_000));
        Files.write(bad.resolve("09_header_only.jpg"), Arrays.copyOf(jpeg, 200));
        Files.write(bad.resolve("10_truncated.bmp"), Arrays.copyOf(TestImages.encode(TestImages.pattern(40, 40, 1), "bmp"), 300));
        Files.createSymbolicLink(bad.resolve("11_dangling_link.jpg"), bad.resolve("does_not_exist.jpg"));
        Files.write(bad.resolve("12_riff_not_webp.webp"), "RIFF\0\0\0\0WEBPVP8 garbage".getBytes(StandardCharsets.ISO_8859_1));
        int badFiles = 12;
        // Not samples at all: a folder with an image name, a file without an image extension.
        Files.createDirectories(bad.resolve("13_directory.jpg"));
        Files.write(bad.resolve("14_readme.txt"), "hello".getBytes(StandardCharsets.UTF_8));

        ImageFolder folder = ImageFolder.open(root, Split.TRAIN, 3);
        assertEquals(goodFiles + badFiles, folder.size());
        assertEquals(1, folder.ignoredFiles().size());
        int decoded = 0;
        Set<String> skippedNames = new HashSet<>();
        for (int pass = 0; pass < 2; pass++) {
            for (long id = 0; id < folder.size(); id++) {
                Sample s = folder.get(id);
                if (s instanceof Sample.Decoded d) {
                    decoded++;
                    Image8 img = d.image();
                    assertTrue(img.width() >= 10 && img.height() >= 10);
                    assertEquals(folder.source(id).contains("/good/") ? 1 : 0, d.label(), folder.source(id));
                } else if (s instanceof Sample.Skipped k) {
                    assertEquals(id, k.id());
                    skippedNames.add(Path.of(k.source()).getFileName().toString());
                }
            }
        }
        assertEquals(2 * goodFiles, decoded, "every good file decodes; skipped: " + skippedNames);
        assertEquals(badFiles, skippedNames.size(), "skipped: " + skippedNames);
        assertEquals(2L * badFiles, folder.skips().count());
        assertEquals(badFiles, folder.skips().distinctSources());
    }
}
