package io.junction.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.shell.internal.FeatureCatalog.BundleInfo;
import io.junction.shell.internal.FeatureCatalog.FeatureInfo;
import io.junction.shell.internal.FeatureCommands.Installed;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of features / uninstall: listing and the uninstall decision. */
class FeatureCommandsTest {

    private static final Path HOME = Path.of("/opt/junction");

    private static BundleInfo b(String bsn) {
        return new BundleInfo("g:" + bsn + ":1", 0, HOME.resolve("bundle/" + bsn + "-1.jar"), bsn, "1.0.0", false);
    }

    private static FeatureInfo f(String name, String... bsns) {
        return new FeatureInfo(name, "Feature " + name, java.util.Arrays.stream(bsns).map(FeatureCommandsTest::b).toList());
    }

    private final Map<String, FeatureInfo> features = new LinkedHashMap<>();
    private final Map<String, Installed> installed = new HashMap<>();

    FeatureCommandsTest() {
        features.put("all", f("all", "org.apache.felix.scr", "io.junction.api", "io.junction.core", "io.junction.shell",
                "io.junction.matcher.text", "io.junction.sniffer.tls", "io.junction.sniffer.ssh", "io.junction.backend.plain"));
        features.put("router", f("router", "io.junction.api", "io.junction.core", "io.junction.shell",
                "io.junction.matcher.text", "io.junction.backend.plain"));
        features.put("runtime", f("runtime", "org.apache.felix.scr"));
        features.put("sniffers", f("sniffers", "io.junction.sniffer.tls", "io.junction.sniffer.ssh", "io.junction.matcher.text"));
        long id = 1;
        for (FeatureInfo fi : features.values()) {
            for (BundleInfo bi : fi.bundles()) {
                installed.putIfAbsent(bi.bsn(), new Installed(id++, "1.0.0", "ACTIVE"));
            }
        }
    }

    @Test
    void uninstallRemovesTheFeaturesOwnBundlesKeepsSharedAndProtectedOnes() {
        Map<String, String> plan = FeatureCommands.uninstallPlan(features, "sniffers", installed::get);

        // Reverse feature order; "all" contains the whole of sniffers and needs nothing.
        assertEquals(List.of("io.junction.matcher.text", "io.junction.sniffer.ssh", "io.junction.sniffer.tls"),
                List.copyOf(plan.keySet()));
        assertNull(plan.get("io.junction.sniffer.tls"));
        assertNull(plan.get("io.junction.sniffer.ssh"));
        assertEquals("feature router needs it", plan.get("io.junction.matcher.text"));
    }

    @Test
    void theCoreApiShellAndRuntimeAreNeverUninstalled() {
        Map<String, String> router = FeatureCommands.uninstallPlan(features, "router", installed::get);
        assertTrue(router.get("io.junction.core").contains("never"));
        assertTrue(router.get("io.junction.api").contains("never"));
        assertTrue(router.get("io.junction.shell").contains("never"));
        assertEquals("feature sniffers needs it", router.get("io.junction.matcher.text"));
        assertNull(router.get("io.junction.backend.plain"));

        Map<String, String> runtime = FeatureCommands.uninstallPlan(features, "runtime", installed::get);
        assertEquals("part of the runtime feature", runtime.get("org.apache.felix.scr"));

        // "all" while its parts are installed: each part still needs its bundles.
        Map<String, String> all = FeatureCommands.uninstallPlan(features, "all", installed::get);
        assertEquals("part of the runtime feature", all.get("org.apache.felix.scr"));
        assertEquals("feature sniffers needs it", all.get("io.junction.sniffer.tls"));
        assertEquals("feature router needs it", all.get("io.junction.matcher.text"));
    }

    @Test
    void aFeatureThatIsNotInstalledNeedsNothing() {
        installed.remove("io.junction.sniffer.ssh"); // sniffers is then not (fully) installed

        Map<String, String> plan = FeatureCommands.uninstallPlan(features, "router", installed::get);

        assertNull(plan.get("io.junction.matcher.text"));
    }

    @Test
    void listingShowsEachFeatureAndEachBundlesState() {
        installed.remove("io.junction.sniffer.ssh");
        installed.put("io.junction.sniffer.tls", new Installed(42, "0.9.0", "RESOLVED"));
        Map<String, FeatureInfo> two = new LinkedHashMap<>();
        two.put("sniffers", features.get("sniffers"));
        two.put("runtime", features.get("runtime"));

        List<String> lines = FeatureCommands.describe(two, installed::get, HOME.toString());

        assertEquals("features of /opt/junction (features/*.json):", lines.get(0));
        assertEquals("sniffers: Feature sniffers  [partly installed 2/3]", lines.get(1));
        assertEquals("  io.junction.sniffer.tls 1.0.0  version 0.9.0 installed (bundle 42, RESOLVED)"
                + "  (bundle/io.junction.sniffer.tls-1.jar)", lines.get(2));
        assertEquals("  io.junction.sniffer.ssh 1.0.0  not installed  (bundle/io.junction.sniffer.ssh-1.jar)", lines.get(3));
        assertTrue(lines.get(4).startsWith("  io.junction.matcher.text 1.0.0  ACTIVE (bundle "), lines.get(4));
        assertEquals("runtime: Feature runtime  [installed]", lines.get(5));
        assertEquals(7, lines.size());
    }

    @Test
    void versionsCompareTheOsgiWay() {
        assertTrue(FeatureCommands.sameVersion("9.8", "9.8.0"));
        assertTrue(FeatureCommands.sameVersion("0.1.0.202601010000", "0.1.0.202601010000"));
        assertTrue(!FeatureCommands.sameVersion("0.1.0.202601010000", "0.1.0.202601010001"));
        assertTrue(!FeatureCommands.sameVersion("1.0", "not a version"));
    }

    @Test
    void listingSaysWhenTheDistributionLacksAJar() {
        Map<String, FeatureInfo> one = Map.of("x", new FeatureInfo("x", "X",
                List.of(new BundleInfo("g:gone:1", 0, null, null, null, false))));

        List<String> lines = FeatureCommands.describe(one, installed::get, HOME.toString());

        assertEquals("x: X  [not installed]", lines.get(1));
        assertEquals("  g:gone:1  not in the distribution", lines.get(2));
    }
}
