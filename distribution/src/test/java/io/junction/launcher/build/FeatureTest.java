package io.junction.launcher.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FeatureTest {

    @Test
    void artifactIdsInAllThreeForms() {
        Feature.Artifact plain = Feature.Artifact.parse("io.netty:netty-common:4.2.18.Final");
        assertEquals(new Feature.Artifact("io.netty", "netty-common", "jar", null, "4.2.18.Final"), plain);
        assertEquals("io.netty:netty-common:4.2.18.Final", plain.toString());

        Feature.Artifact typed = Feature.Artifact.parse("g:a:zip:1");
        assertEquals("zip", typed.type());
        assertNull(typed.classifier());

        Feature.Artifact natives = Feature.Artifact.parse("io.netty:netty-transport-native-epoll:jar:linux-x86_64:4.2.18.Final");
        assertEquals("linux-x86_64", natives.classifier());
        assertEquals("netty-transport-native-epoll-4.2.18.Final-linux-x86_64.jar", natives.fileName());
        assertEquals(Path.of("/r/io/netty/netty-transport-native-epoll/4.2.18.Final/netty-transport-native-epoll-4.2.18.Final-linux-x86_64.jar"),
                natives.repositoryPath(Path.of("/r")));
        assertEquals("io.netty:netty-transport-native-epoll:jar:linux-x86_64:4.2.18.Final", natives.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a:b", "a::1", "a:b:c:d:e:f", ":b:1"})
    void badIds(String id) {
        assertThrows(IllegalArgumentException.class, () -> Feature.Artifact.parse(id));
    }

    @Test
    void readsBundlesWithTheirStartOrder() {
        Feature f = Feature.parse("""
                {"feature-resource-version": "1.0", "id": "g:f:osgifeature:1",
                 "bundles": [ {"id": "g:a:1", "start-order": 1}, {"id": "g:b:1"}, "g:c:1" ]}
                """, "t.json");

        assertEquals("g:f:osgifeature:1", f.id());
        assertEquals(List.of(
                new Feature.BundleRef(Feature.Artifact.parse("g:a:1"), 1),
                new Feature.BundleRef(Feature.Artifact.parse("g:b:1"), 0),
                new Feature.BundleRef(Feature.Artifact.parse("g:c:1"), 0)), f.bundles());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[]",
        "{\"bundles\": []}",
        "{\"id\": \"g:f:1\", \"feature-resource-version\": \"2.0\"}",
        "{\"id\": \"g:f:1\", \"bundles\": {}}",
        "{\"id\": \"g:f:1\", \"bundles\": [{\"x\": 1}]}",
        "{\"id\": \"g:f:1\", \"bundles\": [{\"id\": \"g:a:1\", \"start-order\": \"1\"}]}",
        "{\"id\": \"g:f:1\", \"bundles\": [{\"id\": \"g:a:1\", \"start-order\": -1}]}",
        "{\"id\": \"g:f:1\", \"bundles\": [{\"id\": \"nonsense\"}]}"})
    void rejectsWhatIsNotAFeature(String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Feature.parse(json, "x.json"));
        assertTrue(e.getMessage().contains("x.json") || e.getMessage().contains("artifact id"), e.getMessage());
    }
}
