package io.junction.listener.tls.internal;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the certificate files of the bind lines in use and reloads those that changed, on one
 * daemon thread of its own: file I/O never runs on an event loop.
 *
 * <p>Every {@code intervalSeconds} the thread stats each watched line's files (size, time, inode:
 * a directory listing plus one stat per file, cheap enough for thousands of certificates) and
 * reloads a line whose files changed. So a certificate renewed on disk (by an ACME client, by
 * hand) serves new handshakes within one interval, without a restart or a configuration
 * reload; connections already established keep the certificate they were served with. A
 * polling check was preferred to {@code WatchService}: it sees files behind symbolic links that
 * change target (Kubernetes secrets, certbot's live/ directory), works on network file systems,
 * and a fixed period bounds the work.
 *
 * <p>Lines are held weakly: a line dropped by a configuration reload is forgotten once nothing
 * uses it any more, without an explicit unregistration (the SPI has none).
 */
final class CertificateReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

    private final List<WeakReference<BindTls>> watched = new ArrayList<>();
    private final ScheduledExecutorService thread;

    /**
     * Starts the watch thread.
     *
     * @param intervalSeconds seconds between checks; 0 or less disables reloading (the watch list
     *        is still kept, and {@link #checkNow()} still works)
     */
    CertificateReloader(long intervalSeconds) {
        if (intervalSeconds > 0) {
            thread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "junction-tls-reload");
                t.setDaemon(true);
                return t;
            });
            thread.scheduleWithFixedDelay(this::checkNow, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
        } else {
            thread = null;
        }
    }

    /** Any thread, does not block: adds a line to the watch list. */
    synchronized void watch(BindTls line) {
        watched.add(new WeakReference<>(line));
    }

    /**
     * The watch thread (or a test): checks every watched line once; blocks on file I/O.
     *
     * @return how many lines were reloaded
     */
    int checkNow() {
        List<BindTls> lines = new ArrayList<>();
        synchronized (this) {
            watched.removeIf(ref -> ref.get() == null);
            for (WeakReference<BindTls> ref : watched) {
                BindTls line = ref.get();
                if (line != null) {
                    lines.add(line);
                }
            }
        }
        int reloaded = 0;
        for (BindTls line : lines) {
            try {
                if (line.reloadIfChanged()) {
                    reloaded++;
                }
            } catch (RuntimeException e) {
                // Never let one line stop the thread for the others.
                LOG.warn("{}: certificate check failed", line.location(), e);
            }
        }
        return reloaded;
    }

    /** How many lines are watched (those still referenced), for tests. */
    synchronized int watchedCount() {
        watched.removeIf(ref -> ref.get() == null);
        return watched.size();
    }

    /** SCR thread: stops the watch thread. */
    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }
}
