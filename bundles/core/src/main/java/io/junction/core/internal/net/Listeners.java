package io.junction.core.internal.net;

import io.junction.api.BindOption;
import io.junction.api.BindRequest;
import io.junction.api.ListenerFactory;
import io.junction.api.RouterAdmin;
import io.junction.core.internal.route.BindSpec;
import io.junction.core.internal.route.CompiledConfig;
import io.junction.core.internal.route.FrontendRoutes;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening sockets of the running configuration and the live connections accepted on them.
 *
 * <p>A reload keeps every socket whose bind line is unchanged (its accept queue and its live
 * connections are untouched) and only swaps what new connections on it will be routed by: each
 * socket reads its {@link Served} from a volatile field at accept. Removed binds are closed;
 * new ones are opened. Config thread, except the accept path which runs on event loops.
 */
public final class Listeners {
    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    /** How long the config thread waits for a bind to complete; binding is local and fast. */
    private static final long BIND_WAIT_MILLIS = 10_000;

    static final AttributeKey<String> FRONTEND = AttributeKey.valueOf("junction.frontend");
    static final AttributeKey<String> SERVER = AttributeKey.valueOf("junction.server");
    static final AttributeKey<Long> ACCEPTED = AttributeKey.valueOf("junction.accepted");

    private final Counters counters;
    private final ChannelGroup live = new DefaultChannelGroup("junction-live", GlobalEventExecutor.INSTANCE);
    private final Map<String, Bound> bound = new LinkedHashMap<>();
    private volatile int maxconn = Integer.MAX_VALUE;

    /** What a listening socket routes by; replaced whole on reload. */
    record Served(FrontendRoutes routes, BindSpec spec) {
    }

    private static final class Bound {
        final Channel channel;
        final ListenerFactory factory;
        volatile Served served;

        Bound(Channel channel, ListenerFactory factory, Served served) {
            this.channel = channel;
            this.factory = factory;
            this.served = served;
        }
    }

    public Listeners(Counters counters) {
        this.counters = counters;
    }

    /**
     * Config thread: makes the listening sockets match {@code config}. Returns the problems met
     * (an address that cannot be bound), each as {@code file:line: message}.
     */
    public synchronized List<String> apply(CompiledConfig config, ListenerFactory factory) {
        maxconn = config.maxconn();
        List<String> failures = new ArrayList<>();
        Map<String, Served> wanted = new LinkedHashMap<>();
        for (FrontendRoutes f : config.frontends()) {
            for (BindSpec spec : f.binds()) {
                wanted.put(f.name() + "|" + spec.key(), new Served(f, spec));
            }
        }
        // Close what goes away (or was opened by a listener bundle that has since been replaced)
        // before opening anything, so that a changed bind line can take the same port.
        for (var it = bound.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Bound> e = it.next();
            if (!wanted.containsKey(e.getKey()) || e.getValue().factory != factory) {
                LOG.info("junction: closing listener {} ({})", e.getValue().channel.localAddress(),
                        e.getValue().served.routes().name());
                e.getValue().channel.close().awaitUninterruptibly(BIND_WAIT_MILLIS);
                it.remove();
            }
        }
        for (Map.Entry<String, Served> e : wanted.entrySet()) {
            Bound existing = bound.get(e.getKey());
            if (existing != null) {
                existing.served = e.getValue();
                continue;
            }
            if (factory == null) {
                continue;
            }
            String failure = open(e.getKey(), e.getValue(), factory);
            if (failure != null) {
                failures.add(failure);
            }
        }
        return failures;
    }

