package t2t.loader.decode;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import t2t.loader.image.Channels;
import t2t.loader.image.Image8;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.setNumThreads;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_ANYDEPTH;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR_RGB;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_GRAYSCALE;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

/**
 * Bytes of an image file to an 8-bit image, with the pixels Pillow's
 * {@code Image.open(f).convert('RGB')} gives (what timm's and torchvision's ImageFolder feed the
 * transforms). OpenCV's {@code imdecode} (libjpeg-turbo, libpng; measured 2.1x ImageIO's JPEG rate
 * here) does JPEG, PNG, BMP, TIFF and WebP; ImageIO takes GIF and whatever else OpenCV refuses.
 *
 * <p>Choices, each to match Pillow:
 * <ul>
 * <li>EXIF orientation is ignored ({@code IMREAD_IGNORE_ORIENTATION}): Pillow's open/convert
 *     never applies it, so timm trains on the stored pixel grid. OpenCV would rotate by default.</li>
 * <li>Alpha is dropped without compositing, palettes are expanded, gray is replicated.</li>
 * <li>16-bit RGB(A) keeps the high byte (Pillow's "RGB;16B" raw mode). 16-bit gray opens in Pillow
 *     as mode "I" and {@code convert('RGB')} clips it to 0..255, so nearly everything becomes
 *     white; we reproduce that clip (verified with Pillow 9.4) rather than rescale, since a
 *     model trained under timm saw exactly those pixels.</li>
 * <li>A truncated JPEG (no end-of-image marker) is refused: Pillow raises "image file is
 *     truncated" where libjpeg would pad with gray. A JPEG or PNG that OpenCV refuses is not
 *     retried with ImageIO, whose PNG reader ignores CRCs and would accept files Pillow rejects.
 *     One known difference remains: libpng refuses a PNG whose only fault is a bad IDAT CRC,
 *     which Pillow (checking CRCs only before the first IDAT) decodes; we skip it.</li>
 * <li>Pixel limit (decompression bombs): checked on the header before decoding. The default is
 *     Pillow's error threshold, 2 x {@code MAX_IMAGE_PIXELS} = 178,956,970; between 1x and 2x
 *     Pillow only warns, and timm would train on the image.</li>
 * <li>Decode budget (memory): an image whose decoded RGB would take more than the budget is
 *     skipped before decoding, since one decode holds the codec's buffer and the Java copy at
 *     once (2 x 3 bytes a pixel). Each loader thread decodes one image at a time, so the budget
 *     bounds decode memory per thread. The default, Pillow's warning threshold at 3 bytes a
 *     pixel (268 MB), refuses what Pillow would only warn about: two 13000x13000 PNGs (under
 *     the pixel limit) took a 2-thread loader from 0.45 to 4.4 GB of RSS.</li>
 * </ul>
 * Thread-safe; each call owns its native buffers and frees them before returning.
 */
public final class ImageDecoder {
    public static final long PILLOW_MAX_IMAGE_PIXELS = 89_478_485L;
    public static final long DEFAULT_PIXEL_LIMIT = 2 * PILLOW_MAX_IMAGE_PIXELS;
    public static final long DEFAULT_DECODE_BUDGET_BYTES = 3 * PILLOW_MAX_IMAGE_PIXELS;

    static {
        // Loaders parallelise over samples; OpenCV's own thread pool (colour conversions split
        // large images) would only oversubscribe the cores.
        setNumThreads(0);
    }

    /**
     * 3-channel 8-bit RGB straight from the codec (libjpeg-turbo emits RGB itself, so no BGR pass),
     * with EXIF orientation ignored.
     */
    private static final int COLOR_RGB = IMREAD_COLOR_RGB | IMREAD_IGNORE_ORIENTATION;

    private final long pixelLimit;
    private final long decodeBudgetBytes;

    public ImageDecoder() {
        this(DEFAULT_PIXEL_LIMIT);
    }

    public ImageDecoder(long pixelLimit) {
        this(pixelLimit, DEFAULT_DECODE_BUDGET_BYTES);
    }

    /** {@code decodeBudgetBytes}: the most decoded RGB bytes (3 a pixel) one image may take. */
    public ImageDecoder(long pixelLimit, long decodeBudgetBytes) {
        if (pixelLimit <= 0) {
            throw new IllegalArgumentException("pixel limit must be positive, got " + pixelLimit);
        }
        if (decodeBudgetBytes <= 0) {
            throw new IllegalArgumentException("decode budget must be positive, got " + decodeBudgetBytes);
        }
        this.pixelLimit = pixelLimit;
        this.decodeBudgetBytes = decodeBudgetBytes;
    }

    public long pixelLimit() {
        return pixelLimit;
    }

