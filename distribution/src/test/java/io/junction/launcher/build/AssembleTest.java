package io.junction.launcher.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssembleTest {

    private static final Feature.Artifact SLF4J = Feature.Artifact.parse("org.slf4j:slf4j-api:2");
    private static final Feature.Artifact NETTY = Feature.Artifact.parse("io.netty:netty-common:4");
    private static final Feature.Artifact NATIVE = Feature.Artifact.parse("io.netty:netty-native:jar:linux-x86_64:4");
    private static final Feature.Artifact CORE = Feature.Artifact.parse("io.junction:junction-core:1");
    private static final Feature.Artifact FRAMEWORK = Feature.Artifact.parse("org.apache.felix:framework:7");

    private static Feature feature(String id, Feature.Artifact... bundles) {
        return new Feature(id, java.util.Arrays.stream(bundles)
                .map(a -> new Feature.BundleRef(a, a == SLF4J ? 1 : 0)).toList());
    }

    private static Map<String, Feature> features(Feature all) {
        Map<String, Feature> m = new LinkedHashMap<>();
        m.put("runtime", feature("runtime", SLF4J, NETTY, NATIVE));
        m.put("router", feature("router", CORE));
        if (all != null) {
            m.put("all", all);
        }
        return m;
    }

    @Test
    void installsTheUnionWithBootForStartOrderOne() {
        Assemble.Plan plan = Assemble.plan(features(feature("all", SLF4J, NETTY, NATIVE, CORE)),
                List.of("runtime", "router"), "all", Set.of(SLF4J, NETTY, NATIVE, CORE, FRAMEWORK), Set.of(FRAMEWORK));

        assertEquals(List.of(SLF4J, NETTY, NATIVE, CORE), List.copyOf(plan.bundles().keySet()));
        assertEquals(1, plan.bundles().get(SLF4J));
        assertEquals(0, plan.bundles().get(CORE));
    }

    @Test
    void aNamedButUnresolvedBundleFails() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Assemble.plan(features(null),
                List.of("runtime", "router"), null, Set.of(SLF4J, NETTY, NATIVE), Set.of()));
        assertTrue(e.getMessage().contains("names io.junction:junction-core:1 but the build does not resolve it"),
                e.getMessage());
    }

    @Test
    void aResolvedButUnnamedJarFails() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Assemble.plan(features(null),
                List.of("runtime", "router"), null, Set.of(SLF4J, NETTY, NATIVE, CORE, FRAMEWORK), Set.of()));
        assertTrue(e.getMessage().contains("resolves org.apache.felix:framework:7 but no feature"), e.getMessage());
    }

    @Test
    void allMustBeExactlyTheUnion() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Assemble.plan(
                features(feature("all", SLF4J, NETTY, CORE, FRAMEWORK)), List.of("runtime", "router"), "all",
                Set.of(SLF4J, NETTY, NATIVE, CORE), Set.of()));
        assertTrue(e.getMessage().contains("missing [io.netty:netty-native:jar:linux-x86_64:4]"), e.getMessage());
        assertTrue(e.getMessage().contains("extra [org.apache.felix:framework:7]"), e.getMessage());
    }

    @Test
    void conflictingStartOrdersFail() {
        Map<String, Feature> m = features(null);
        m.put("router", new Feature("router", List.of(new Feature.BundleRef(SLF4J, 0))));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Assemble.plan(m,
                List.of("runtime", "router"), null, Set.of(SLF4J, NETTY, NATIVE), Set.of()));
        assertTrue(e.getMessage().contains("start-order 1 in one feature and 0 in router"), e.getMessage());
    }

    @Test
    void anUnknownFeatureFails() {
        assertThrows(IllegalStateException.class, () -> Assemble.plan(features(null), List.of("sniffers"), null,
                Set.of(), Set.of()));
    }

    @Test
    void repositoryLayoutIsReadBack(@TempDir Path repo) throws IOException {
        for (Feature.Artifact a : List.of(SLF4J, NATIVE, CORE)) {
            Path p = a.repositoryPath(repo);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "x");
        }
        // Not artifacts: a pom, and a file whose name does not match its folder.
        Files.writeString(CORE.repositoryPath(repo).resolveSibling("junction-core-1.pom"), "x");
        Files.writeString(CORE.repositoryPath(repo).resolveSibling("stray.jar"), "x");

        assertEquals(Set.of(SLF4J, NATIVE, CORE), Assemble.listRepository(repo));
    }

    @Test
    void featureFilesAreReadFromTheJar(@TempDir Path tmp) throws IOException {
        Path jar = tmp.resolve("f.jar");
        try (OutputStream os = Files.newOutputStream(jar); ZipOutputStream z = new ZipOutputStream(os)) {
            for (String name : List.of("features/router.json", "features/all.json", "META-INF/x.json", "features/sub/y.json")) {
                z.putNextEntry(new ZipEntry(name));
                z.write(name.getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        Map<String, String> texts = Assemble.readFeatures(jar);
        assertEquals(List.of("all", "router"), List.copyOf(texts.keySet()));
        assertEquals("features/router.json", texts.get("router"));
    }
}
