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
    private final Rule<ServerTarget>[] useServer;
    /** Weighted round robin, precomputed: each server index repeated weight/gcd times. */
    private final ServerTarget[] rotation;
    private final AtomicInteger next = new AtomicInteger();
    private final Timeouts timeouts;
    private final HttpRule[] httpRules;
    private final java.util.Set<String> options;

    public BackendPool(String name, List<ServerTarget> servers, List<Rule<ServerTarget>> useServer, Timeouts timeouts,
            List<HttpRule> httpRules, java.util.Set<String> options) {
        this.name = name;
        this.servers = List.copyOf(servers);
        @SuppressWarnings("unchecked")
        Rule<ServerTarget>[] rules = useServer.toArray(new Rule[0]);
        this.useServer = rules;
        this.rotation = rotation(servers);
        this.timeouts = timeouts;
        this.httpRules = httpRules.toArray(new HttpRule[0]);
        this.options = java.util.Set.copyOf(options);
    }

    /** {@code http-request} rules of the backend section, applied after it was chosen. */
    public HttpRule[] httpRules() {
        return httpRules;
    }

    /** HTTP {@code option}s of the backend section. */
    public java.util.Set<String> options() {
        return options;
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
        return List.of(useServer);
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /**
     * Event loop: the {@code use-server} rule that applies, {@link Decision#WAIT} while one is
     * undecided, else the next server of the rotation, else {@code null} (no server: HAProxy
     * closes the connection in TCP mode, answers 503 in HTTP mode).
     */
    public Object pick(Inspection inspection) {
        for (Rule<ServerTarget> rule : useServer) {
            Tri t = rule.condition().eval(inspection);
            if (t == Tri.TRUE) {
                return rule.target();
            }
            if (t == Tri.UNKNOWN) {
                return Decision.WAIT;
            }
        }
        if (rotation.length == 0) {
            return null;
        }
        return rotation[Math.floorMod(next.getAndIncrement(), rotation.length)];
    }
}
