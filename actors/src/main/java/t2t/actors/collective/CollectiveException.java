package t2t.actors.collective;

/** A collective could not complete: a peer timed out, went away, or the ranks disagree on the call. */
public final class CollectiveException extends RuntimeException {
    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
