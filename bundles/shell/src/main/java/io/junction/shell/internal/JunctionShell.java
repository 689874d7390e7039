package io.junction.shell.internal;

import io.junction.api.RouterAdmin;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The Gogo commands of scope {@code junction}. Gogo finds this service by its
 * {@code osgi.command.scope} / {@code osgi.command.function} properties and calls the public
 * methods by reflection; each one prints plain text (one item per line) to {@code System.out},
 * which Gogo's ThreadIO routes to the calling session (console, or the command socket), and
 * throws {@link CommandFailedException} after printing when the command failed.
 *
 * <p>The {@link RouterAdmin} reference is optional and dynamic: the commands stay registered
 * while the core is absent and then say so. Every command method runs on a Gogo session thread,
 * never on an event loop, and may block as long as the core's answer (reload) or a bundle
 * operation (install, uninstall) takes.
 */
@Component(service = JunctionShell.class, immediate = true, property = {
    "osgi.command.scope=junction",
    "osgi.command.function=routes",
    "osgi.command.function=connections",
    "osgi.command.function=counters",
    "osgi.command.function=problems",
    "osgi.command.function=reload",
    "osgi.command.function=check",
    "osgi.command.function=features",
    "osgi.command.function=install",
    "osgi.command.function=uninstall",
})
public final class JunctionShell {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RouterAdmin admin;

    private final AdminCommands commands = new AdminCommands(() -> admin);
    private volatile FeatureCommands features;

    /** For DS. */
    public JunctionShell() {
    }

    /**
     * Outside a framework (tests): fixed collaborators.
     *
     * @param admin    the router, or null for "core absent"
     * @param features the features commands, or null for "no junction.home"
     */
    JunctionShell(RouterAdmin admin, FeatureCommands features) {
        this.admin = admin;
        this.features = features;
    }

    /**
     * DS activation, on the SCR thread: reads junction.home (set by the launcher) for the
     * features commands.
     *
     * @param context this bundle's context
     */
    @Activate
    void activate(BundleContext context) {
        String home = context.getProperty("junction.home");
        features = home == null || home.isBlank() ? null
                : new FeatureCommands(context, new FeatureCatalog(Path.of(home).toAbsolutePath().normalize()));
    }

    /**
     * {@code junction:routes}. Gogo session thread.
     */
    @Descriptor("the running route table: frontends, binds, rules, backends, servers, listening addresses")
    public void routes() {
        print(commands.routes(), "routes failed");
    }

    /**
     * {@code junction:connections [-n N]}. Gogo session thread.
     *
     * @param limit at most this many (default 100)
     */
    @Descriptor("live client connections: frontend, client, server, age (at most N, default 100)")
    public void connections(
            @Descriptor("how many at most") @Parameter(names = {"-n", "--limit"}, absentValue = "100") int limit) {
        print(commands.connections(limit), "connections failed");
    }

    /** {@code junction:counters}. Gogo session thread. */
    @Descriptor("outcome counters (accepted, routed, rejected, no_server, connect_failed, ...)")
    public void counters() {
        print(commands.counters(), "counters failed");
    }

    /** {@code junction:problems}. Gogo session thread. */
    @Descriptor("problems of the running configuration: pending rules and warnings, as file:line: message")
    public void problems() {
        print(commands.problems(), "problems failed");
    }

    /** {@code junction:reload}. Gogo session thread; blocks until the core applied or rejected. */
    @Descriptor("re-read the configuration files now and apply them if valid")
    public void reload() {
        print(commands.reload(), "reload: the configuration was not applied");
    }

    /**
     * {@code junction:check [FILE...]}. Gogo session thread.
     *
     * @param files files to compile (default: the running configuration's)
     */
    @Descriptor("compile configuration files against the plugins present, without applying them")
    public void check(@Descriptor("configuration files (default: the running ones)") String... files) {
        print(commands.check(Arrays.asList(files)), "check: the configuration has errors");
    }

    /** {@code junction:features}. Gogo session thread; reads the distribution's files. */
    @Descriptor("the distribution's OSGi features (features/*.json), their bundles and whether each is installed/active")
    public void features() {
        FeatureCommands f = features;
        print(f == null ? noHome() : f.features(), "features failed");
    }

    /**
     * {@code junction:install NAME}. Gogo session thread; blocks on bundle operations (bounded).
     *
     * @param name the feature's short name
     */
    @Descriptor("install (or update) and start the bundles of a feature, from the distribution's own files")
    public void install(@Descriptor("feature name, as listed by features") String name) {
        FeatureCommands f = features;
        print(f == null ? noHome() : f.install(name), "install " + name + " failed");
    }

    /**
     * {@code junction:uninstall NAME}. Gogo session thread; blocks on bundle operations (bounded).
     *
     * @param name the feature's short name
     */
    @Descriptor("uninstall the bundles of a feature that no other installed feature needs (never the runtime or the core)")
    public void uninstall(@Descriptor("feature name, as listed by features") String name) {
        FeatureCommands f = features;
        print(f == null ? noHome() : f.uninstall(name), "uninstall " + name + " failed");
    }

    private static Output noHome() {
        return Output.failed("framework property junction.home is not set (not started by bin/junction): no features to list");
    }

    /** Prints the lines to the session (System.out is the session's stream under Gogo). */
    private static void print(Output out, String failure) {
        PrintStream ps = System.out;
        for (String line : out.lines()) {
            ps.println(line);
        }
        ps.flush();
        if (!out.ok()) {
            throw new CommandFailedException(failure);
        }
    }
}
