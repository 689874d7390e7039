package io.junction.launcher.build;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Build step of distribution/ (run by exec-maven-plugin at {@code package}): lays out the
 * distribution folder from the OSGi Feature files, which are the single source of its bundle list.
 *
 * <pre>
 * Assemble --repo DIR --features-jar JAR --install runtime,router,sniffers --all all
 *          --static DIR --launcher JAR=NAME --lib COORD=NAME ... --ignore COORD ... --out DIR
 * </pre>
 *
 * <ul>
 * <li>{@code --repo}: a Maven repository layout holding the resolved dependencies of
 *     distribution/ (maven-dependency-plugin copy-dependencies, useRepositoryLayout);</li>
 * <li>the bundles named by the {@code --install} features are copied from it to {@code boot/}
 *     (start-order 1) or {@code bundle/} (the rest);</li>
 * <li>it fails when a feature names an artifact the repository lacks, when the repository holds a
 *     jar that no feature names (so the pom's dependency list and the features cannot drift
 *     apart), when the {@code --all} feature is not exactly the union of the {@code --install}
 *     ones, or when two features give one bundle different start orders;</li>
 * <li>{@code --static} (src/main/dist: bin/, conf/, etc/, deploy/) is copied as is, bin/* made
 *     executable; {@code --lib} artifacts and the launcher go to lib/; the feature files to
 *     features/.</li>
 * </ul>
 *
 * <p>Runs inside the Maven JVM: it reports failure by throwing, never by System.exit.
 */
public final class Assemble {

    private Path repo;
    private Path featuresJar;
    private final List<String> install = new ArrayList<>();
    private String all;
    private Path staticDir;
    private Path out;
    private final Map<Path, String> launcher = new LinkedHashMap<>();
    private final Map<Feature.Artifact, String> libs = new LinkedHashMap<>();
    private final Set<Feature.Artifact> ignore = new LinkedHashSet<>();

    private Assemble() { }

    /**
     * Entry point for exec:java.
     *
     * @param args see the class comment
     * @throws IOException          on file errors
     * @throws IllegalStateException when the features and the resolved artifacts disagree
     */
    public static void main(String[] args) throws IOException {
        Assemble a = new Assemble();
        a.parse(args);
        List<String> report = a.run();
        report.forEach(System.out::println);
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--repo" -> repo = Path.of(v);
                case "--features-jar" -> featuresJar = Path.of(v);
                case "--install" -> install.addAll(List.of(v.split(",")));
                case "--all" -> all = v;
                case "--static" -> staticDir = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--launcher" -> launcher.put(Path.of(before(v)), after(v));
                case "--lib" -> libs.put(Feature.Artifact.parse(before(v)), after(v));
                case "--ignore" -> ignore.add(Feature.Artifact.parse(v));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        if (repo == null || featuresJar == null || install.isEmpty() || out == null) {
            throw new IllegalArgumentException("need --repo, --features-jar, --install and --out");
        }
    }

