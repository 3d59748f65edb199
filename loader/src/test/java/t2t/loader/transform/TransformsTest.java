package t2t.loader.transform;

import org.junit.jupiter.api.Test;
import t2t.loader.image.Image8;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformsTest {
    private static final Image8 PHOTO = TestPattern.photo(200, 150, 3, 42);

    private static float[] run(SampleTransform t, Image8 img, long seed) {
        float[] out = new float[t.outChannels() * t.outHeight() * t.outWidth() + 5];
        t.apply(img, new SplittableRandom(seed), out, 5);
        return Arrays.copyOfRange(out, 5, out.length);
    }

    @Test
    void deitTrainTransformShapeDeterminismAndFiniteness() {
        StagedTransform t = Transforms.train(DataConfig.imagenet(64), AugmentConfig.deit());
        assertEquals(3, t.outChannels());
        assertEquals(64, t.outHeight());
        float[] a = run(t, PHOTO, 1);
        assertArrayEquals(a, run(t, PHOTO, 1), "same seed, same sample");
        assertFalse(Arrays.equals(a, run(t, PHOTO, 2)), "different seed, different sample");
        for (float v : a) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void opsArePresentOnlyWhenTheirSettingIsOn() {
        DataConfig data = DataConfig.imagenet(32);
        StagedTransform deit = Transforms.train(data, AugmentConfig.deit());
        assertNotNull(deit.photometric().randAugment());
        assertNull(deit.photometric().colorJitter(), "ColorJitter is off when a RandAugment policy is set");
        assertNotNull(deit.tensor().erasing());
        StagedTransform plain = Transforms.train(data, AugmentConfig.deit().withAutoAugment("none").withReProb(0));
        assertNull(plain.photometric().randAugment());
        assertNotNull(plain.photometric().colorJitter());
        assertNull(plain.tensor().erasing());
        StagedTransform eval = Transforms.eval(data);
        assertNull(eval.geometric().crop());
        assertNull(eval.photometric().randAugment());
        assertNull(eval.tensor().erasing());
    }

    @Test
    void mirroredResizeIsExactlyTheFlipOfTheResize() {
        PillowResample r = new PillowResample();
        int[][] crops = {{10, 5, 150, 120, 64, 48}, {0, 0, 200, 150, 224, 224}, {3, 7, 64, 90, 64, 40}};
        for (int[] c : crops) {
            for (Interpolation f : new Interpolation[] {Interpolation.BICUBIC, Interpolation.BILINEAR}) {
                byte[] plain = new byte[c[4] * c[5] * 3];
                byte[] mirrored = new byte[plain.length];
                r.resize(PHOTO.pixels(), 200, 3, c[0], c[1], c[2], c[3], c[4], c[5], f, false, plain);
                r.resize(PHOTO.pixels(), 200, 3, c[0], c[1], c[2], c[3], c[4], c[5], f, true, mirrored);
                PillowResample.mirrorRows(plain, c[4], c[5], 3);
                assertArrayEquals(plain, mirrored, Arrays.toString(c) + " " + f);
            }
        }
    }

    @Test
    void flipAlwaysEqualsFlipNeverMirrored() {
        DataConfig data = DataConfig.imagenet(48);
        AugmentConfig base = AugmentConfig.deit().withAutoAugment("none").withReProb(0);
        AugmentConfig noJitter = new AugmentConfig(0.08, 1, 0.75, 4 / 3.0, 0.0, null, 0, Interpolation.BICUBIC, 0,
                EraseMode.PIXEL, 1);
        AugmentConfig always = new AugmentConfig(0.08, 1, 0.75, 4 / 3.0, 1.0, null, 0, Interpolation.BICUBIC, 0,
                EraseMode.PIXEL, 1);
        float[] a = run(Transforms.train(data, noJitter), PHOTO, 9);
        float[] b = run(Transforms.train(data, always), PHOTO, 9);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 48; x++) {
                    assertEquals(a[c * 2304 + y * 48 + x], b[c * 2304 + y * 48 + 47 - x], 0f);
                }
            }
        }
        assertNotNull(base);
    }

    @Test
    void evalTransformIsResizeCropThenTorchNormalize() {
        DataConfig data = DataConfig.imagenet(32);
        float[] out = run(Transforms.eval(data), PHOTO, 0);
        Frame f = new Frame();
        f.load(PHOTO);
        new ResizeCenterCrop(32, 32, 0.875, Interpolation.BICUBIC).apply(f, new PillowResample());
        assertEquals(36, new ResizeCenterCrop(32, 32, 0.875, Interpolation.BICUBIC).resizedSize(200, 150)[1]);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 32 * 32; i++) {
                float v = (f.pixels[i * 3 + c] & 0xFF) / 255f;
                assertEquals((v - DataConfig.IMAGENET_MEAN[c]) / DataConfig.IMAGENET_STD[c], out[c * 1024 + i], 0f);
            }
        }
    }

    @Test
    void evalSizesFollowTimm() {
        assertArrayEquals(new int[] {256, 341}, new ResizeCenterCrop(224, 224, 0.875, Interpolation.BICUBIC).resizedSize(375, 500));
        assertArrayEquals(new int[] {330, 248}, new ResizeCenterCrop(224, 224, 0.9, Interpolation.BICUBIC).resizedSize(333, 250));
        assertArrayEquals(new int[] {224, 224}, new ResizeCenterCrop(224, 224, 1.0, Interpolation.BICUBIC).resizedSize(100, 100));
        assertArrayEquals(new int[] {313, 235}, new ResizeCenterCrop(224, 224, 0.95, Interpolation.BICUBIC).resizedSize(500, 375));
    }

    @Test
    void grayModelAugmentsOneChannelAndRgbIsConvertedLikePillowL() {
        DataConfig gray = new DataConfig(1, 28, 28, new float[] {0.5f}, new float[] {0.5f}, 1.0, Interpolation.BILINEAR);
        StagedTransform t = Transforms.train(gray, AugmentConfig.deit());
        Image8 g = TestPattern.photo(40, 30, 1, 3);
        assertEquals(28 * 28, run(t, g, 4).length);
        assertArrayEquals(new int[] {128}, gray.fill(), "round(127.5) = 128");
        assertArrayEquals(new int[] {124, 116, 104}, DataConfig.imagenet(224).fill());
        // RGB into a 1-channel model: Pillow's L conversion first.
        StagedTransform e = Transforms.eval(new DataConfig(1, 30, 40, new float[] {0f}, new float[] {1f}, 1.0,
                Interpolation.BICUBIC));
        Image8 rgb = TestPattern.photo(40, 30, 3, 5);
        float[] out = run(e, rgb, 0);
        for (int i = 0; i < 40 * 30; i++) {
            int l = PillowEnhance.gray(rgb.pixels()[3 * i] & 0xFF, rgb.pixels()[3 * i + 1] & 0xFF, rgb.pixels()[3 * i + 2] & 0xFF);
            assertEquals(l / 255f, out[i], 0f);
        }
    }

    @Test
    void grayImageIntoRgbModelIsReplicated() {
        DataConfig data = new DataConfig(3, 30, 40, new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 1f}, 1.0,
                Interpolation.BICUBIC);
        Image8 g = TestPattern.photo(40, 30, 1, 6);
        float[] out = run(Transforms.eval(data), g, 0);
        for (int i = 0; i < 1200; i++) {
            assertEquals(out[i], out[1200 + i], 0f);
            assertEquals(out[i], out[2400 + i], 0f);
            assertEquals((g.pixels()[i] & 0xFF) / 255f, out[i], 0f);
        }
    }

    @Test
    void threadsGetTheirOwnBuffers() throws Exception {
        StagedTransform t = Transforms.train(DataConfig.imagenet(48), AugmentConfig.deit());
        float[][] expected = new float[40][];
        for (int i = 0; i < 40; i++) {
            expected[i] = run(t, PHOTO, i);
        }
        Thread[] threads = new Thread[3];
        boolean[] ok = {true};
        for (int k = 0; k < threads.length; k++) {
            threads[k] = new Thread(() -> {
                for (int rep = 0; rep < 3; rep++) {
                    for (int i = 0; i < 40; i++) {
                        if (!Arrays.equals(expected[i], run(t, PHOTO, i))) {
                            synchronized (ok) {
                                ok[0] = false;
                            }
                        }
                    }
                }
            });
            threads[k].start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertTrue(ok[0]);
    }
}
