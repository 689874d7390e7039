package io.junction.core.internal.route;

import io.junction.api.Sniffer;
import java.util.List;

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
    private final Rule<BackendPool>[] useBackend;
    private final BackendPool defaultBackend;
    private final Sniffer[] sniffers;
    private final String[] snifferNames;
    private final long[] snifferBits;
    private final int peekLimit;
    private final Timeouts timeouts;
    private final int maxconn;

    public FrontendRoutes(String name, List<BindSpec> binds, List<ConnectionRule> connectionRules,
            List<ContentRule> contentRules,
            List<Rule<BackendPool>> useBackend, BackendPool defaultBackend, List<Sniffer> sniffers,
            List<String> snifferNames, List<Integer> snifferBits, Timeouts timeouts, int maxconn) {
        this.name = name;
        this.binds = List.copyOf(binds);
        this.connectionRules = connectionRules.toArray(new ConnectionRule[0]);
        this.contentRules = contentRules.toArray(new ContentRule[0]);
        @SuppressWarnings("unchecked")
        Rule<BackendPool>[] rules = useBackend.toArray(new Rule[0]);
        this.useBackend = rules;
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
        return List.of(useBackend);
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
        BackendPool backend = defaultBackend;
        for (Rule<BackendPool> rule : useBackend) {
            Tri t = rule.condition().eval(inspection);
            if (t == Tri.UNKNOWN) {
                return Decision.WAIT;
            }
            if (t == Tri.TRUE) {
                backend = rule.target();
                break;
            }
        }
        if (backend == null) {
            return Decision.NO_SERVER;
        }
        Object picked = backend.pick(inspection);
        return picked == null ? Decision.NO_SERVER : picked;
    }
}
