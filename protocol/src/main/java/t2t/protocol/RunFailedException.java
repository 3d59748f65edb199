package t2t.protocol;

/**
 * A run stopped by a failure outside the user's input whose cause is known and said in one line:
 * a full disk, a folder that turned read-only. The CLI prints the line and exits with code 1,
 * without a stack trace, since the trace would only bury the cause.
 */
public class RunFailedException extends RuntimeException {
    public RunFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
