package io.junction.launcher;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The per-instance state directory: the Felix storage ({@code felix/}, cleaned at every start),
 * Netty's native-library work directory ({@code native/}) and an {@code instance.lock}.
 *
 * <p>Default location: {@code ${java.io.tmpdir}/junction-USER-HASH}, where HASH is derived from the
 * distribution folder and the configuration paths, so that instances with different
 * configurations run side by side, each with its own storage, and a restarted instance finds its
 * own directory again. bin/junction sets {@code java.io.tmpdir} from {@code $TMPDIR}.
 *
 * <p>All methods run on the launcher's main thread and may block on file I/O.
 */
public final class StateDirectory implements AutoCloseable {

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private StateDirectory(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * The default state directory of an instance.
     *
     * @param tmp     the base directory (java.io.tmpdir)
     * @param user    the user name
     * @param home    the distribution folder
     * @param configs the configuration paths, absolute, in command-line order
     * @return {@code tmp/junction-USER-HASH} with a 12 hex digit HASH
     */
    public static Path defaultFor(Path tmp, String user, Path home, List<Path> configs) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(home.toString().getBytes(StandardCharsets.UTF_8));
            for (Path p : configs) {
                sha.update((byte) 0);
                sha.update(p.toString().getBytes(StandardCharsets.UTF_8));
            }
            String hash = HexFormat.of().formatHex(sha.digest(), 0, 6);
            String safeUser = user.replaceAll("[^A-Za-z0-9._-]", "_");
            return tmp.resolve("junction-" + safeUser + "-" + hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /**
     * Creates (mode 0700) or reuses the directory and takes its instance lock.
     *
     * @param dir the directory
     * @return the locked state directory; close it to release the lock
     * @throws IOException when the directory cannot be created, belongs to another user, or is
     *                     locked by a running instance (the message says which)
     */
    public static StateDirectory open(Path dir) throws IOException {
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException exists) {
            if (!Files.isDirectory(dir)) {
                throw new IOException("state directory " + dir + " exists and is not a directory");
            }
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectories(dir);
        }
        String me = System.getProperty("user.name");
        String owner = Files.getOwner(dir).getName();
        if (me != null && !me.equals(owner) && !"root".equals(me)) {
            // A directory under a shared /tmp made by someone else must not hold our bundles.
            throw new IOException("state directory " + dir + " belongs to " + owner + ", not " + me
                    + " (pass --state DIR)");
        }
        FileChannel ch = FileChannel.open(dir.resolve("instance.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            ch.close();
            throw new IOException("state directory " + dir + " is in use by another junction instance"
                    + " with the same configuration (stop it, or pass --state DIR)");
        }
        return new StateDirectory(dir, ch, l);
    }

    /** @return the directory */
    public Path path() {
        return dir;
    }

    /** @return the Felix framework storage (org.osgi.framework.storage) */
    public Path frameworkStorage() {
        return dir.resolve("felix");
    }

    /** @return where Netty unpacks its native libraries (io.netty.native.workdir) */
    public Path nativeWorkDir() {
        return dir.resolve("native");
    }

    /** Releases the instance lock. Idempotent. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException ignored) {
            // The process is ending; the OS drops the lock anyway.
        }
    }

    /**
     * Deletes a directory tree (used for the throw-away storage of a check run).
     *
     * @param root the directory
     */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Best effort: a leftover in $TMPDIR is harmless.
                }
            });
        } catch (IOException ignored) {
            // Best effort.
        }
    }
}
