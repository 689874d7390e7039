package io.junction.shell.internal;

import io.junction.shell.internal.FeatureCatalog.BundleInfo;
import io.junction.shell.internal.FeatureCatalog.FeatureInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.Version;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * {@code features}, {@code install NAME}, {@code uninstall NAME}: the distribution's OSGi
 * Feature files against the bundles installed in this framework.
 *
 * <p>Rules:
 * <ul>
 * <li>a bundle is identified by its Bundle-SymbolicName; "installed" means a bundle with that
 *     name is installed, and the version read from the distribution's jar tells whether it is
 *     the feature's version;</li>
 * <li>install takes the jars from the distribution's own folders (boot/, bundle/, repository/),
 *     never from a network; a plugin bundle of another version is updated in place
 *     ({@link Bundle#update(InputStream)}) and the updated bundles are refreshed; then every
 *     non-fragment bundle of the feature is started. The runtime feature's bundles, the core,
 *     the API and the shell are installed if missing but never updated from here: updating
 *     them refreshes (restarts) nearly every bundle, this shell included; a restart does that
 *     cleanly;</li>
 * <li>uninstall removes the feature's bundles that no other installed feature needs, except the
 *     runtime feature's bundles, the core, the API and this shell, which are never removed
 *     (the router and its operator must survive any uninstall). A feature that contains the whole
 *     feature being removed (like "all") does not count as needing its bundles: it stops being
 *     installed anyway.</li>
 * </ul>
 * Nothing is persistent: the launcher installs boot/, bundle/ and deploy/ afresh at every start.
 *
 * <p>Every public method runs on a command thread (Gogo session or command-socket worker), may
 * block on file reads and on the framework (a refresh is awaited, at most {@value #REFRESH_WAIT_SECONDS}
 * s), and is serialized with the others: two operators cannot interleave installs.
 */
public final class FeatureCommands {

    /** Never uninstalled: the runtime feature's bundles, and these. */
    static final Set<String> PROTECTED = Set.of("io.junction.core", "io.junction.api", "io.junction.shell");

    /** The feature whose bundles are the OSGi runtime itself (features/runtime.json). */
    static final String RUNTIME_FEATURE = "runtime";

    /** Bound of the wait for a package refresh after an update or an uninstall. */
    static final long REFRESH_WAIT_SECONDS = 30;

    /**
     * What is installed under a symbolic name.
     *
     * @param id      the bundle id
     * @param version its version
     * @param state   ACTIVE, RESOLVED, INSTALLED, STARTING or STOPPING
     */
    record Installed(long id, String version, String state) { }

    private final BundleContext context;
    private final FeatureCatalog catalog;
    private final Object lock = new Object();

    /**
     * @param context this bundle's context
     * @param catalog the distribution's features
     */
    public FeatureCommands(BundleContext context, FeatureCatalog catalog) {
        this.context = context;
        this.catalog = catalog;
    }

    /**
     * Lists every feature file with its bundles and their state here.
     *
     * @return the listing; failed when the feature files cannot be read
     */
    public Output features() {
        Map<String, FeatureInfo> features;
        try {
            features = catalog.read();
        } catch (IOException e) {
            return Output.failed("features: " + e.getMessage());
        }
        return Output.ok(describe(features, installed(), catalog.home().toString()));
    }

    /**
     * Installs (or updates) and starts the bundles of a feature.
     *
     * @param name the feature's short name (features/NAME.json)
     * @return one line per bundle; failed when the feature is unknown or a bundle could not be
     *         installed or started
     */
    public Output install(String name) {
        synchronized (lock) {
            Map<String, FeatureInfo> features;
            try {
                features = catalog.read();
            } catch (IOException e) {
                return Output.failed("install: " + e.getMessage());
            }
            FeatureInfo f = features.get(name);
            if (f == null) {
                return Output.failed("install: no feature " + name + " (known: " + String.join(", ", features.keySet()) + ")");
            }
            Set<String> runtime = features.containsKey(RUNTIME_FEATURE) ? bsns(features.get(RUNTIME_FEATURE)) : Set.of();
            List<String> out = new ArrayList<>();
            boolean ok = true;
            List<Bundle> touched = new ArrayList<>();
            List<Bundle> updated = new ArrayList<>();
            for (BundleInfo b : f.bundles()) {
                if (b.file() == null) {
                    out.add(b.id() + ": not in the distribution (boot/, bundle/, repository/)");
                    ok = false;
                    continue;
                }
                if (b.bsn() == null) {
                    out.add(b.id() + ": " + b.file() + " is not a bundle");
                    ok = false;
                    continue;
                }
                Bundle existing = find(b.bsn());
                try {
                    if (existing == null) {
                        Bundle nb = context.installBundle("reference:" + b.file().toUri());
                        if (b.startOrder() > 0) {
                            nb.adapt(BundleStartLevel.class).setStartLevel(b.startOrder());
                        }
                        touched.add(nb);
                        out.add(b.bsn() + " " + b.version() + ": installed (bundle " + nb.getBundleId() + ")");
                    } else if (!sameVersion(existing.getVersion().toString(), b.version())) {
                        if (PROTECTED.contains(b.bsn()) || runtime.contains(b.bsn())) {
                            // Updating ourselves would stop this command half-way; updating the API
                            // or a runtime bundle (ASM, slf4j, SCR...) refreshes nearly every bundle
                            // and can leave logging without its provider. A restart does it cleanly.
                            out.add(b.bsn() + ": " + existing.getVersion() + " installed, " + b.version()
                                    + " in the distribution; the runtime, the API, the core and the shell are"
                                    + " updated by restarting Junction, not from the shell");
                            touched.add(existing);
                            continue;
                        }
                        String before = existing.getVersion().toString();
                        try (InputStream in = Files.newInputStream(b.file())) {
                            existing.update(in);
                        }
                        touched.add(existing);
                        updated.add(existing);
                        out.add(b.bsn() + ": updated " + before + " -> " + b.version() + " (bundle " + existing.getBundleId() + ")");
                    } else {
                        touched.add(existing);
                        out.add(b.bsn() + " " + b.version() + ": already installed (bundle " + existing.getBundleId() + ")");
                    }
                } catch (BundleException | IOException | RuntimeException e) {
                    out.add(b.bsn() + ": " + e.getMessage());
                    ok = false;
                }
            }
            if (!updated.isEmpty() && !refresh(updated)) {
                out.add("the package refresh after the update did not finish within " + REFRESH_WAIT_SECONDS + " s");
                ok = false;
            }
            context.getBundle(0).adapt(FrameworkWiring.class).resolveBundles(touched);
            for (Bundle b : touched) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null || b.getState() == Bundle.ACTIVE) {
                    continue;
                }
                try {
                    b.start();
                    out.add(b.getSymbolicName() + ": started");
                } catch (BundleException | RuntimeException e) {
                    out.add(b.getSymbolicName() + ": not started: " + e.getMessage());
                    ok = false;
                }
            }
            out.add("feature " + name + (ok ? " installed" : " NOT fully installed"));
            return ok ? Output.ok(out) : Output.failed(out);
        }
    }

    /**
     * Uninstalls the bundles of a feature that nothing else needs (see the class comment).
     *
     * @param name the feature's short name
     * @return one line per bundle; failed when the feature is unknown or an uninstall failed
     */
    public Output uninstall(String name) {
        synchronized (lock) {
            Map<String, FeatureInfo> features;
            try {
                features = catalog.read();
            } catch (IOException e) {
                return Output.failed("uninstall: " + e.getMessage());
            }
            if (!features.containsKey(name)) {
                return Output.failed("uninstall: no feature " + name + " (known: " + String.join(", ", features.keySet()) + ")");
            }
            Map<String, String> plan = uninstallPlan(features, name, installed());
            List<String> out = new ArrayList<>();
            List<Bundle> removed = new ArrayList<>();
            boolean ok = true;
            for (Map.Entry<String, String> e : plan.entrySet()) {
                if (e.getValue() != null) {
                    out.add(e.getKey() + ": kept (" + e.getValue() + ")");
                    continue;
                }
                Bundle b = find(e.getKey());
                if (b == null) {
                    out.add(e.getKey() + ": not installed");
                    continue;
                }
                try {
                    b.uninstall();
                    removed.add(b);
                    out.add(e.getKey() + " " + b.getVersion() + ": uninstalled (bundle " + b.getBundleId() + ")");
                } catch (BundleException | RuntimeException ex) {
                    out.add(e.getKey() + ": " + ex.getMessage());
                    ok = false;
                }
            }
            if (!removed.isEmpty() && !refresh(removed)) {
                out.add("the package refresh after the uninstall did not finish within " + REFRESH_WAIT_SECONDS + " s");
                ok = false;
            }
            out.add("feature " + name + (ok ? " uninstalled" : " NOT fully uninstalled"));
            return ok ? Output.ok(out) : Output.failed(out);
        }
    }

    // ------------------------------------------------------------------ pure parts (tested)

    /**
     * The listing of {@code features}: a line per feature ({@code NAME: TITLE [STATE]}) and an
     * indented line per bundle ({@code BSN VERSION STATE (FILE)}).
     *
     * @param installed the installed bundle for a symbolic name, or null
     */
    static List<String> describe(Map<String, FeatureInfo> features, Function<String, Installed> installed, String home) {
        List<String> out = new ArrayList<>();
        out.add("features of " + home + " (features/*.json):");
        for (FeatureInfo f : features.values()) {
            int present = 0;
            List<String> lines = new ArrayList<>();
            for (BundleInfo b : f.bundles()) {
                String where = b.file() == null ? "not in the distribution"
                        : catalogRelative(b, home);
                if (b.bsn() == null) {
                    lines.add("  " + b.id() + "  " + (b.file() == null ? where : "not a bundle (" + where + ")"));
                    continue;
                }
                Installed i = installed.apply(b.bsn());
                String state;
                if (i == null) {
                    state = "not installed";
                } else if (!sameVersion(i.version(), b.version())) {
                    state = "version " + i.version() + " installed (bundle " + i.id() + ", " + i.state() + ")";
                    present++;
                } else {
                    state = i.state() + (b.fragment() ? " (fragment)" : "") + " (bundle " + i.id() + ")";
                    present++;
                }
                lines.add("  " + b.bsn() + " " + b.version() + "  " + state + "  (" + where + ")");
            }
            int n = f.bundles().size();
            String fstate = present == n ? "installed" : present == 0 ? "not installed" : "partly installed " + present + "/" + n;
            out.add(f.name() + ": " + f.title() + "  [" + fstate + "]");
            out.addAll(lines);
        }
        return out;
    }

    /** OSGi version equality: "9.8" in a manifest is the framework's "9.8.0". */
    static boolean sameVersion(String a, String b) {
        try {
            return Version.parseVersion(a).equals(Version.parseVersion(b));
        } catch (IllegalArgumentException notOsgi) {
            return a.equals(b);
        }
    }

    private static String catalogRelative(BundleInfo b, String home) {
        String p = b.file().toString();
        return p.startsWith(home + "/") ? p.substring(home.length() + 1) : p;
    }

    /**
     * Decides, for each bundle of feature {@code name} (reverse feature order, by symbolic name),
     * whether it is uninstalled (value null) or kept (value = why).
     *
     * @param installed the installed bundle for a symbolic name, or null
     * @return symbolic name to null (uninstall) or the reason it stays
     */
    static Map<String, String> uninstallPlan(Map<String, FeatureInfo> features, String name,
            Function<String, Installed> installed) {
        FeatureInfo target = features.get(name);
        Set<String> targetBsns = bsns(target);
        Set<String> runtime = features.containsKey(RUNTIME_FEATURE) ? bsns(features.get(RUNTIME_FEATURE)) : Set.of();
        Map<String, String> plan = new LinkedHashMap<>();
        List<BundleInfo> reversed = new ArrayList<>(target.bundles());
        java.util.Collections.reverse(reversed);
        for (BundleInfo b : reversed) {
            if (b.bsn() == null) {
                continue;
            }
            String why = null;
            if (PROTECTED.contains(b.bsn())) {
                why = "the core, the API and the shell are never uninstalled";
            } else if (runtime.contains(b.bsn())) {
                why = "part of the runtime feature";
            } else {
                for (FeatureInfo other : features.values()) {
                    if (other == target) {
                        continue;
                    }
                    Set<String> ob = bsns(other);
                    // A feature holding all of the target (e.g. "all") is no longer installed
                    // once the target goes: it needs nothing.
                    if (ob.contains(b.bsn()) && !ob.containsAll(targetBsns) && isInstalled(other, installed)) {
                        why = "feature " + other.name() + " needs it";
                        break;
                    }
                }
            }
            plan.put(b.bsn(), why);
        }
        return plan;
    }

    private static Set<String> bsns(FeatureInfo f) {
        Set<String> s = new HashSet<>();
        for (BundleInfo b : f.bundles()) {
            if (b.bsn() != null) {
                s.add(b.bsn());
            }
        }
        return s;
    }

    private static boolean isInstalled(FeatureInfo f, Function<String, Installed> installed) {
        for (BundleInfo b : f.bundles()) {
            if (b.bsn() == null || installed.apply(b.bsn()) == null) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ framework

    private Function<String, Installed> installed() {
        Map<String, Installed> map = new LinkedHashMap<>();
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null) {
                map.putIfAbsent(b.getSymbolicName(), new Installed(b.getBundleId(), b.getVersion().toString(), stateName(b.getState())));
            }
        }
        return map::get;
    }

    private Bundle find(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /** Refreshes and waits (bounded) for the framework to finish. */
    private boolean refresh(List<Bundle> bundles) {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(bundles, event -> {
            // Only the completion is reported to this listener (FrameworkWiring.refreshBundles).
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        try {
            return done.await(REFRESH_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String stateName(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNINSTALLED";
        };
    }
}
