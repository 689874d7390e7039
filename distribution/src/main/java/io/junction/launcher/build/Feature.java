package io.junction.launcher.build;

import org.apache.felix.utils.json.JSONParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the build reads from an OSGi Feature document (OSGi Compendium R8.1, 159 Feature Service
 * 1.0, JSON form): its id and its bundles with their start order.
 *
 * @param id      the feature id ({@code groupId:artifactId:osgifeature:version})
 * @param bundles the bundle entries, in document order
 */
public record Feature(String id, List<BundleRef> bundles) {

    /** Start level used for bundles without a {@code start-order} (the distribution's bundle/). */
    public static final int DEFAULT_START_ORDER = 0;

    /**
     * One bundle entry.
     *
     * @param artifact   the Maven coordinates from "id"
     * @param startOrder "start-order" metadata (1 = boot/, start level 1), or 0 when absent
     */
    public record BundleRef(Artifact artifact, int startOrder) { }

    /**
     * Maven coordinates in the Feature Service id syntax (159.2.1):
     * {@code groupId:artifactId[:type[:classifier]]:version}, type defaulting to {@code jar}.
     *
     * @param groupId    group
     * @param artifactId artifact
     * @param type       type / extension
     * @param classifier classifier or null
     * @param version    version
     */
    public record Artifact(String groupId, String artifactId, String type, String classifier, String version) {

        /**
         * Parses an id.
         *
         * @param id the id
         * @return the coordinates
         * @throws IllegalArgumentException when it has not 3 to 5 non-empty parts
         */
        public static Artifact parse(String id) {
            String[] p = id.split(":", -1);
            for (String part : p) {
                if (part.isEmpty()) {
                    throw new IllegalArgumentException("bad artifact id \"" + id + "\"");
                }
            }
            return switch (p.length) {
                case 3 -> new Artifact(p[0], p[1], "jar", null, p[2]);
                case 4 -> new Artifact(p[0], p[1], p[2], null, p[3]);
                case 5 -> new Artifact(p[0], p[1], p[2], p[3], p[4]);
                default -> throw new IllegalArgumentException(
                        "bad artifact id \"" + id + "\" (want groupId:artifactId[:type[:classifier]]:version)");
            };
        }

        /** @return the file's path inside a Maven repository layout */
        public Path repositoryPath(Path repo) {
            Path dir = repo;
            for (String g : groupId.split("\\.")) {
                dir = dir.resolve(g);
            }
            return dir.resolve(artifactId).resolve(version).resolve(fileName());
        }

        /** @return {@code artifactId-version[-classifier].type} */
        public String fileName() {
            return artifactId + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
        }

        @Override
        public String toString() {
            return groupId + ":" + artifactId + (classifier == null && "jar".equals(type) ? ""
                    : ":" + type + (classifier == null ? "" : ":" + classifier)) + ":" + version;
        }
    }

    /**
     * Reads a feature document.
     *
     * @param json   the document text
     * @param source where it came from, for messages
     * @return the feature
     * @throws IllegalArgumentException when it is not a Feature 1.0 document or an entry is malformed
     */
    public static Feature parse(String json, String source) {
        Object doc;
        try {
            doc = new JSONParser(json).getParsed();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!(doc instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(source + ": not a JSON object");
        }
        Object version = m.get("feature-resource-version");
        if (version != null && !"1.0".equals(version)) {
            throw new IllegalArgumentException(source + ": feature-resource-version " + version + ", want 1.0");
        }
        if (!(m.get("id") instanceof String id)) {
            throw new IllegalArgumentException(source + ": no \"id\"");
        }
        List<BundleRef> refs = new ArrayList<>();
        Object bundles = m.get("bundles");
        if (bundles != null) {
            if (!(bundles instanceof List<?> list)) {
                throw new IllegalArgumentException(source + ": \"bundles\" is not an array");
            }
            for (Object o : list) {
                // 159.3: an entry is an id string or an object with "id" and metadata.
                if (o instanceof String s) {
                    refs.add(new BundleRef(Artifact.parse(s), DEFAULT_START_ORDER));
                } else if (o instanceof Map<?, ?> b && b.get("id") instanceof String s) {
                    Object so = b.get("start-order");
                    int order = so instanceof Long l ? l.intValue() : DEFAULT_START_ORDER;
                    if (so != null && !(so instanceof Long) || order < 0) {
                        throw new IllegalArgumentException(source + ": " + s + ": start-order must be a whole number >= 0");
                    }
                    refs.add(new BundleRef(Artifact.parse(s), order));
                } else {
                    throw new IllegalArgumentException(source + ": bundle entry without \"id\": " + o);
                }
            }
        }
        return new Feature(id, List.copyOf(refs));
    }
}
