package io.junction.core.internal.route;

import io.junction.api.Facts;
import io.junction.api.HeaderEditor;
import io.junction.api.HttpAction;
import io.junction.api.ProxyMode;
import io.junction.api.RequestRoute;
import io.junction.api.RequestRouter;
import io.junction.api.Sniffer;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled frontend (or the frontend half of a {@code listen}): immutable. A connection takes
 * the instance current at accept and keeps it to the end, so a reload never changes the rules
 * under a connection being inspected.
 */
public final class FrontendRoutes {
    private final String name;
    private final List<BindSpec> binds;
    private final ConnectionRule[] connectionRules;
    private final ContentRule[] contentRules;
    /** The use_backend rules, runs of exact-name rules precompiled into tables. */
    private final RuleList<BackendPool> useBackend;
    private final BackendPool defaultBackend;
    private final Sniffer[] sniffers;
    private final String[] snifferNames;
    private final long[] snifferBits;
    private final int peekLimit;
    private final Timeouts timeouts;
    private final int maxconn;
    private final ProxyMode mode;
    private final HttpRule[] httpRules;
    private final HttpRouter router;

    public FrontendRoutes(String name, List<BindSpec> binds, List<ConnectionRule> connectionRules,
            List<ContentRule> contentRules,
            List<Rule<BackendPool>> useBackend, BackendPool defaultBackend, List<Sniffer> sniffers,
            List<String> snifferNames, List<Integer> snifferBits, Timeouts timeouts, int maxconn, ProxyMode mode,
            List<HttpRule> httpRules, Set<String> options) {
        this.name = name;
        this.binds = List.copyOf(binds);
        this.connectionRules = connectionRules.toArray(new ConnectionRule[0]);
        this.contentRules = contentRules.toArray(new ContentRule[0]);
        this.useBackend = new RuleList<>(useBackend);
        this.defaultBackend = defaultBackend;
        this.sniffers = sniffers.toArray(new Sniffer[0]);
        this.snifferNames = snifferNames.toArray(new String[0]);
        this.snifferBits = new long[snifferBits.size()];
        for (int i = 0; i < this.snifferBits.length; i++) {
            this.snifferBits[i] = 1L << snifferBits.get(i);
        }
        int limit = 0;
        for (Sniffer s : this.sniffers) {
            limit = Math.max(limit, s.peekLimit());
        }
        this.peekLimit = limit;
        this.timeouts = timeouts;
        this.maxconn = maxconn;
        this.mode = mode;
        this.httpRules = httpRules.toArray(new HttpRule[0]);
        this.router = mode == null ? null : new HttpRouter(options);
    }

    /** The proxy mode serving this frontend, or null for {@code mode tcp}. */
    public ProxyMode mode() {
        return mode;
    }

    /** Backends this frontend can route to: its use_backend targets and default backend. */
    public List<BackendPool> reachableBackends() {
        List<BackendPool> pools = new ArrayList<>();
        if (defaultBackend != null) {
            pools.add(defaultBackend);
        }
        for (Rule<BackendPool> r : useBackend.asList()) {
            if (!pools.contains(r.target())) {
                pools.add(r.target());
            }
        }
        return pools;
    }

    /** The backend a server belongs to (for retries), or null. */
    public BackendPool backendOf(ServerTarget server) {
        for (BackendPool pool : reachableBackends()) {
            if (pool.servers().contains(server)) {
                return pool;
            }
        }
        return null;
    }

    /** The per-request router handed to {@link #mode()}; null in TCP mode. */
    public RequestRouter router() {
        return router;
    }

    public String name() {
        return name;
    }

    public List<BindSpec> binds() {
        return binds;
    }

    /** The sniffers this frontend's rules need, in bit order of {@link Inspection#activeSniffers()}. */
    public Sniffer[] sniffers() {
        return sniffers;
    }

    /** The {@link Inspection#activeSniffers()} bit of each of {@link #sniffers()}. */
    public long[] snifferBits() {
        return snifferBits;
    }

