package io.junction.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.util.tracker.ServiceTracker;

/**
 * {@code bin/junction}: embeds Apache Felix through {@link FrameworkFactory}, installs the
 * distribution's bundles and runs in the foreground, or checks a configuration ({@code -c}).
 *
 * <p>Layout it expects under the distribution folder ({@code junction.home}, by default the
 * parent of the folder holding this jar):
 * <ul>
 * <li>{@code boot/}: bundles installed at start level 1 and started (SPI Fly, ASM, slf4j: they
 *     must be active before any bundle calls slf4j's LoggerFactory);</li>
 * <li>{@code bundle/}: every other bundle, installed at {@code felix.startlevel.bundle} and started,
 *     except fragments (the Netty natives), which are only installed;</li>
 * <li>{@code conf/framework.properties}: framework properties, {@code ${name}} substituted from
 *     system properties plus {@code junction.home} and {@code junction.state};</li>
 * <li>{@code deploy/}: watched by FileInstall (configured in framework.properties).</li>
 * </ul>
 *
 * <p>Framework properties it sets: {@code junction.config} (comma-separated absolute paths of the
 * {@code -f} files), {@code junction.check=true} with {@code -c}, {@code junction.home},
 * {@code junction.state} (the state directory),
 * {@code org.osgi.framework.storage}, {@code gosh.args}. JVM system properties named
 * {@code junction.*}, {@code felix.*}, {@code org.osgi.*}, {@code gosh.*}, {@code ds.*} override
 * framework.properties (so {@code JUNCTION_JAVA_OPTS=-Djunction.shutdown.grace=10000} works).
 *
 * <p>Exit codes: 0 (ran and stopped cleanly, or a valid configuration with -c), 1 (invalid
 * configuration, start-up failure, stop timeout), 2 (usage error).
 */
public final class Main {

    /** Service property of the core's check-result service (see the core's contract). */
    public static final String CHECK_EXITCODE = "junction.check.exitcode";

    /** Symbolic name of the bundle that performs the check. */
    static final String CORE_BSN = "io.junction.core";

    /** Bounded wait for the check result (ms); override with -Djunction.check.timeout. */
    static final long DEFAULT_CHECK_TIMEOUT_MS = 60_000;

    /** Grace the core gives live connections at stop (its default, ms). */
    static final long DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

