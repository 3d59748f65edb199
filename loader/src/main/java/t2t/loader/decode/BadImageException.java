package t2t.loader.decode;

/**
 * A file that is not a decodable image within the limits: empty, truncated, corrupt, an unknown
 * format, or more pixels than the decompression-bomb limit. Datasets turn it into a counted skip.
 */
public class BadImageException extends Exception {
    public BadImageException(String message) {
        super(message);
    }

    public BadImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