    /** Protocol names of {@link #sniffers()}, for counters and logs. */
    public String[] snifferNames() {
        return snifferNames;
    }

    /** How many bytes inspection buffers at most: the largest peek limit of its sniffers. */
    public int peekLimit() {
        return peekLimit;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /** Inspect delay in effect: the configured one, or a default when rules wait for sniffers. */
    public long inspectDelay() {
        long configured = timeouts.inspectDelay();
        return configured >= 0 ? configured : Timeouts.DEFAULT_INSPECT_DELAY;
    }

    /** Concurrent connections this frontend accepts; 0 means only the global limit applies. */
    public int maxconn() {
        return maxconn;
    }

    /** For display: the content rules in order. */
    public List<ContentRule> contentRules() {
        return List.of(contentRules);
    }

    /** For display: the use_backend rules in order. */
    public List<Rule<BackendPool>> useBackendRules() {
        return useBackend.asList();
    }

    /** The compiled use_backend rules (for tests: which of them a table looks up). */
    public RuleList<BackendPool> useBackendLookup() {
        return useBackend;
    }

    public BackendPool defaultBackend() {
        return defaultBackend;
    }

    /**
     * Event loop, at accept: applies the {@code tcp-request connection} rules. The first true
     * accept or reject ends the evaluation; actions ({@code expect-proxy}) are applied and the
     * evaluation goes on, as in HAProxy.
     *
     * @param actions receives the actions to apply, in order
     * @return false when a reject rule matched
     */
    public boolean admit(Inspection inspection, java.util.function.Consumer<ConnectionRule> actions) {
        for (ConnectionRule rule : connectionRules) {
            if (rule.condition().eval(inspection) != Tri.TRUE) {
                continue;
            }
            if (rule.action() != null) {
                actions.accept(rule);
            } else {
                return rule.accept();
            }
        }
        return true;
    }

    public boolean hasConnectionRules() {
        return connectionRules.length > 0;
    }

    /**
     * Event loop: applies the rules to what is known, in HAProxy's order: {@code tcp-request
     * content} rules (the first that matches accepts or rejects; none matching accepts),
     * then {@code use_backend} rules, the default backend, and the backend's {@code use-server}
     * rules and balancing. Any undecided condition on the way returns {@link Decision#WAIT}.
     *
     * @return a {@link ServerTarget} or a {@link Decision}
     */
    public Object decide(Inspection inspection) {
        for (ContentRule rule : contentRules) {
            Tri t = rule.condition().eval(inspection);
            if (t == Tri.UNKNOWN) {
                return Decision.WAIT;
            }
            if (t == Tri.TRUE) {
                if (!rule.accept()) {
                    return Decision.REJECT;
                }
                break;
            }
        }
        Object backend = chooseBackend(inspection);
        if (!(backend instanceof BackendPool pool)) {
            return backend;
        }
        Object picked = pool.pick(inspection);
        return picked == null ? Decision.NO_SERVER : picked;
    }

    /** {@code use_backend} rules, then the default: a {@link BackendPool} or a {@link Decision}. */
    private Object chooseBackend(Inspection inspection) {
        int i = useBackend.first(inspection, 0);
        if (i == RuleList.WAIT) {
            return Decision.WAIT;
        }
        BackendPool backend = i == RuleList.NONE ? defaultBackend : useBackend.target(i);
        return backend == null ? Decision.NO_SERVER : backend;
    }

    /** HAProxy's turn-around delay before retrying the same server (TCP and HTTP mode alike). */
    public static final long RETRY_DELAY_MILLIS = 1_000;

    /** A complete HTTP request: nothing more will be sniffed, every fetch is final. */
    private record EndedInspection(Facts facts) implements Inspection {
        @Override
        public long activeSniffers() {
            return 0;
        }

        @Override
        public boolean ended() {
            return true;
        }
    }

    /** A route that answers a status instead of contacting a server. */
    private record StatusRoute(int status) implements RequestRoute {
        static final StatusRoute SERVICE_UNAVAILABLE = new StatusRoute(503);

        @Override
        public String serverId() {
            return null;
        }

        @Override
        public ChannelFuture connect(EventLoop loop, ChannelHandler handler, Facts facts) {
            throw new IllegalStateException("status route " + status + " has no server");
        }
    }

    /** A route to a server; one shared instance per server. */
    private final class ServerRoute implements RequestRoute {
        private final ServerTarget server;
        private final BackendPool pool;

        ServerRoute(ServerTarget server, BackendPool pool) {
            this.server = server;
            this.pool = pool;
        }

        @Override
        public RequestRoute retry(Facts request, int attempt) {
            if (attempt > pool.retries()) {
                return null;
            }
            if (pool.redispatch()) {
                ServerTarget other = pool.balance(new EndedInspection(request), server);
                if (other != null && other != server) {
                    RequestRoute next = router.routes.get(other);
                    return next != null && other.available() ? next : this;
                }
            }
            return this;
        }

        @Override
        public long retryDelayMillis() {
            return Math.min(server.connectTimeoutMillis(), RETRY_DELAY_MILLIS);
        }
        @Override
        public int status() {
            return 0;
        }

        @Override
        public String serverId() {
            return server.id();
        }

        @Override
        public ChannelFuture connect(EventLoop loop, ChannelHandler handler, Facts facts) {
            return server.open(loop, handler, facts);
        }

        @Override
        public boolean shareable() {
            for (io.junction.api.ServerOption option : server.options()) {
                if (option.clientSpecific()) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The per-request rules of an HTTP frontend: {@code http-request} rules of the frontend,
     * switching, the chosen backend's {@code http-request} rules, then its servers. Requests
     * are complete when routed, so nothing is undecided: every fetch either has its sample or
     * matches nothing.
     */
    private final class HttpRouter implements RequestRouter {
        private final Set<String> options;
        private final Map<ServerTarget, RequestRoute> routes = new IdentityHashMap<>();

        HttpRouter(Set<String> frontendOptions) {
            Set<String> all = new HashSet<>(frontendOptions);
            for (BackendPool pool : reachableBackends()) {
                all.addAll(pool.options());
                for (ServerTarget s : pool.servers()) {
                    routes.put(s, s.pendingReason() == null ? new ServerRoute(s, pool) : StatusRoute.SERVICE_UNAVAILABLE);
                }
            }
            this.options = Set.copyOf(all);
        }

        @Override
        public String frontend() {
            return name;
        }

        @Override
        public Set<String> options() {
            return options;
        }

        @Override
        public long timeout(String timeoutName) {
            Timeouts t = switch (timeoutName) {
                case "server", "connect" -> defaultBackend != null ? defaultBackend.timeouts() : timeouts;
                default -> timeouts;
            };
            return t.byName(timeoutName);
        }

        @Override
        public RequestRoute route(Facts request, HeaderEditor headers) {
            Inspection inspection = new EndedInspection(request);
            int status = apply(httpRules, inspection, headers, request);
            if (status != HttpAction.CONTINUE) {
                return new StatusRoute(status);
            }
            Object backend = chooseBackend(inspection);
            if (!(backend instanceof BackendPool pool)) {
                return StatusRoute.SERVICE_UNAVAILABLE;
            }
            status = apply(pool.httpRules(), inspection, headers, request);
            if (status != HttpAction.CONTINUE) {
                return new StatusRoute(status);
            }
            Object picked = pool.pick(inspection);
            if (!(picked instanceof ServerTarget server)) {
                return StatusRoute.SERVICE_UNAVAILABLE;
            }
            RequestRoute route = routes.get(server);
            return route != null && server.available() ? route : StatusRoute.SERVICE_UNAVAILABLE;
        }

        private int apply(HttpRule[] rules, Inspection inspection, HeaderEditor headers, Facts request) {
            for (HttpRule rule : rules) {
                if (rule.condition().eval(inspection) == Tri.TRUE) {
                    int status = rule.action().apply(headers, request);
                    if (status != HttpAction.CONTINUE) {
                        return status;
                    }
                }
            }
            return HttpAction.CONTINUE;
        }
    }
}
