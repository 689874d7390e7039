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

    private static Map<String, Feature> load() throws IOException {
        Map<String, Feature> features = new LinkedHashMap<>();
        for (String name : List.of("runtime", "router", "sniffers", "all")) {
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
        for (String n : List.of("runtime", "router", "sniffers")) {
            f.get(n).bundles().forEach(b -> union.add(b.artifact()));
        }
        Assemble.Plan plan = Assemble.plan(f, List.of("runtime", "router", "sniffers"), "all", union, Set.of());

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
