package io.junction.launcher;

import java.io.PrintStream;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The launcher's own log lines, in the same layout as the slf4j-simple lines the bundles print
 * (date-time, thread, level, short logger name), on standard error.
 *
 * <p>The launcher lives outside the framework, so it cannot use the slf4j bundles; it logs only
 * start-up, shutdown and failures, never per connection. Any thread; never blocks beyond the
 * stream write.
 */
final class ConsoleLog {

    /** Same pattern as org.slf4j.simpleLogger.dateTimeFormat set by {@link Main}. */
    static final String DATE_TIME_PATTERN = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern(DATE_TIME_PATTERN);

    private final PrintStream out;
    private final boolean debug;

    ConsoleLog(PrintStream out, boolean debug) {
        this.out = out;
        this.debug = debug;
    }

    void info(String message) {
        line("INFO", message);
    }

    void warn(String message) {
        line("WARN", message);
    }

    void error(String message) {
        line("ERROR", message);
    }

    void debug(String message) {
        if (debug) {
            line("DEBUG", message);
        }
    }

    private void line(String level, String message) {
        line(level, "launcher", message);
    }

    /**
     * One line in the slf4j-simple layout.
     *
     * @param level  INFO, WARN, ...
     * @param logger the short logger name
     * @param message the text
     */
    void line(String level, String logger, String message) {
        out.println(FORMAT.format(ZonedDateTime.now()) + " [" + Thread.currentThread().getName() + "] "
                + level + " " + logger + " - " + message);
    }
}