    private static String before(String v) {
        int eq = v.lastIndexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("want SOURCE=NAME: " + v);
        }
        return v.substring(0, eq);
    }

    private static String after(String v) {
        return v.substring(v.lastIndexOf('=') + 1);
    }

    private List<String> run() throws IOException {
        Map<String, String> featureTexts = readFeatures(featuresJar);
        Map<String, Feature> features = new LinkedHashMap<>();
        featureTexts.forEach((name, text) -> features.put(name, Feature.parse(text, "features/" + name + ".json")));

        Plan plan = plan(features, install, all, listRepository(repo), union(libs.keySet(), ignore));

        if (!out.getParent().getFileName().toString().equals("target")) {
            // It is wiped below: refuse anything that is not build output.
            throw new IllegalArgumentException("--out must be a folder directly under target/: " + out);
        }
        deleteTree(out);
        Files.createDirectories(out);
        if (staticDir != null) {
            copyTree(staticDir, out);
        }
        for (String d : List.of("boot", "bundle", "deploy", "lib", "features")) {
            Files.createDirectories(out.resolve(d));
        }
        for (Map.Entry<Feature.Artifact, Integer> e : plan.bundles().entrySet()) {
            Path dir = out.resolve(e.getValue() == 1 ? "boot" : "bundle");
            Files.copy(e.getKey().repositoryPath(repo), dir.resolve(e.getKey().fileName()));
        }
        for (Map.Entry<Feature.Artifact, String> e : libs.entrySet()) {
            Path src = e.getKey().repositoryPath(repo);
            if (!Files.isRegularFile(src)) {
                throw new IllegalStateException("lib " + e.getKey() + " is not among the resolved dependencies");
            }
            Files.copy(src, out.resolve("lib").resolve(e.getValue()));
        }
        for (Map.Entry<Path, String> e : launcher.entrySet()) {
            Files.copy(e.getKey(), out.resolve("lib").resolve(e.getValue()));
        }
        for (Map.Entry<String, String> e : featureTexts.entrySet()) {
            Files.writeString(out.resolve("features").resolve(e.getKey() + ".json"), e.getValue());
        }
        Path bin = out.resolve("bin");
        if (Files.isDirectory(bin)) {
            try (Stream<Path> s = Files.list(bin)) {
                for (Path p : s.toList()) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
        List<String> report = new ArrayList<>();
        report.add("junction assemble: " + plan.bundles().size() + " bundles from features " + install
                + " (" + plan.bundles().values().stream().filter(l -> l == 1).count() + " in boot/) -> " + out);
        return report;
    }

    /**
     * What to install, and where.
     *
     * @param bundles each bundle and its start order (1 = boot/), in feature order
     */
    record Plan(Map<Feature.Artifact, Integer> bundles) { }

    /**
     * Decides the bundle set and checks it against the resolved artifacts. Pure: no I/O.
     *
     * @param features  all feature documents by short name
     * @param install   the short names to install
     * @param all       the short name of the feature that must equal their union, or null
     * @param resolved  the artifacts present in the repository
     * @param notBundles resolved artifacts that are not bundles (lib/ jars, the features jar)
     * @return the plan
     * @throws IllegalStateException listing every disagreement
     */
    static Plan plan(Map<String, Feature> features, List<String> install, String all,
            Set<Feature.Artifact> resolved, Set<Feature.Artifact> notBundles) {
        List<String> problems = new ArrayList<>();
        Map<Feature.Artifact, Integer> bundles = new LinkedHashMap<>();
        for (String name : install) {
            Feature f = features.get(name);
            if (f == null) {
                problems.add("no feature file features/" + name + ".json");
                continue;
            }
            for (Feature.BundleRef b : f.bundles()) {
                Integer before = bundles.putIfAbsent(b.artifact(), b.startOrder());
                if (before != null && before != b.startOrder()) {
                    problems.add(b.artifact() + ": start-order " + before + " in one feature and "
                            + b.startOrder() + " in " + name);
                }
            }
        }
        for (Feature.Artifact a : bundles.keySet()) {
            if (!resolved.contains(a)) {
                problems.add("a feature names " + a + " but the build does not resolve it"
                        + " (add it to features/pom.xml)");
            }
        }
        for (Feature.Artifact a : resolved.stream().sorted(Comparator.comparing(Feature.Artifact::toString)).toList()) {
            if (!bundles.containsKey(a) && !notBundles.contains(a)) {
                problems.add("the build resolves " + a + " but no feature among " + install
                        + " names it (name it in a feature, or remove it from features/pom.xml)");
            }
        }
        if (all != null) {
            Feature f = features.get(all);
            if (f == null) {
                problems.add("no feature file features/" + all + ".json");
            } else {
                Map<Feature.Artifact, Integer> inAll = new LinkedHashMap<>();
                f.bundles().forEach(b -> inAll.put(b.artifact(), b.startOrder()));
                if (!inAll.equals(bundles)) {
                    Set<Feature.Artifact> missing = new TreeSet<>(Comparator.comparing(Feature.Artifact::toString));
                    missing.addAll(bundles.keySet());
                    missing.removeAll(inAll.keySet());
                    Set<Feature.Artifact> extra = new TreeSet<>(Comparator.comparing(Feature.Artifact::toString));
                    extra.addAll(inAll.keySet());
                    extra.removeAll(bundles.keySet());
                    problems.add("feature " + all + " is not the union of " + install + ": missing " + missing
                            + ", extra " + extra + (missing.isEmpty() && extra.isEmpty() ? " (start-order differs)" : ""));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the features and the distribution disagree:\n  - "
                    + String.join("\n  - ", problems));
        }
        return new Plan(bundles);
    }

    private static Set<Feature.Artifact> union(Set<Feature.Artifact> a, Set<Feature.Artifact> b) {
        Set<Feature.Artifact> u = new LinkedHashSet<>(a);
        u.addAll(b);
        return u;
    }

    /** The features/*.json entries of the features jar, by short name, sorted. */
    static Map<String, String> readFeatures(Path jar) throws IOException {
        Map<String, String> texts = new java.util.TreeMap<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                String n = e.getName();
                if (n.startsWith("features/") && n.endsWith(".json") && n.indexOf('/', 9) < 0) {
                    try (InputStream in = z.getInputStream(e)) {
                        texts.put(n.substring(9, n.length() - 5), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalStateException(jar + " holds no features/*.json");
        }
        return texts;
    }

    /** Every artifact file of a repository layout, as coordinates (version folder = version). */
    static Set<Feature.Artifact> listRepository(Path repo) throws IOException {
        Set<Feature.Artifact> found = new LinkedHashSet<>();
        if (!Files.isDirectory(repo)) {
            return found;
        }
        try (Stream<Path> s = Files.walk(repo)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                Path rel = repo.relativize(f);
                int n = rel.getNameCount();
                if (n < 4) {
                    continue;
                }
                String version = rel.getName(n - 2).toString();
                String artifactId = rel.getName(n - 3).toString();
                String groupId = rel.subpath(0, n - 3).toString().replace(rel.getFileSystem().getSeparator(), ".");
                String file = rel.getFileName().toString();
                String prefix = artifactId + "-" + version;
                int dot = file.lastIndexOf('.');
                if (!file.startsWith(prefix) || dot < prefix.length()) {
                    continue;
                }
                String type = file.substring(dot + 1);
                String rest = file.substring(prefix.length(), dot);
                String classifier = rest.startsWith("-") ? rest.substring(1) : null;
                if (!rest.isEmpty() && classifier == null || "pom".equals(type) || "sha1".equals(type)) {
                    continue;
                }
                found.add(new Feature.Artifact(groupId, artifactId, type, classifier, version));
            }
        }
        return found;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
