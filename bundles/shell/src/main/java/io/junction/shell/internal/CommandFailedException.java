package io.junction.shell.internal;

/**
 * Thrown by a Gogo command after it printed its output, so that Gogo (and through it the command
 * socket and {@code bin/junction ctl}) sees the command as failed. The message is a one-line
 * summary; the details were printed before.
 */
public final class CommandFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message the summary
     */
    public CommandFailedException(String message) {
        super(message, null, false, false);
    }
}
