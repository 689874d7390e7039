package io.junction.core.internal.route;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A compiled backend (or the backend half of a {@code listen}): its servers, its
 * {@code use-server} rules and its balancing. Immutable apart from the rotation counter.
 */
public final class BackendPool {
    private final String name;
    private final List<ServerTarget> servers;
    /** The use-server rules, runs of exact-name rules precompiled into tables. */
    private final RuleList<ServerTarget> useServer;
    /** Weighted round robin, precomputed: each server repeated weight/gcd times, interleaved. */
    private final ServerTarget[] rotation;
    /** Servers with weight > 0, for leastconn and source. */
    private final ServerTarget[] weighted;
    private final AtomicInteger next = new AtomicInteger();
    private final Timeouts timeouts;
    private final HttpRule[] httpRules;
    private final java.util.Set<String> options;
    private final Balance balance;
    private final int retries;
    private final boolean redispatch;

    public BackendPool(String name, List<ServerTarget> servers, List<Rule<ServerTarget>> useServer, Timeouts timeouts,
            List<HttpRule> httpRules, java.util.Set<String> options, Balance balance, int retries, boolean redispatch) {
        this.name = name;
        this.servers = List.copyOf(servers);
        this.useServer = new RuleList<>(useServer);
        this.rotation = rotation(servers);
        this.weighted = servers.stream().filter(s -> s.weight() > 0).toArray(ServerTarget[]::new);
        this.timeouts = timeouts;
        this.httpRules = httpRules.toArray(new HttpRule[0]);
        this.options = java.util.Set.copyOf(options);
        this.balance = balance;
        this.retries = retries;
        this.redispatch = redispatch;
    }

    private static ServerTarget[] rotation(List<ServerTarget> servers) {
        int gcd = 0;
        for (ServerTarget s : servers) {
            if (s.weight() > 0) {
                gcd = gcd(gcd, s.weight());
            }
        }
        if (gcd == 0) {
            return new ServerTarget[0];
        }
        // Interleave rather than repeat in blocks, so that weights 3:1 give a b a a, not a a a b.
        int total = 0;
        for (ServerTarget s : servers) {
            total += s.weight() / gcd;
        }
        ServerTarget[] out = new ServerTarget[total];
        int[] credit = new int[servers.size()];
        for (int slot = 0; slot < total; slot++) {
            int best = -1;
            for (int i = 0; i < servers.size(); i++) {
                int w = servers.get(i).weight() / gcd;
                if (w == 0) {
                    continue;
                }
                credit[i] += w;
                if (best < 0 || credit[i] > credit[best]) {
                    best = i;
                }
            }
            credit[best] -= total;
            out[slot] = servers.get(best);
        }
        return out;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    public String name() {
        return name;
    }

    public List<ServerTarget> servers() {
        return servers;
    }

    /** For display: the use-server rules in order. */
    public List<Rule<ServerTarget>> useServerRules() {
        return useServer.asList();
    }

    /** The compiled use-server rules (for tests: which of them a table looks up). */
    public RuleList<ServerTarget> useServerLookup() {
        return useServer;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /** {@code http-request} rules of the backend section, applied after it was chosen. */
    public HttpRule[] httpRules() {
        return httpRules;
    }

    /** HTTP {@code option}s of the backend section. */
    public java.util.Set<String> options() {
        return options;
    }

    /** {@code retries}: connection attempts after the first that fails (HAProxy default 3). */
    public int retries() {
        return retries;
    }

    /** {@code option redispatch}: retry on another server rather than the same one. */
    public boolean redispatch() {
        return redispatch;
    }

    /**
     * Event loop: the {@code use-server} rule that applies (a server found down by its checks
     * is skipped, as in HAProxy without {@code force-persist}), {@link Decision#WAIT} while one
     * is undecided, else a server by the balancing algorithm among available servers of weight
     * > 0, else {@code null} (no server: the connection is closed, 503 in HTTP mode).
     */
    public Object pick(Inspection inspection) {
        for (int i = useServer.first(inspection, 0); i != RuleList.NONE; i = useServer.first(inspection, i + 1)) {
            if (i == RuleList.WAIT) {
                return Decision.WAIT;
            }
            ServerTarget target = useServer.target(i);
            if (target.available() || target.pendingReason() != null) {
                // A pending server is returned so that the connection is refused with the reason.
                return target;
            }
            // Down: the rules after this one still apply, as in HAProxy.
        }
        return balance(inspection, null);
    }

    /**
     * Event loop: a server by the balancing algorithm alone, other than {@code exclude} when
     * another is available (redispatch after a failed connect); null when none is available.
     */
    public ServerTarget balance(Inspection inspection, ServerTarget exclude) {
        return switch (balance) {
            case ROUNDROBIN -> roundRobin(exclude);
            case LEASTCONN -> leastConn(exclude);
            case SOURCE -> source(inspection, exclude);
        };
    }

    private ServerTarget roundRobin(ServerTarget exclude) {
        ServerTarget fallback = null;
        for (int i = 0; i < rotation.length; i++) {
            ServerTarget s = rotation[Math.floorMod(next.getAndIncrement(), rotation.length)];
            if (!s.available()) {
                continue;
            }
            if (s != exclude) {
                return s;
            }
            fallback = s;
        }
        return fallback;
    }

    /** Fewest active connections per unit of weight; ties broken by rotation. */
    private ServerTarget leastConn(ServerTarget exclude) {
        ServerTarget best = null;
        int start = weighted.length == 0 ? 0 : Math.floorMod(next.getAndIncrement(), weighted.length);
        for (int k = 0; k < weighted.length; k++) {
            ServerTarget s = weighted[(start + k) % weighted.length];
            if (!s.available() || (s == exclude && weighted.length > 1)) {
                continue;
            }
            // Compare active/weight without division: a.active * b.weight < b.active * a.weight.
            if (best == null || (long) s.state().active() * best.weight() < (long) best.state().active() * s.weight()) {
                best = s;
            }
        }
        return best;
    }

    /** A weighted hash of the client address over the available servers. */
    private ServerTarget source(Inspection inspection, ServerTarget exclude) {
        int total = 0;
        for (ServerTarget s : weighted) {
            if (s.available() && s != exclude) {
                total += s.weight();
            }
        }
        if (total == 0) {
            return exclude != null && exclude.available() ? exclude : null;
        }
        // InetAddress.hashCode is the IPv4 address itself, or a hash of the IPv6 bytes: no allocation.
        int h = inspection.facts().source().getAddress().hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        int point = Math.floorMod(h, total);
        for (ServerTarget s : weighted) {
            if (s.available() && s != exclude) {
                point -= s.weight();
                if (point < 0) {
                    return s;
                }
            }
        }
        return null;
    }
}
