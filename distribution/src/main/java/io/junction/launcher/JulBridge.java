package io.junction.launcher;

import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sends java.util.logging records (SPI Fly and JLine log there, not to slf4j) to the launcher's
 * one-line console format, so that stderr carries one layout only, and quiets their start-up
 * chatter ("Registered provider ...", "creating a dumb terminal") unless debugging.
 *
 * <p>Installed once on the main thread before the framework starts; {@link #publish} runs on
 * whatever thread logs and never blocks beyond the stream write.
 */
final class JulBridge extends Handler {

    /** Strong references: JUL holds loggers weakly and would forget the levels set on them. */
    private static List<Logger> configured;

    private final ConsoleLog log;

    private JulBridge(ConsoleLog log) {
        this.log = log;
    }

    /**
     * Replaces JUL's console handler by this bridge.
     *
     * @param log   where lines go
     * @param debug true for -d
     * @param check true for -c (warnings and errors only)
     */
    static void install(ConsoleLog log, boolean debug, boolean check) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(debug ? Level.FINE : check ? Level.WARNING : Level.INFO);
        JulBridge bridge = new JulBridge(log);
        bridge.setLevel(Level.ALL);
        root.addHandler(bridge);
        Logger spifly = Logger.getLogger("org.apache.aries.spifly");
        Logger jline = Logger.getLogger("org.jline");
        // SPI Fly reports every provider it wires at INFO (and every class it weaves at FINE);
        // JLine warns that a service has no terminal, which is the normal case for a router.
        spifly.setLevel(debug ? Level.INFO : Level.WARNING);
        jline.setLevel(debug ? Level.INFO : Level.SEVERE);
        configured = List.of(root, spifly, jline);
    }

    @Override
    public void publish(LogRecord r) {
        if (r == null || !isLoggable(r)) {
            return;
        }
        int v = r.getLevel().intValue();
        String level = v >= Level.SEVERE.intValue() ? "ERROR" : v >= Level.WARNING.intValue() ? "WARN"
                : v >= Level.INFO.intValue() ? "INFO" : "DEBUG";
        String name = r.getLoggerName() == null ? "jul" : r.getLoggerName();
        String shortName = name.substring(name.lastIndexOf('.') + 1);
        String msg = new java.util.logging.SimpleFormatter().formatMessage(r);
        if (r.getThrown() != null) {
            msg += ": " + r.getThrown();
        }
        log.line(level, shortName, msg);
    }

    @Override
    public void flush() {
        // ConsoleLog writes through a PrintStream that flushes per line.
    }

    @Override
    public void close() {
        // Nothing held.
    }
}
