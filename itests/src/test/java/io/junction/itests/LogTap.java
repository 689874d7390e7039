package io.junction.itests;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Copies what the framework prints to System.out and System.err (slf4j-simple writes to the
 * current System.err on every call) while a test runs, so that the test can wait for a log line
 * such as a config error's {@code file:line: message}. The output still reaches the original
 * streams (Failsafe's report files).
 */
final class LogTap implements AutoCloseable {
    private final PrintStream originalOut;
    private final PrintStream originalErr;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private LogTap() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(new Tee(originalOut), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(originalErr), true, StandardCharsets.UTF_8));
    }

    /** Test thread: starts copying. Close it to restore the original streams. */
    static LogTap install() {
        return new LogTap();
    }

    /** Test thread: waits (bounded) for a printed line matching {@code line}; returns it or null. */
    String awaitLine(Predicate<String> line, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            for (String candidate : text().split("\\R")) {
                if (line.test(candidate)) {
                    return candidate;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                return null;
            }
            Thread.sleep(50);
        }
    }

    String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        System.out.flush();
        System.err.flush();
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    private final class Tee extends OutputStream {
        private final OutputStream original;

        Tee(OutputStream original) {
            this.original = original;
        }

        @Override
        public void write(int b) {
            synchronized (captured) {
                captured.write(b);
            }
            synchronized (original) {
                try {
                    original.write(b);
                } catch (java.io.IOException ignored) {
                    // the report stream is best effort
                }
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (captured) {
                captured.write(b, off, len);
            }
            synchronized (original) {
                try {
                    original.write(b, off, len);
                } catch (java.io.IOException ignored) {
                    // the report stream is best effort
                }
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            original.flush();
        }
    }
}
