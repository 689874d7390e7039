package io.junction.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.shell.internal.FeatureCatalog.BundleInfo;
import io.junction.shell.internal.FeatureCatalog.FeatureInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCatalogTest {

    @TempDir
    Path home;

    /** Writes a jar whose manifest has the given headers (null value: header absent). */
    static Path jar(Path file, String bsn, String version, String fragmentHost) throws IOException {
        Files.createDirectories(file.getParent());
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            a.putValue("Bundle-ManifestVersion", "2");
            a.putValue("Bundle-SymbolicName", bsn);
        }
        if (version != null) {
            a.putValue("Bundle-Version", version);
        }
        if (fragmentHost != null) {
            a.putValue("Fragment-Host", fragmentHost);
        }
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream j = new JarOutputStream(out, mf)) {
            j.flush();
        }
        return file;
    }

    @Test
    void readsFeaturesAndLocatesTheirBundlesInBootBundleAndRepository() throws IOException {
        jar(home.resolve("boot/slf4j-api-2.0.17.jar"), "slf4j.api", "2.0.17", null);
        jar(home.resolve("bundle/junction-core-0.1.0-SNAPSHOT.jar"), "io.junction.core;singleton:=true", "0.1.0.202601010000", null);
        jar(home.resolve("bundle/netty-transport-native-epoll-4.2.18.Final-linux-x86_64.jar"),
                "io.netty.transport-native-epoll", "4.2.18.Final", "io.netty.transport-classes-epoll");
        jar(home.resolve("repository/io/junction/junction-sniffer-ssh/0.1.0-SNAPSHOT/junction-sniffer-ssh-0.1.0-SNAPSHOT.jar"),
                "io.junction.sniffer.ssh", "0.1.0.202601010000", null);
        Files.createDirectories(home.resolve("features"));
        Files.writeString(home.resolve("features/router.json"), """
                { "feature-resource-version": "1.0", "id": "io.junction:junction-feature-router:osgifeature:0.1.0-SNAPSHOT",
                  "name": "Junction router",
                  "bundles": [
                    { "id": "org.slf4j:slf4j-api:2.0.17", "start-order": 1 },
                    "io.junction:junction-core:0.1.0-SNAPSHOT",
                    { "id": "io.netty:netty-transport-native-epoll:jar:linux-x86_64:4.2.18.Final" },
                    { "id": "io.junction:junction-sniffer-ssh:0.1.0-SNAPSHOT" },
                    { "id": "io.junction:junction-missing:0.1.0-SNAPSHOT" }
                  ] }
                """);
        Files.writeString(home.resolve("features/all.json"), """
                { "id": "io.junction:junction-feature-all:osgifeature:0.1.0-SNAPSHOT", "bundles": [] }
                """);
        Files.writeString(home.resolve("features/README.txt"), "not a feature");

        Map<String, FeatureInfo> features = new FeatureCatalog(home).read();

        assertEquals(List.of("all", "router"), List.copyOf(features.keySet()));
        assertEquals("io.junction:junction-feature-all:osgifeature:0.1.0-SNAPSHOT", features.get("all").title(),
                "without a name the id is the title");
        FeatureInfo router = features.get("router");
        assertEquals("Junction router", router.title());
        List<BundleInfo> b = router.bundles();
        assertEquals(5, b.size());
        assertEquals(new BundleInfo("org.slf4j:slf4j-api:2.0.17", 1, home.resolve("boot/slf4j-api-2.0.17.jar"),
                "slf4j.api", "2.0.17", false), b.get(0));
        assertEquals("io.junction.core", b.get(1).bsn(), "directives are cut off");
        assertEquals("0.1.0.202601010000", b.get(1).version());
        assertEquals(0, b.get(1).startOrder());
        assertTrue(b.get(2).fragment());
        assertEquals(home.resolve("bundle/netty-transport-native-epoll-4.2.18.Final-linux-x86_64.jar"), b.get(2).file());
        assertEquals("io.junction.sniffer.ssh", b.get(3).bsn(), "found in repository/ (Maven layout)");
        assertNull(b.get(4).file());
        assertNull(b.get(4).bsn());
    }

    @Test
    void aJarWithoutBundleHeadersHasNoSymbolicName() throws IOException {
        jar(home.resolve("bundle/plain-1.0.jar"), null, null, null);

        BundleInfo b = new FeatureCatalog(home).parse("x", "{\"id\":\"g:x:osgifeature:1\",\"bundles\":[\"g:plain:1.0\"]}")
                .bundles().get(0);

        assertEquals(home.resolve("bundle/plain-1.0.jar"), b.file());
        assertNull(b.bsn());
        assertFalse(b.fragment());
    }

    @Test
    void aMalformedFeatureFileIsNamed() throws IOException {
        Files.createDirectories(home.resolve("features"));
        Files.writeString(home.resolve("features/broken.json"), "{ \"id\": ");

        IOException e = assertThrows(IOException.class, () -> new FeatureCatalog(home).read());

        assertTrue(e.getMessage().contains("features/broken.json"), e.getMessage());
    }

    @Test
    void aFeatureWithoutIdIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FeatureCatalog(home).parse("x", "{\"bundles\":[]}"));
    }

    @Test
    void noFeaturesFolderIsAnError() {
        IOException e = assertThrows(IOException.class, () -> new FeatureCatalog(home).read());
        assertTrue(e.getMessage().contains("no features/"), e.getMessage());
    }

    @Test
    void idsThatWouldEscapeTheDistributionAreNotLookedUp() {
        FeatureCatalog c = new FeatureCatalog(home);
        assertNull(c.find("g:../../etc:1"));
        assertNull(c.find("g:a"));
        assertNull(c.find("g:a:b:c:d:e"));
    }
}
