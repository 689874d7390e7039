package io.junction.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What an operator asks a running router: registered by the core, used by the shell and the
 * metrics bundles. Every method is called from an admin thread (a shell session, an HTTP
 * handler), never from an event loop; the core answers from snapshots and may block briefly
 * (e.g. {@link #reload()} waits for the configuration thread, bounded).
 */
public interface RouterAdmin {

    /** One live client connection. */
    record ConnectionInfo(String frontend, String client, String server, long ageMillis) {
    }

    /** The running configuration's frontends, binds, rules and servers, one line each, for display. */
    List<String> routes();

    /** Live client connections (bounded: at most {@code limit} entries). */
    List<ConnectionInfo> connections(int limit);

    /** Outcome counters by name (accepted, routed, rejected, no_server, connect_failed, ...). */
    Map<String, Long> counters();

    /** Problems of the running configuration: pending rules and warnings, as {@code file:line: message}. */
    List<String> problems();

    /**
     * Re-reads the configuration files now and applies them if valid.
     *
     * @return {@code file:line: message} lines, and a last line saying whether it was applied
     */
    List<String> reload();

    /**
     * Compiles files against the plugins present without applying them.
     *
     * @return {@code file:line: message} lines; empty when the files are valid and complete
     */
    List<String> check(List<Path> files);

    /** The configuration files the router reads. */
    List<Path> configFiles();
}
