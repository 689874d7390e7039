package io.junction.http.internal;

import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Idle server connections of one event loop, by server id ({@code backend/server}). A client
 * connection and its server connections share an event loop, so a pool per loop needs no
 * locking. Bounded: at most {@code maxIdlePerServer} idle connections per server, each closed
 * after its idle timeout; a connection enters only after its response completed and while it is
 * active, and is handed out only while still active. Most recently used first: the one most
 * likely still open on the server's side. Event loop only (except {@link #closeAllLater()}).
 */
final class BackendPool {
    private final EventLoop loop;
    private final int maxIdlePerServer;
    private final Map<String, ArrayDeque<BackendConnection>> idle = new HashMap<>();
    private boolean closed;

    BackendPool(EventLoop loop, int maxIdlePerServer) {
        this.loop = loop;
        this.maxIdlePerServer = maxIdlePerServer;
    }

    /** Event loop: an idle active connection to {@code serverId}, or null. */
    BackendConnection take(String serverId) {
        ArrayDeque<BackendConnection> q = idle.get(serverId);
        if (q == null) {
            return null;
        }
        BackendConnection b;
        while ((b = q.pollLast()) != null) {
            b.leavePool();
            if (b.channel().isActive() && !b.inputShutdown()) {
                return b;
            }
            b.channel().close();
        }
        return null;
    }

    /**
     * Event loop: parks {@code b} for reuse.
     *
     * @return false when it was not taken (pool full or closed, connection inactive); the
     *         caller closes it
     */
    boolean offer(BackendConnection b, long idleMillis) {
        if (closed || maxIdlePerServer <= 0 || idleMillis <= 0 || !b.channel().isActive() || b.inputShutdown()) {
            return false;
        }
        ArrayDeque<BackendConnection> q = idle.computeIfAbsent(b.serverId, k -> new ArrayDeque<>(maxIdlePerServer));
        if (q.size() >= maxIdlePerServer) {
            return false;
        }
        q.addLast(b);
        b.enterPool(this, idleMillis);
        return true;
    }

    /** Event loop: {@code b} closed or timed out while idle. */
    void remove(BackendConnection b) {
        ArrayDeque<BackendConnection> q = idle.get(b.serverId);
        if (q != null) {
            q.remove(b);
        }
    }

    /** Event loop: how many idle connections to {@code serverId} (tests, diagnostics). */
    int idleCount(String serverId) {
        ArrayDeque<BackendConnection> q = idle.get(serverId);
        return q == null ? 0 : q.size();
    }

    /** Any thread: closes every idle connection on the pool's loop and refuses new ones. */
    void closeAllLater() {
        loop.execute(() -> {
            closed = true;
            List<BackendConnection> all = new ArrayList<>();
            for (ArrayDeque<BackendConnection> q : idle.values()) {
                all.addAll(q);
            }
            idle.clear();
            for (BackendConnection b : all) {
                b.leavePool();
                b.channel().close();
            }
        });
    }
}
