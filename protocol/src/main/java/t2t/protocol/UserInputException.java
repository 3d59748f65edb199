package t2t.protocol;

/**
 * Bad input a user can fix: an unknown model name, a mis-shaped tensor, a truncated file, a bad
 * config value. The message is one line that names the problem and the fix; the CLI prints it and
 * exits with code 2. Anything else that escapes is an internal failure (exit code 1).
 */
public class UserInputException extends RuntimeException {
    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
