package io.junction.shell.internal;

/**
 * Runs one command line for the command socket.
 */
@FunctionalInterface
public interface LineExecutor {

    /**
     * The outcome of a command line.
     *
     * @param ok   whether it succeeded
     * @param text everything it printed, and the error when it failed
     */
    record Reply(boolean ok, String text) { }

    /**
     * Runs a line. Called on a command-socket worker thread (never an event loop); may block
     * as long as the command does.
     *
     * @param line the command line, without its terminator, valid UTF-8, at most 8 KiB
     * @param maxOutputBytes output beyond this many bytes is dropped and the truncation said
     * @return the reply
     */
    Reply execute(String line, int maxOutputBytes);
}
