package io.junction.core.internal;

import io.junction.api.RouterAdmin;
import io.junction.core.internal.compile.ConfigCompiler;
import io.junction.core.internal.compile.Plugins;
import io.junction.core.internal.config.ConfigProblem;
import io.junction.core.internal.config.HaproxyConfigReader;
import io.junction.core.internal.net.Counters;
import io.junction.core.internal.net.HealthChecker;
import io.junction.core.internal.route.ServerState;
import io.junction.core.internal.net.Listeners;
import io.junction.core.internal.route.CompiledConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the running configuration in step with the files and the plugins present. All
 * compilation and socket binding happens on one dedicated thread ("junction-config"), never on
 * an event loop: file reads and binds may block briefly.
 *
 * <p>A file change or a plugin arriving or leaving recompiles everything; a configuration with
 * errors is rejected whole (every error logged as {@code file:line: message}) and the running
 * one stays. Live connections are never touched by a reload.
 */
public final class Router implements RouterAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    /** Plugin events come in bursts (a bundle registers several services): coalesce them. */
    private static final long PLUGIN_SETTLE_MILLIS = 50;

    /**
     * A bundle update unregisters its services and registers the new revision's a moment later
     * (50 to 500 ms seen under load). Until this long after a keyword's plugin left, the running
     * configuration (with the departing plugin's objects, which still work for the connections
     * they serve) stays, so new connections never see the gap. An uninstall takes effect after it.
     */
    static final long DEFAULT_PLUGIN_GRACE_MILLIS = 2_000;

    private final List<Path> files;
    private final long pollMillis;
    private final long graceMillis;
    private final Supplier<Plugins> plugins;
    private final Counters counters = new Counters();
    private final Listeners listeners = new Listeners(counters);
    private final HealthChecker health = new HealthChecker();
    /** Server states by server line, so health and connection counts survive reloads. */
    private final Map<String, ServerState> states = new java.util.concurrent.ConcurrentHashMap<>();
    private final ScheduledExecutorService thread;
    private final AtomicBoolean recompileQueued = new AtomicBoolean();
    private final Map<Path, byte[]> seen = new HashMap<>();
    private volatile CompiledConfig running;
    private volatile boolean started;
    private List<String> lastReport = List.of();
    private long generation;
    /** The sections of the configuration running now: plugin changes recompile these, not the files. */
    private HaproxyConfigReader.Result runningSource;
    /** The plugin snapshot the running configuration was compiled against. */
    private Plugins runningPlugins;
    private final long pluginGraceMillis;
    /** junction.removed.close: -1 keep live connections of removed frontends; else close them after this long. */
    private volatile long removedCloseMillis = -1;
    /** When keywords of the running plugins first went missing (System.nanoTime), or -1. */
    private long departedSince = -1;
    private ScheduledFuture<?> departureCheck;

    public Router(List<Path> files, long pollMillis, long graceMillis, Supplier<Plugins> plugins) {
        this(files, pollMillis, graceMillis, DEFAULT_PLUGIN_GRACE_MILLIS, plugins);
    }

    /**
     * @param pluginGraceMillis how long a keyword whose plugin left may stay served by the
     *        running configuration while a replacement is expected (a bundle update)
     */
    public Router(List<Path> files, long pollMillis, long graceMillis, long pluginGraceMillis,
            Supplier<Plugins> plugins) {
        this.files = List.copyOf(files);
        this.pollMillis = pollMillis;
        this.graceMillis = graceMillis;
        this.pluginGraceMillis = pluginGraceMillis;
        this.plugins = plugins;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "junction-config");
            t.setDaemon(true);
            return t;
        });
    }

    /** Loads the configuration now and then watches the files. */
    public void start() {
        started = true;
        thread.execute(() -> reload("start"));
        thread.scheduleWithFixedDelay(this::poll, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * The policy for live connections of a frontend removed by a reload: {@code -1} (default)
     * lets them run until they end (HAProxy's behaviour with a seamless reload); {@code N >= 0}
     * closes them N ms after the reload.
     */
    public void removedRouteClose(long millis) {
        this.removedCloseMillis = millis;
    }

    /** Any thread: the set of plugin services changed; recompile soon. */
    public void pluginsChanged() {
        if (started && recompileQueued.compareAndSet(false, true)) {
            thread.schedule(() -> {
                recompileQueued.set(false);
                pluginsSettled();
            }, PLUGIN_SETTLE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Compiles the files against the plugins present without binding anything. */
    public static CompiledConfig check(List<Path> files, Plugins plugins) {
        HaproxyConfigReader.Result read = HaproxyConfigReader.read(files);
        return ConfigCompiler.compile(read.sections(), read.problems(), plugins);
    }

    public CompiledConfig running() {
        return running;
    }

    public List<String> addresses() {
        return listeners.addresses();
    }

    private void poll() {
        try {
            boolean changed = false;
            for (Path file : files) {
                byte[] now = readOrNull(file);
                if (!Arrays.equals(now, seen.get(file))) {
                    changed = true;
                }
            }
            if (changed) {
                reload("configuration file changed");
            }
        } catch (RuntimeException e) {
            LOG.error("junction: configuration watch failed", e);
        }
    }

    private static byte[] readOrNull(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /**
     * Config thread: the plugins changed. Recompiles the running configuration's own sections
     * (the files may hold a broken edit at this moment: that must not keep a plugin change from
     * taking effect). While a keyword the running configuration was compiled with has no
     * provider, and for at most the plugin grace period, the running configuration stays.
     */
    private void pluginsSettled() {
        if (runningSource == null) {
            reload("plugins changed");
            return;
        }
        Plugins p = plugins.get();
        List<String> missing = missingKeywords(runningPlugins, p);
        if (!missing.isEmpty()) {
            long now = System.nanoTime();
            if (departedSince < 0) {
                departedSince = now;
            }
            long waited = TimeUnit.NANOSECONDS.toMillis(now - departedSince);
            if (waited < pluginGraceMillis) {
                LOG.debug("junction: {} left; keeping the running configuration up to {} ms for a replacement",
                        missing, pluginGraceMillis - waited);
                // Always (re)schedule: an older check may be the very task running now, or may
                // belong to an earlier departure and fire too soon for this one.
                if (departureCheck != null) {
                    departureCheck.cancel(false);
                }
                departureCheck = thread.schedule(this::pluginsSettled, pluginGraceMillis - waited + 1,
                        TimeUnit.MILLISECONDS);
                return;
            }
            LOG.info("junction: no replacement for {} within {} ms; their rules are pending now", missing,
                    pluginGraceMillis);
        }
        departedSince = -1;
        apply(runningSource, p, "plugins changed");
    }

    /** Keywords served in {@code before} that no service serves in {@code now}. */
    static List<String> missingKeywords(Plugins before, Plugins now) {
        List<String> missing = new ArrayList<>();
        if (before == null) {
            return missing;
        }
        missingIn(before.fetches(), now.fetches(), "fetch ", missing);
        missingIn(before.matchers(), now.matchers(), "match ", missing);
        missingIn(before.serverOptions(), now.serverOptions(), "server option ", missing);
        missingIn(before.bindOptions(), now.bindOptions(), "bind option ", missing);
        missingIn(before.connectors(), now.connectors(), "connector ", missing);
        missingIn(before.listeners(), now.listeners(), "listener ", missing);
        missingIn(before.connectionActions(), now.connectionActions(), "action ", missing);
        missingIn(before.modes(), now.modes(), "mode ", missing);
        missingIn(before.httpActions(), now.httpActions(), "http action ", missing);
        return missing;
    }

    private static void missingIn(Map<String, ?> before, Map<String, ?> now, String kind, List<String> out) {
        for (String k : before.keySet()) {
            if (!now.containsKey(k)) {
                out.add(kind + k);
            }
        }
    }

    private List<String> reload(String why) {
        for (Path file : files) {
            seen.put(file, readOrNull(file));
        }
        departedSince = -1;
        return apply(HaproxyConfigReader.read(files), plugins.get(), why);
    }

    private List<String> apply(HaproxyConfigReader.Result read, Plugins p, String why) {
        List<String> report = new ArrayList<>();
        try {
            CompiledConfig compiled = ConfigCompiler.compile(read.sections(), read.problems(), p,
                    key -> states.computeIfAbsent(key, ServerState::new));
            for (ConfigProblem problem : compiled.problems()) {
                report.add(problem.toString());
            }
            if (compiled.hasErrors()) {
                for (ConfigProblem problem : compiled.problems()) {
                    if (problem.severity() == ConfigProblem.Severity.ERROR) {
                        LOG.error("{}", problem);
                    } else {
                        LOG.warn("{}", problem);
                    }
                }
                LOG.error("junction: configuration rejected ({}), {}", why,
                        running == null ? "nothing is served until it is fixed" : "the running configuration stays");
                lastReport = report;
                report.add("configuration rejected; " + (running == null ? "nothing is served" : "the running configuration stays"));
                return report;
            }
            if (!report.equals(lastReport)) {
                for (String line : report) {
                    LOG.warn("{}", line);
                }
            }
            lastReport = List.copyOf(report);
            List<String> failures = listeners.apply(compiled, p.listeners().get("tcp"));
            for (String failure : failures) {
                LOG.error("{}", failure);
                report.add(failure);
            }
            running = compiled;
            runningSource = read;
            runningPlugins = p;
            generation++;
            health.update(compiled, p.transport() == null ? null : p.transport().workerGroup());
            listeners.removedRoutes(frontendNames(compiled), removedCloseMillis, thread,
                    () -> running == null ? java.util.Set.of() : frontendNames(running));
            states.keySet().retainAll(liveStateKeys(compiled));
            LOG.info("junction: configuration applied ({}): {} frontends, generation {}", why,
                    compiled.frontends().size(), generation);
            report.add("configuration applied: " + compiled.frontends().size() + " frontends, generation " + generation);
        } catch (RuntimeException e) {
            LOG.error("junction: applying the configuration failed ({}); the running configuration stays", why, e);
            report.add("applying the configuration failed: " + e + "; the running configuration stays");
        }
        return report;
    }

    // ------------------------------------------------------------------ RouterAdmin

    @Override
    public List<String> routes() {
        CompiledConfig c = running;
        if (c == null) {
            return List.of("no configuration applied");
        }
        return RouteDescriber.describe(c, listeners.addresses());
    }

    @Override
    public List<RouterAdmin.ConnectionInfo> connections(int limit) {
        return listeners.connections(limit);
    }

    @Override
    public Map<String, Long> counters() {
        return counters.snapshot();
    }

    @Override
    public List<String> problems() {
        CompiledConfig c = running;
        return c == null ? List.of() : c.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Override
    public List<String> reload() {
        try {
            return thread.submit(() -> reload("admin request")).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return List.of("reload did not complete: " + e);
        }
    }

    @Override
    public List<String> check(List<Path> files) {
        return check(files, plugins.get()).problems().stream().map(ConfigProblem::toString).toList();
    }

    @Override
    public List<Path> configFiles() {
        return files;
    }

    private static java.util.Set<String> frontendNames(CompiledConfig compiled) {
        java.util.Set<String> names = new java.util.HashSet<>();
        compiled.frontends().forEach(f -> names.add(f.name()));
        return names;
    }

    private static java.util.Set<String> liveStateKeys(CompiledConfig compiled) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (var f : compiled.frontends()) {
            for (var pool : f.reachableBackends()) {
                for (var s : pool.servers()) {
                    keys.add(s.state().key());
                }
            }
        }
        return keys;
    }

    /** Closes listeners, drains live connections for the grace period, stops the config thread. */
    public void stop() {
        health.stop();
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listeners.shutdown(graceMillis);
        LOG.info("junction: stopped; counters {}", counters.snapshot());
    }
}
