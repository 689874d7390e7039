package io.junction.core.internal.net;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connection outcome counters, one set per router. Every way a connection can end has a
 * counter, so that "why was I closed" is answerable without debug logs. Thread-safe, cheap to
 * increment from any event loop.
 */
public final class Counters {
    final LongAdder accepted = new LongAdder();
    final LongAdder routed = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder noServer = new LongAdder();
    final LongAdder inspectTimeout = new LongAdder();
    final LongAdder peekLimit = new LongAdder();
    final LongAdder connectFailed = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder serverUnusable = new LongAdder();
    final LongAdder maxconnRefused = new LongAdder();
    final LongAdder idleTimeout = new LongAdder();
    final LongAdder removedRouteClosed = new LongAdder();
    final LongAdder optionFailed = new LongAdder();
    final LongAdder pluginError = new LongAdder();
    final AtomicInteger live = new AtomicInteger();
    private final Map<String, LongAdder> notApplicable = new ConcurrentHashMap<>();

    void notApplicable(String protocol) {
        notApplicable.computeIfAbsent(protocol, p -> new LongAdder()).increment();
    }

    /** Live connections (accepted, not yet closed). */
    public int live() {
        return live.get();
    }

    /** A consistent-enough snapshot for logs and the shell, sorted by name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        m.put("accepted", accepted.sum());
        m.put("routed", routed.sum());
        m.put("rejected", rejected.sum());
        m.put("no_server", noServer.sum());
        m.put("inspect_timeout", inspectTimeout.sum());
        m.put("peek_limit", peekLimit.sum());
        m.put("connect_failed", connectFailed.sum());
        m.put("retries", retries.sum());
        m.put("server_unusable", serverUnusable.sum());
        m.put("maxconn_refused", maxconnRefused.sum());
        m.put("idle_timeout", idleTimeout.sum());
        m.put("removed_route_closed", removedRouteClosed.sum());
        m.put("option_failed", optionFailed.sum());
        m.put("plugin_error", pluginError.sum());
        m.put("live", (long) live.get());
        notApplicable.forEach((p, n) -> m.put("sniff_not_applicable." + p, n.sum()));
        return m;
    }
}
