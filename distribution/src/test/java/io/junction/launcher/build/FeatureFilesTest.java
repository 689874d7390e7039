package io.junction.launcher.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The real feature templates (features/src/main/features) are well-formed once filtered, and
 * all.json is the union of the others: caught here already, before the package-time check.
 */
class FeatureFilesTest {

    private static final Path TEMPLATES = Path.of(System.getProperty("user.dir"))
            .resolve("../features/src/main/features").normalize();

    /** Every feature file there is, so that a new feature is checked without editing this test. */
    private static List<String> names() throws IOException {
        try (var files = Files.list(TEMPLATES)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - ".json".length())).sorted().toList();
        }
    }

    private static Map<String, Feature> load() throws IOException {
        Map<String, Feature> features = new LinkedHashMap<>();
        for (String name : names()) {
            // Any version stands in for the Maven properties the build fills in.
            String text = Files.readString(TEMPLATES.resolve(name + ".json")).replaceAll("\\$\\{[^}]+}", "1.0");
            features.put(name, Feature.parse(text, name + ".json"));
        }
        return features;
    }

    @Test
    void allIsTheUnionAndBootHoldsTheLoggingStack() throws IOException {
        Map<String, Feature> f = load();
        Set<Feature.Artifact> union = new HashSet<>();
        List<String> parts = names().stream().filter(n -> !n.equals("all")).toList();
        for (String n : parts) {
            f.get(n).bundles().forEach(b -> union.add(b.artifact()));
        }
        Assemble.Plan plan = Assemble.plan(f, parts, "all", union, Set.of());

        Set<String> boot = new HashSet<>();
        plan.bundles().forEach((a, order) -> {
            if (order == 1) {
                boot.add(a.artifactId());
            }
        });
        assertEquals(Set.of("org.apache.aries.spifly.dynamic.bundle", "asm", "asm-commons", "asm-util", "asm-tree",
                "asm-analysis", "slf4j-api", "slf4j-simple"), boot);
        assertTrue(plan.bundles().keySet().stream().anyMatch(a -> "linux-x86_64".equals(a.classifier())));
    }

    @Test
    void idsFollowTheBriefsNaming() throws IOException {
        Map<String, Feature> f = load();
        f.forEach((name, feature) ->
                assertEquals("io.junction:junction-feature-" + name + ":osgifeature:1.0", feature.id()));
    }
}
