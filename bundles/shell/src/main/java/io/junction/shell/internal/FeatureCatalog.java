package io.junction.shell.internal;

import org.apache.felix.utils.json.JSONParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The OSGi Feature files a distribution ships ({@code JUNCTION_HOME/features/*.json}, written by
 * distribution/'s Assemble step, versions already filled in) and where each named bundle's jar
 * lies in the distribution: {@code boot/} (start-order 1), {@code bundle/}, or a Maven-layout
 * {@code repository/} folder when one exists. Nothing is fetched from a network.
 *
 * <p>Feature documents follow OSGi Compendium R8.1 chapter 159 (Feature Service 1.0, JSON):
 * <pre>
 * { "id": "g:a:osgifeature:v", "name": "...", "bundles": [ "g:a:v" | { "id": "g:a[:type[:classifier]]:v", "start-order": 1 } ] }
 * </pre>
 *
 * <p>Reads files on the caller's thread (a shell command), a few kB per feature and one jar
 * manifest per bundle; never on an event loop.
 */
public final class FeatureCatalog {

    /** A feature file larger than this is not one of ours: refuse rather than parse it. */
    static final long MAX_FEATURE_BYTES = 1 << 20;

    /**
     * One feature.
     *
     * @param name    the file's short name (features/NAME.json), what the commands take
     * @param title   its "name", or the id
     * @param bundles its bundle entries in document order
     */
    public record FeatureInfo(String name, String title, List<BundleInfo> bundles) { }

    /**
     * One bundle entry of a feature, resolved against the distribution's files.
     *
     * @param id         the Maven coordinates as written in the feature
     * @param startOrder "start-order" (1 = boot, start level 1), 0 when absent
     * @param file       the jar in the distribution, or null when the distribution lacks it
     * @param bsn        Bundle-SymbolicName of that jar (without directives), or null
     * @param version    Bundle-Version of that jar ("0.0.0" when absent), or null
     * @param fragment   whether the jar is a fragment (Fragment-Host): installed, never started
     */
    public record BundleInfo(String id, int startOrder, Path file, String bsn, String version, boolean fragment) { }

    private final Path home;

    /**
     * @param home the distribution folder (framework property junction.home)
     */
    public FeatureCatalog(Path home) {
        this.home = home;
    }

    /** @return the distribution folder */
    public Path home() {
        return home;
    }

    /**
     * Reads every feature file, sorted by name. Blocks on file reads.
     *
     * @return the features by short name
     * @throws IOException when features/ cannot be listed or a file is malformed (the message
     *                     names the file)
     */
    public Map<String, FeatureInfo> read() throws IOException {
        Path dir = home.resolve("features");
        if (!Files.isDirectory(dir)) {
            throw new IOException("the distribution at " + home + " has no features/ folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        Map<String, FeatureInfo> out = new LinkedHashMap<>();
        for (Path f : files) {
            String n = f.getFileName().toString();
            String name = n.substring(0, n.length() - ".json".length());
            if (Files.size(f) > MAX_FEATURE_BYTES) {
                throw new IOException(f + ": larger than " + MAX_FEATURE_BYTES + " bytes; not a feature file");
            }
            try {
                out.put(name, parse(name, Files.readString(f, StandardCharsets.UTF_8)));
            } catch (IllegalArgumentException e) {
                throw new IOException("features/" + n + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Parses one feature document and locates its bundles.
     *
     * @param name the short name
     * @param json the document
     * @return the feature
     * @throws IllegalArgumentException when it is not a Feature 1.0 document
     */
    FeatureInfo parse(String name, String json) {
        Object doc;
        try {
            doc = new JSONParser(json).getParsed();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
        if (!(doc instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (!(m.get("id") instanceof String id)) {
            throw new IllegalArgumentException("no \"id\"");
        }
        String title = m.get("name") instanceof String t ? t : id;
        List<BundleInfo> bundles = new ArrayList<>();
        if (m.get("bundles") instanceof List<?> list) {
            for (Object o : list) {
                // 159.3: an entry is an id string or an object with "id" and metadata.
                if (o instanceof String s) {
                    bundles.add(locate(s, 0));
                } else if (o instanceof Map<?, ?> b && b.get("id") instanceof String s) {
                    int order = b.get("start-order") instanceof Long l ? l.intValue() : 0;
                    bundles.add(locate(s, order));
                } else {
                    throw new IllegalArgumentException("bundle entry without \"id\": " + o);
                }
            }
        } else if (m.get("bundles") != null) {
            throw new IllegalArgumentException("\"bundles\" is not an array");
        }
        return new FeatureInfo(name, title, List.copyOf(bundles));
    }

    private BundleInfo locate(String id, int startOrder) {
        Path file = find(id);
        if (file == null) {
            return new BundleInfo(id, startOrder, null, null, null, false);
        }
        try (JarFile jar = new JarFile(file.toFile(), false)) {
            Manifest mf = jar.getManifest();
            Attributes a = mf == null ? new Attributes() : mf.getMainAttributes();
            String bsn = a.getValue("Bundle-SymbolicName");
            if (bsn != null) {
                int semi = bsn.indexOf(';');
                bsn = (semi < 0 ? bsn : bsn.substring(0, semi)).strip();
            }
            String version = a.getValue("Bundle-Version");
            return new BundleInfo(id, startOrder, file, bsn, version == null ? "0.0.0" : version.strip(),
                    a.getValue("Fragment-Host") != null);
        } catch (IOException e) {
            return new BundleInfo(id, startOrder, file, null, null, false);
        }
    }

    /**
     * Where the distribution keeps the jar of {@code groupId:artifactId[:type[:classifier]]:version}:
     * boot/, bundle/ (flat, {@code artifactId-version[-classifier].type}) or repository/ (Maven
     * layout).
     *
     * @return the file, or null
     */
    Path find(String id) {
        String[] p = id.split(":", -1);
        if (p.length < 3 || p.length > 5) {
            return null;
        }
        String group = p[0];
        String artifact = p[1];
        String type = p.length >= 4 ? p[2] : "jar";
        String classifier = p.length == 5 ? p[3] : null;
        String version = p[p.length - 1];
        String fileName = artifact + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
        if (fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")) {
            return null;
        }
        for (String dir : List.of("boot", "bundle")) {
            Path f = home.resolve(dir).resolve(fileName);
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        Path repo = home.resolve("repository");
        if (Files.isDirectory(repo)) {
            Path f = repo;
            for (String g : group.split("\\.")) {
                f = f.resolve(g);
            }
            f = f.resolve(artifact).resolve(version).resolve(fileName);
            if (f.normalize().startsWith(repo) && Files.isRegularFile(f)) {
                return f;
            }
        }
        return null;
    }
}