    /** Decodes to {@code channels} (1: Pillow "L", 3: Pillow "RGB"). */
    public Image8 decode(byte[] data, int channels) throws BadImageException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        return Channels.convert(decodeRgb(data), channels);
    }

    /** Decodes to 3-channel RGB, as {@code convert('RGB')}. */
    public Image8 decodeRgb(byte[] data) throws BadImageException {
        if (data.length == 0) {
            throw new BadImageException("empty file");
        }
        ImageHeader header = ImageHeader.probe(data);
        checkPixels(header.width(), header.height());
        switch (header.format()) {
            case JPEG:
                if (!JpegEnd.hasEndOfImage(data)) {
                    throw new BadImageException("truncated JPEG (no end-of-image marker)");
                }
                return requireOpenCv(data, COLOR_RGB, "JPEG");
            case PNG:
                if (header.bitDepth() == 16 && header.pngColorType() == 0) {
                    return gray16Clipped(data);
                }
                return requireOpenCv(data, COLOR_RGB, "PNG");
            case GIF:
                // OpenCV's GIF decoder composites transparent pixels; Pillow's P->RGB keeps the
                // palette colour of the transparent index, as ImageIO's getRGB does.
                return imageIo(data, header.format());
            default:
                // BMP, TIFF, WebP, PPM/PGM and unrecognised signatures: OpenCV, then ImageIO.
                // Their headers are not probed (a TIFF's size sits in an IFD anywhere in the file),
                // so only OpenCV's own cap of 2^30 pixels guards the decode; the limit still decides.
                Image8 viaOpenCv = openCv(data, COLOR_RGB);
                Image8 image = viaOpenCv != null ? viaOpenCv : imageIo(data, header.format());
                checkPixels(image.width(), image.height());
                return image;
        }
    }

    private void checkPixels(long width, long height) throws BadImageException {
        if (width * height > pixelLimit) {
            throw new BadImageException("image of " + width + "x" + height + " = " + width * height
                    + " pixels exceeds the limit of " + pixelLimit + " (decompression bomb guard)");
        }
        long decoded = 3 * width * height;
        if (decoded > decodeBudgetBytes) {
            throw new BadImageException("image of " + width + "x" + height + " would take " + decoded / 1_000_000
                    + " MB decoded, over the loader's per-thread decode budget of " + decodeBudgetBytes / 1_000_000
                    + " MB (downscale it to keep it in the data)");
        }
    }

    private static Image8 requireOpenCv(byte[] data, int flags, String format) throws BadImageException {
        Image8 image = openCv(data, flags);
        if (image == null) {
            throw new BadImageException("corrupt or unsupported " + format + " data");
        }
        return image;
    }

    /** Null when OpenCV cannot decode the bytes. */
    private static Image8 openCv(byte[] data, int flags) {
        try (BytePointer bytes = new BytePointer(data);
             Mat encoded = new Mat(1, data.length, CV_8UC1, bytes);
             Mat rgb = imdecode(encoded, flags)) {
            if (rgb.empty() || rgb.depth() != CV_8U || rgb.channels() != 3 || !rgb.isContinuous()) {
                return null;
            }
            byte[] pixels = new byte[rgb.cols() * rgb.rows() * 3];
            rgb.data().get(pixels);
            return new Image8(rgb.cols(), rgb.rows(), 3, pixels);
        }
    }

    private static Image8 gray16Clipped(byte[] data) throws BadImageException {
        try (BytePointer bytes = new BytePointer(data);
             Mat encoded = new Mat(1, data.length, CV_8UC1, bytes);
             Mat gray = imdecode(encoded, IMREAD_GRAYSCALE | IMREAD_ANYDEPTH)) {
            if (gray.empty() || gray.depth() != CV_16U || gray.channels() != 1) {
                throw new BadImageException("corrupt or unsupported 16-bit gray PNG data");
            }
            int n = gray.cols() * gray.rows();
            short[] wide = new short[n];
            new ShortPointer(gray.data()).get(wide);
            byte[] pixels = new byte[n];
            for (int i = 0; i < n; i++) {
                pixels[i] = (byte) Math.min(wide[i] & 0xFFFF, 255);
            }
            return Channels.grayToRgb(new Image8(gray.cols(), gray.rows(), 1, pixels));
        }
    }

    private Image8 imageIo(byte[] data, ImageHeader.Format format) throws BadImageException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadImageException(format == ImageHeader.Format.UNKNOWN
                        ? "not an image (unrecognised file signature)" : "no decoder for this " + format + " file");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                checkPixels(reader.getWidth(0), reader.getHeight(0));
                return toRgb(reader.read(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new BadImageException("corrupt " + format + " data: " + e.getMessage(), e);
        }
    }

    private static Image8 toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        byte[] pixels = new byte[w * h * 3];
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            // getRGB would push gray through a linear-to-sRGB conversion and brighten it.
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    pixels[o] = pixels[o + 1] = pixels[o + 2] = (byte) row[x];
                }
            }
            return new Image8(w, h, 3, pixels);
        }
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, argb, 0, w);
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                int v = argb[x];
                pixels[o] = (byte) (v >> 16);
                pixels[o + 1] = (byte) (v >> 8);
                pixels[o + 2] = (byte) v;
            }
        }
        return new Image8(w, h, 3, pixels);
    }
}
