package io.junction.core.internal.route;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What is known about a server at run time, kept across reloads for the same server line (same
 * backend, name and address): whether its health checks find it up, and how many connections
 * it has open (for {@code balance leastconn}). Thread-safe: read on every event loop, written by
 * the health checker and by connection open/close.
 */
public final class ServerState {
    private final String key;
    private volatile boolean up = true;
    private volatile String lastCheck = "not checked";
    private final AtomicInteger active = new AtomicInteger();
    private int consecutiveOk;
    private int consecutiveFailed;

    public ServerState(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** Servers start up (traffic flows at once) and go down after {@code fall} failed checks. */
    public boolean up() {
        return up;
    }

    public int active() {
        return active.get();
    }

    public String lastCheck() {
        return lastCheck;
    }

    void opened() {
        active.incrementAndGet();
    }

    void closed() {
        active.decrementAndGet();
    }

    /**
     * Health checker thread (one at a time per server): records a check result and applies
     * {@code rise}/{@code fall}.
     *
     * @return true when the server's state changed
     */
    public synchronized boolean record(boolean ok, String detail, int rise, int fall) {
        lastCheck = detail;
        if (ok) {
            consecutiveFailed = 0;
            consecutiveOk++;
            if (!up && consecutiveOk >= rise) {
                up = true;
                return true;
            }
        } else {
            consecutiveOk = 0;
            consecutiveFailed++;
            if (up && consecutiveFailed >= fall) {
                up = false;
                return true;
            }
        }
        return false;
    }
}
