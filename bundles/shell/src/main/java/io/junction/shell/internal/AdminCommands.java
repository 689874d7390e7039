package io.junction.shell.internal;

import io.junction.api.RouterAdmin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The router commands (routes, connections, counters, problems, reload, check) as plain text,
 * independent of Gogo so they can be tested against a fake {@link RouterAdmin}.
 *
 * <p>Every method runs on the caller's thread (a Gogo session or a command-socket worker), never
 * on an event loop, and may block as long as the {@link RouterAdmin} call does (a reload waits
 * for the core's configuration thread, which the core bounds).
 */
public final class AdminCommands {

    /** Default of {@code connections -n}. */
    public static final int DEFAULT_CONNECTIONS = 100;

    /** Upper bound of {@code connections -n}: the answer is held in memory and sent at once. */
    public static final int MAX_CONNECTIONS = 100_000;

    /** Said when the core is not running: the commands then have nobody to ask. */
    static final String NO_CORE = "the routing core is not running (no RouterAdmin service; is bundle io.junction.core active?)";

    /** The core's last reload line on success (Router.reload: "configuration applied: ..."). */
    private static final String APPLIED = "configuration applied";

    private final Supplier<RouterAdmin> admin;

    /**
     * @param admin gives the current RouterAdmin, or null when the core is absent; called once
     *              per command from the command's thread
     */
    public AdminCommands(Supplier<RouterAdmin> admin) {
        this.admin = admin;
    }

    /**
     * The running route table, one line per frontend, bind, rule, backend and server.
     *
     * @return the lines; failed when the core is absent
     */
    public Output routes() {
        RouterAdmin a = admin.get();
        if (a == null) {
            return Output.failed(NO_CORE);
        }
        return Output.ok(a.routes());
    }

    /**
     * Live client connections, at most {@code limit}, one per line:
     * {@code FRONTEND CLIENT -> SERVER AGE}.
     *
     * @param limit how many at most (1 to {@value #MAX_CONNECTIONS})
     * @return the lines, and a last line when the limit cut the list; failed when the core is
     *         absent or the limit is out of range
     */
    public Output connections(int limit) {
        if (limit < 1 || limit > MAX_CONNECTIONS) {
            return Output.failed("connections: -n must be between 1 and " + MAX_CONNECTIONS + ", not " + limit);
        }
        RouterAdmin a = admin.get();
        if (a == null) {
            return Output.failed(NO_CORE);
        }
        List<RouterAdmin.ConnectionInfo> list = a.connections(limit);
        List<String> out = new ArrayList<>(list.size() + 1);
        for (RouterAdmin.ConnectionInfo c : list) {
            out.add(c.frontend() + " " + c.client() + " -> " + (c.server() == null ? "(no server yet)" : c.server())
                    + " " + age(c.ageMillis()));
        }
        if (list.isEmpty()) {
            out.add("no live connections");
        } else if (list.size() >= limit) {
            out.add("(first " + limit + " shown; connections -n N shows more)");
        }
        return Output.ok(out);
    }

    /**
     * Outcome counters, {@code name value} per line, sorted by name.
     *
     * @return the lines; failed when the core is absent
     */
    public Output counters() {
        RouterAdmin a = admin.get();
        if (a == null) {
            return Output.failed(NO_CORE);
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : new TreeMap<>(a.counters()).entrySet()) {
            out.add(e.getKey() + " " + e.getValue());
        }
        return Output.ok(out);
    }

    /**
     * Problems of the running configuration (pending rules, warnings) as {@code file:line: message}.
     *
     * @return the lines, or "no problems"; failed when the core is absent
     */
    public Output problems() {
        RouterAdmin a = admin.get();
        if (a == null) {
            return Output.failed(NO_CORE);
        }
        List<String> p = a.problems();
        return Output.ok(p.isEmpty() ? List.of("no problems") : p);
    }

    /**
     * Re-reads the configuration files now (blocks until the core answers, bounded by the core).
     *
     * @return the core's report; failed unless its last line says the configuration was applied
     */
    public Output reload() {
        RouterAdmin a = admin.get();
        if (a == null) {
            return Output.failed(NO_CORE);
        }
        List<String> report = a.reload();
        boolean applied = !report.isEmpty() && report.get(report.size() - 1).startsWith(APPLIED);
        return applied ? Output.ok(report) : Output.failed(report.isEmpty() ? List.of("reload: no answer") : report);
    }

    /**
     * Compiles files against the plugins present, without applying them; with no file, the
     * files the router runs with.
     *
     * @param files the files (absolute, or relative to the router's working directory)
     * @return every problem, then "Configuration file is valid" when none is an error; failed
     *         when one is an error or the core is absent
     */
    public Output check(List<String> files) {
        RouterAdmin a = admin.get();
        if (a == null) {
            return Output.failed(NO_CORE);
        }
        List<Path> paths = new ArrayList<>();
        for (String f : files) {
            paths.add(Path.of(f).toAbsolutePath());
        }
        if (paths.isEmpty()) {
            paths.addAll(a.configFiles());
        }
        if (paths.isEmpty()) {
            return Output.failed("check: no file given and the router runs without configuration files");
        }
        List<String> problems = a.check(paths);
        List<String> out = new ArrayList<>(problems);
        boolean error = problems.stream().anyMatch(AdminCommands::isError);
        if (!error) {
            out.add("Configuration file is valid");
        }
        return error ? Output.failed(out) : Output.ok(out);
    }

    /**
     * Whether a {@code file:line: message} line is an error. The core marks the others with
     * "pending: " or "warning: " after the location (ConfigProblem.toString).
     */
    static boolean isError(String problem) {
        return !problem.contains(": pending: ") && !problem.contains(": warning: ");
    }

    /** 950 ms, 12.3 s, 4 min 2 s, 3 h 5 min: enough for a person reading the list. */
    static String age(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return (ms / 100) / 10.0 + " s";
        }
        long s = ms / 1000;
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        return s / 3600 + " h " + (s % 3600) / 60 + " min";
    }
}
