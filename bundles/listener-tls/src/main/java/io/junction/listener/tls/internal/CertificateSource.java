package io.junction.listener.tls.internal;

import io.junction.api.ConfigException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code crt} argument: a PEM file, or a directory whose {@code *.pem} files are all loaded
 * in name order (HAProxy loads every file of a {@code crt} directory except its extra files
 * {@code .key}, {@code .ocsp}, {@code .issuer}, {@code .sctl}; we load {@code *.pem} only, so a
 * README or a backup next to the certificates is not mistaken for one). Immutable.
 *
 * <p>Config time or the reloader thread; every method blocks on file I/O.
 */
final class CertificateSource {

    /**
     * Most files loaded from one directory: 10,000. Each certificate costs a few KiB of heap and
     * one TLS context; a directory bigger than this is a mistake (a whole /etc/ssl), not a site.
     */
    static final int MAX_FILES = 10_000;

    private final Path path;
    private final boolean directory;

    private CertificateSource(Path path, boolean directory) {
        this.path = path;
        this.directory = directory;
    }

    /**
     * @param path the resolved path written after {@code crt}
     * @throws ConfigException when nothing is there
     */
    static CertificateSource of(Path path) throws ConfigException {
        if (Files.isDirectory(path)) {
            return new CertificateSource(path, true);
        }
        if (!Files.exists(path)) {
            throw new ConfigException(path + ": no such file or directory");
        }
        return new CertificateSource(path, false);
    }

    Path path() {
        return path;
    }

    /** The PEM files this source stands for right now, in load order. */
    List<Path> files() throws ConfigException {
        if (!directory) {
            return List.of(path);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(path, "*.pem")) {
            for (Path p : dir) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) {
                    files.add(p);
                    if (files.size() > MAX_FILES) {
                        throw new ConfigException(path + ": more than " + MAX_FILES + " *.pem files");
                    }
                }
            }
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": no such directory");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot list: " + e.getMessage(), e);
        }
        files.sort(null);
        return files;
    }

    /**
     * Loads every certificate of this source.
     *
     * @throws ConfigException naming the file at fault; an empty directory is an error too
     */
    List<CertEntry> load() throws ConfigException {
        List<Path> files = files();
        if (files.isEmpty()) {
            throw new ConfigException(path + ": no *.pem file in this directory");
        }
        List<CertEntry> out = new ArrayList<>(files.size());
        for (Path f : files) {
            out.add(CertEntry.load(f));
        }
        return out;
    }

    /**
     * What changes when a certificate is replaced: for every file (and its {@code .key}
     * companion), its path, size, modification time and file key (inode), so that an atomic
     * rename of a new file over the old one is seen even within one timestamp tick. Cheap: one
     * directory listing and a stat per file.
     */
    void fingerprint(StringBuilder out) {
        List<Path> files;
        try {
            files = files();
        } catch (ConfigException e) {
            out.append(path).append(" unreadable;");
            return;
        }
        for (Path f : files) {
            stat(f, out);
            stat(f.resolveSibling(f.getFileName() + ".key"), out);
        }
    }

    private static void stat(Path f, StringBuilder out) {
        out.append(f).append('|');
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            out.append(a.size()).append('|').append(a.lastModifiedTime().toMillis()).append('|')
                    .append(a.lastModifiedTime()).append('|').append(a.fileKey());
        } catch (IOException e) {
            out.append("absent");
        }
        out.append(';');
    }

    @Override
    public String toString() {
        return (directory ? "dir " : "") + path;
    }
}