    /** Added to the grace for the rest of the framework to stop. */
    static final long STOP_MARGIN_MS = 10_000;

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]+)}");

    private final CommandLine cl;
    private final Path home;
    private final PrintStream out;
    private final PrintStream err;
    private final ConsoleLog log;
    private final AtomicBoolean exiting = new AtomicBoolean();

    private Main(CommandLine cl, Path home, PrintStream out, PrintStream err) {
        this.cl = cl;
        this.home = home;
        this.out = out;
        this.err = err;
        this.log = new ConsoleLog(err, cl.debug());
    }

    /**
     * Entry point, on the JVM's main thread; returns only through {@link System#exit}.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Parses the command line and runs or checks. Blocks until the framework stopped.
     *
     * @return the process exit code
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals(TransparentCheck.COMMAND)) {
            // Inspects the host only: no framework, no configuration, no state directory.
            return TransparentCheck.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        CommandLine cl;
        try {
            cl = CommandLine.parse(args, Path.of("").toAbsolutePath());
        } catch (CommandLine.UsageException e) {
            err.println("junction: " + e.getMessage());
            err.println(CommandLine.USAGE);
            return 2;
        }
        if (cl.help()) {
            out.println(CommandLine.USAGE);
            out.println(CommandLine.HELP);
            return 0;
        }
        if (cl.version()) {
            String v = Main.class.getPackage().getImplementationVersion();
            out.println("junction " + (v == null ? "(development build)" : v));
            return 0;
        }
        Path home;
        try {
            home = home();
        } catch (IOException e) {
            err.println("junction: " + e.getMessage());
            return 1;
        }
        return new Main(cl, home, out, err).launch();
    }

    /** The distribution folder: -Djunction.home, else the parent of the folder of this jar. */
    static Path home() throws IOException {
        String prop = System.getProperty("junction.home");
        Path home;
        if (prop != null && !prop.isBlank()) {
            home = Path.of(prop);
        } else {
            try {
                Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                home = jar.getParent().getParent();
            } catch (URISyntaxException | NullPointerException e) {
                throw new IOException("cannot tell the distribution folder; set -Djunction.home", e);
            }
        }
        home = home.toAbsolutePath().normalize();
        if (!Files.isDirectory(home.resolve("bundle"))) {
            throw new IOException(home + " is not a Junction distribution (no bundle/ folder);"
                    + " set -Djunction.home");
        }
        return home;
    }

    private int launch() {
        // The JVM's own start (not the process's: bin/junction-demo execs us after its own work).
        Instant t0 = Instant.ofEpochMilli(java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
        configureLogging();
        // Transparent proxying needs host routing that no error message at connect time explains
        // well: say what is missing before anything starts (issue: the hardest setup for users).
        for (String warning : TransparentCheck.startupWarnings(cl.configs(), TransparentCheck.systemHost())) {
            err.println("junction: " + warning);
        }
        JulBridge.install(log, cl.debug(), cl.check());
        StateDirectory state;
        Path throwAway = null;
        try {
            if (cl.check()) {
                // A check must never touch the storage of a running instance: own, throw-away dir.
                Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
                throwAway = Files.createTempDirectory(tmp, "junction-check-");
                state = StateDirectory.open(throwAway);
            } else {
                Path dir = cl.stateDir() != null ? cl.stateDir()
                        : StateDirectory.defaultFor(Path.of(System.getProperty("java.io.tmpdir")),
                                System.getProperty("user.name", "user"), home, cl.configs());
                state = StateDirectory.open(dir);
            }
        } catch (IOException e) {
            err.println("junction: " + e.getMessage());
            return 1;
        }
        try {
            return launch(state, t0);
        } finally {
            state.close();
            if (throwAway != null) {
                StateDirectory.deleteTree(throwAway);
            }
        }
    }

    private int launch(StateDirectory state, Instant t0) {
        Map<String, String> props;
        try {
            props = frameworkProperties(state);
            Files.createDirectories(state.nativeWorkDir());
        } catch (IOException e) {
            err.println("junction: " + e.getMessage());
            return 1;
        }
        if (System.getProperty("io.netty.native.workdir") == null) {
            // Per instance, not a shared /tmp: instances never race on the same extracted .so.
            System.setProperty("io.netty.native.workdir", state.nativeWorkDir().toString());
        }
        log.debug("state directory " + state.path());
        log.debug("framework properties " + props);

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, Main.class.getClassLoader())
                .findFirst().orElse(null);
        if (factory == null) {
            err.println("junction: no OSGi framework on the class path (lib/org.apache.felix.framework.jar)");
            return 1;
        }
        Framework fw = factory.newFramework(props);
        CountDownLatch started = new CountDownLatch(1);
        try {
            fw.init();
            BundleContext ctx = fw.getBundleContext();
            ctx.addFrameworkListener(ev -> onFrameworkEvent(ev, started));
            int installed = install(ctx, home.resolve("boot"), 1) + install(ctx, home.resolve("bundle"), -1);
            log.debug(installed + " bundles installed");
            if (!cl.check()) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> onSignal(fw, props), "junction-shutdown"));
            }
            fw.start();
        } catch (BundleException | RuntimeException e) {
            err.println("junction: cannot start the OSGi framework: " + e);
            stopQuietly(fw);
            return 1;
        }
        if (cl.check()) {
            return check(fw, started, props);
        }
        awaitQuietly(started, 60_000);
        reportInactive(fw.getBundleContext());
        log.info("junction started in " + Duration.between(t0, Instant.now()).toMillis() + " ms (state "
                + state.path() + ", config " + cl.configProperty() + ")");
        try {
            FrameworkEvent ev = fw.waitForStop(0);
            exiting.set(true);
            return ev.getType() == FrameworkEvent.ERROR ? 1 : 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exiting.set(true);
            return 1;
        }
    }

    /** Slf4j-simple reads system properties: set defaults unless the user set them (-D). */
    private void configureLogging() {
        String level = cl.debug() ? "debug" : cl.check() ? "warn" : "info";
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", level);
        if (cl.debug()) {
            // Netty's own debug output (allocator and platform probing) drowns everything else.
            setDefault("org.slf4j.simpleLogger.log.io.netty", "info");
        }
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", ConsoleLog.DATE_TIME_PATTERN);
        setDefault("org.slf4j.simpleLogger.showThreadName", "true");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
        setDefault("org.slf4j.simpleLogger.levelInBrackets", "false");
        setDefault("org.slf4j.simpleLogger.logFile", "System.err");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Framework properties: conf/framework.properties, substituted; then the launcher's own; then
     * matching JVM system properties, which win.
     */
    Map<String, String> frameworkProperties(StateDirectory state) throws IOException {
        Map<String, String> vars = new HashMap<>();
        System.getProperties().forEach((k, v) -> vars.put(String.valueOf(k), String.valueOf(v)));
        vars.put("junction.home", home.toString());
        vars.put("junction.state", state.path().toString());

        Map<String, String> props = new HashMap<>();
        Path file = home.resolve("conf").resolve("framework.properties");
        if (Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
            for (String k : p.stringPropertyNames()) {
                props.put(k, substitute(p.getProperty(k), vars));
            }
        }
        props.put("junction.home", home.toString());
        // The shell's command socket lives there (junction.sock), where bin/junction ctl finds it.
        props.put("junction.state", state.path().toString());
        props.put(Constants.FRAMEWORK_STORAGE, state.frameworkStorage().toString());
        props.putIfAbsent(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put("junction.config", cl.configProperty());
        if (cl.check()) {
            props.put("junction.check", "true");
        } else {
            props.remove("junction.check");
        }
        boolean interactive = cl.shell() && System.console() != null;
        if (cl.shell() && !interactive) {
            log.warn("--shell needs a terminal on stdin and stdout; the shell stays headless");
        }
        // Pitfall: gosh.args in the framework properties beats -D, so it is always set here.
        // Without --nointeractive Gogo would read stdin, which a service manager closes.
        props.put("gosh.args", interactive ? "" : "--nointeractive");
        if (!interactive) {
            // Gogo's default profile needs a line reader; headless, use ours (conf/gogo/etc).
            props.putIfAbsent("gosh.home", home.resolve("conf").resolve("gogo").toString());
            // JLine would probe for a system terminal (and warn) although nobody will type.
            setDefault("org.jline.terminal.dumb", "true");
        }
        if (cl.debug()) {
            props.put("ds.loglevel", "info");
            props.put("felix.log.level", "2");
        }
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("junction.") || k.startsWith("felix.") || k.startsWith("org.osgi.")
                    || k.startsWith("gosh.") || k.startsWith("ds.")) {
                if (!k.equals("junction.home")) {
                    props.put(k, System.getProperty(k));
                }
            }
        }
        return props;
    }

    /** Replaces {@code ${name}} by vars' value; unknown names are left as they are. */
    static String substitute(String value, Map<String, String> vars) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = vars.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /**
     * Installs every *.jar of a folder (sorted by name, for a reproducible order) and marks every
     * non-fragment for start; a jar that fails to install is reported and skipped.
     *
     * @param startLevel the start level, or -1 for the framework's default (felix.startlevel.bundle)
     * @return how many were installed
     */
    private int install(BundleContext ctx, Path dir, int startLevel) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> jars;
        try (Stream<Path> s = Files.list(dir)) {
            jars = s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            log.error("cannot list " + dir + ": " + e.getMessage());
            return 0;
        }
        List<Bundle> toStart = new ArrayList<>();
        for (Path jar : jars) {
            try {
                // reference: installs in place, no copy into the storage: faster start-up.
                Bundle b = ctx.installBundle("reference:" + jar.toUri());
                if (startLevel > 0) {
                    b.adapt(BundleStartLevel.class).setStartLevel(startLevel);
                }
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    toStart.add(b);
                }
            } catch (BundleException | RuntimeException e) {
                log.error("cannot install " + jar + ": " + e.getMessage());
            }
        }
        for (Bundle b : toStart) {
            try {
                // The framework is still starting: this only marks the bundle to start when its
                // start level is reached; failures arrive as FrameworkEvent.ERROR.
                b.start();
            } catch (BundleException e) {
                log.error("cannot start " + b.getSymbolicName() + ": " + e.getMessage());
            }
        }
        return jars.size();
    }

    private void onFrameworkEvent(FrameworkEvent ev, CountDownLatch started) {
        switch (ev.getType()) {
            case FrameworkEvent.STARTED -> started.countDown();
            case FrameworkEvent.ERROR -> log.error(describe(ev));
            case FrameworkEvent.WARNING -> log.warn(describe(ev));
            default -> { }
        }
    }

    private static String describe(FrameworkEvent ev) {
        Bundle b = ev.getBundle();
        String who = b == null ? "framework" : b.getSymbolicName() + " " + b.getVersion();
        Throwable t = ev.getThrowable();
        return who + ": " + (t == null ? "error" : t.getMessage() != null ? t.getMessage() : t.toString());
    }

    /** After STARTED: name every bundle that should be active and is not, so nothing fails silently. */
    private void reportInactive(BundleContext ctx) {
        for (Bundle b : ctx.getBundles()) {
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            int s = b.getState();
            if (fragment ? s == Bundle.INSTALLED : s != Bundle.ACTIVE && s != Bundle.STARTING) {
                log.warn("bundle " + b.getSymbolicName() + " " + b.getVersion() + " is " + stateName(s)
                        + (fragment ? " (fragment not attached)" : " (not active)"));
            }
        }
    }

    private static String stateName(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNINSTALLED";
        };
    }

    /**
     * Check mode: waits (bounded) for the core's result service, stops the framework, returns the
     * code it published.
     */
    private int check(Framework fw, CountDownLatch started, Map<String, String> props) {
        long timeout = parseLong(props.get("junction.check.timeout"), DEFAULT_CHECK_TIMEOUT_MS);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
        int code = 1;
        ServiceTracker<Object, Object> tracker = null;
        try {
            BundleContext ctx = fw.getBundleContext();
            tracker = new ServiceTracker<>(ctx, ctx.createFilter("(" + CHECK_EXITCODE + "=*)"), null);
            // trackAllServices: the service is registered as java.lang.Object from another bundle.
            tracker.open(true);
            if (!started.await(timeout, TimeUnit.MILLISECONDS)) {
                err.println("junction: the framework did not start within " + timeout + " ms");
                return 1;
            }
            String coreProblem = coreProblem(ctx);
            if (coreProblem != null) {
                reportInactive(ctx);
                err.println("junction: cannot check the configuration: " + coreProblem);
                return 1;
            }
            ServiceReference<Object> ref = null;
            while (ref == null && System.nanoTime() < deadline) {
                tracker.waitForService(200);
                ref = tracker.getServiceReference();
            }
            if (ref == null) {
                err.println("junction: no check result within " + timeout + " ms (is " + CORE_BSN
                        + " working? run with -d)");
                return 1;
            }
            code = exitCode(ref.getProperty(CHECK_EXITCODE));
            return code;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            if (tracker != null) {
                tracker.close();
            }
            stopQuietly(fw);
        }
    }

    private static String coreProblem(BundleContext ctx) {
        for (Bundle b : ctx.getBundles()) {
            if (CORE_BSN.equals(b.getSymbolicName())) {
                return b.getState() == Bundle.ACTIVE ? null
                        : "bundle " + CORE_BSN + " is " + stateName(b.getState()) + ", not active";
            }
        }
        return "bundle " + CORE_BSN + " is not installed";
    }

    /** The published exit code: an Integer per the contract; any other value means invalid. */
    static int exitCode(Object value) {
        if (value instanceof Number n) {
            return n.intValue();
        }
        if (value instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                return 1;
            }
        }
        return 1;
    }

    /**
     * Shutdown hook, on SIGTERM/SIGINT (or System.exit): stops the framework, so that the core
     * closes its listeners first and drains live connections, waiting at most grace + margin.
     */
    private void onSignal(Framework fw, Map<String, String> props) {
        if (exiting.get() || (fw.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0) {
            return;
        }
        long bound = parseLong(props.get("junction.shutdown.grace"), DEFAULT_SHUTDOWN_GRACE_MS) + STOP_MARGIN_MS;
        log.info("junction stopping (signal; waiting at most " + bound + " ms)");
        int status = 0;
        try {
            fw.stop();
            FrameworkEvent ev = fw.waitForStop(bound);
            if (ev.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                log.error("the framework did not stop within " + bound + " ms; exiting anyway");
                status = 1;
            } else {
                log.info("junction stopped");
            }
        } catch (BundleException | RuntimeException e) {
            log.error("stop failed: " + e);
            status = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 1;
        }
        out.flush();
        err.flush();
        // A clean stop on a signal is a normal end: exit 0 rather than the JVM's 128+signal, so
        // service managers and scripts see success. halt skips the hooks that remain, none of
        // which matter once the framework is stopped.
        Runtime.getRuntime().halt(status);
    }

    private void stopQuietly(Framework fw) {
        try {
            fw.stop();
            fw.waitForStop(STOP_MARGIN_MS);
        } catch (BundleException | RuntimeException e) {
            log.error("stop failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitQuietly(CountDownLatch latch, long ms) {
        try {
            latch.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long parseLong(String s, long dflt) {
        if (s == null || s.isBlank()) {
            return dflt;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