    private String open(String key, Served served, ListenerFactory factory) {
        BindSpec spec = served.spec();
        Bound[] holder = new Bound[1];
        ChannelHandler initializer = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                accept(ch, holder[0].served);
            }
        };
        BindRequest request = new BindRequest(spec.address(), spec.family(), initializer).v6only(spec.v6only());
        request.childOption(ChannelOption.ALLOW_HALF_CLOSURE, Boolean.TRUE);
        try {
            for (BindOption option : spec.options()) {
                option.prepare(request);
            }
        } catch (RuntimeException e) {
            return spec.location() + ": cannot prepare bind " + spec.address() + ": " + e.getMessage();
        }
        ChannelFuture future = factory.bind(request);
        if (!future.awaitUninterruptibly(BIND_WAIT_MILLIS)) {
            future.cancel(false);
            return spec.location() + ": binding " + spec.address() + " did not complete in time";
        }
        if (!future.isSuccess()) {
            return spec.location() + ": cannot bind " + spec.address() + ": " + future.cause().getMessage();
        }
        Bound b = new Bound(future.channel(), factory, served);
        holder[0] = b;
        bound.put(key, b);
        LOG.info("junction: listening on {} ({})", display(future.channel().localAddress()), served.routes().name());
        return null;
    }

    /** {@code 127.0.0.1:8443} / {@code [::1]:8443}, not Java's {@code /127.0.0.1:8443}. */
    static String display(java.net.SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    /** Event loop of the new connection: admission, bind options, then the connection handler. */
    private void accept(Channel ch, Served served) {
        counters.accepted.increment();
        int limit = served.routes().maxconn() > 0 ? Math.min(served.routes().maxconn(), maxconn) : maxconn;
        if (counters.live.incrementAndGet() > limit) {
            counters.live.decrementAndGet();
            counters.maxconnRefused.increment();
            LOG.debug("{} {}: maxconn {} reached, closing", served.routes().name(), ch.remoteAddress(), limit);
            ch.close();
            return;
        }
        ch.closeFuture().addListener(f -> counters.live.decrementAndGet());
        ch.attr(FRONTEND).set(served.routes().name());
        ch.attr(ACCEPTED).set(System.nanoTime());
        live.add(ch);
        ConnectionFacts facts = new ConnectionFacts(ch.remoteAddress(), ch.localAddress(), served.spec().terminatesTls());
        FrontendRoutes routes = served.routes();
        ConnectionHandler handler = new ConnectionHandler(routes, facts, counters);
        try {
            for (BindOption option : served.spec().options()) {
                option.accepted(ch, facts);
                if (option.defersInspection()) {
                    handler.addGate();
                }
            }
            if (routes.hasConnectionRules() && !routes.admit(handler, rule -> {
                rule.action().apply(ch, facts);
                if (rule.action().defersInspection()) {
                    handler.addGate();
                }
            })) {
                counters.rejected.increment();
                LOG.debug("{} {}: rejected by tcp-request connection rule", routes.name(), facts.source());
                ch.close();
                return;
            }
        } catch (RuntimeException e) {
            counters.optionFailed.increment();
            LOG.info("{} {}: bind option or connection action failed: {}", routes.name(), facts.source(), e.getMessage());
            ch.close();
            return;
        }
        ch.pipeline().addLast("junction", handler);
    }

    /**
     * Config thread, after a reload: the policy for live connections of frontends that the new
     * configuration no longer has. They keep flowing until they end by default; with a
     * {@code closeAfterMillis} of 0 or more they are closed that long after the reload (unless
     * the frontend came back meanwhile).
     *
     * @param kept the frontend names of the configuration now running
     * @return how many connections were scheduled to close
     */
    public int removedRoutes(java.util.Set<String> kept, long closeAfterMillis,
            java.util.concurrent.ScheduledExecutorService scheduler, java.util.function.Supplier<java.util.Set<String>> current) {
        if (closeAfterMillis < 0) {
            return 0;
        }
        List<Channel> orphans = new ArrayList<>();
        for (Channel ch : live) {
            String frontend = ch.attr(FRONTEND).get();
            if (frontend != null && !kept.contains(frontend)) {
                orphans.add(ch);
            }
        }
        if (!orphans.isEmpty()) {
            LOG.info("junction: {} connections of removed frontends will be closed in {} ms (junction.removed.close)",
                    orphans.size(), closeAfterMillis);
            scheduler.schedule(() -> {
                java.util.Set<String> now = current.get();
                int closed = 0;
                for (Channel ch : orphans) {
                    if (ch.isActive() && !now.contains(ch.attr(FRONTEND).get())) {
                        ch.close();
                        closed++;
                    }
                }
                counters.removedRouteClosed.add(closed);
            }, closeAfterMillis, TimeUnit.MILLISECONDS);
        }
        return orphans.size();
    }

    /** Admin thread: a bounded snapshot of the live connections. */
    public List<RouterAdmin.ConnectionInfo> connections(int limit) {
        List<RouterAdmin.ConnectionInfo> out = new ArrayList<>();
        long now = System.nanoTime();
        for (Channel ch : live) {
            if (out.size() >= limit) {
                break;
            }
            Long accepted = ch.attr(ACCEPTED).get();
            String server = ch.attr(SERVER).get();
            out.add(new RouterAdmin.ConnectionInfo(ch.attr(FRONTEND).get(), String.valueOf(ch.remoteAddress()),
                    server == null ? "(inspecting)" : server,
                    accepted == null ? 0 : TimeUnit.NANOSECONDS.toMillis(now - accepted)));
        }
        return out;
    }

    /** The local addresses actually bound, for logs and tests (port 0 binds get their port here). */
    public synchronized List<String> addresses() {
        List<String> out = new ArrayList<>();
        for (Bound b : bound.values()) {
            out.add(b.served.routes().name() + " " + display(b.channel.localAddress()));
        }
        return out;
    }

    /**
     * Config thread: closes every listening socket, then gives live connections up to
     * {@code graceMillis} to end by themselves before closing them.
     */
    public synchronized void shutdown(long graceMillis) {
        for (Bound b : bound.values()) {
            b.channel.close().awaitUninterruptibly(BIND_WAIT_MILLIS);
        }
        bound.clear();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        while (!live.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!live.isEmpty()) {
            LOG.info("junction: closing {} connections still open after the {} ms grace period", live.size(), graceMillis);
            live.close().awaitUninterruptibly(BIND_WAIT_MILLIS);
        }
    }
}
