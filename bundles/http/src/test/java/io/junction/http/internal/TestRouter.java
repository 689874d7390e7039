package io.junction.http.internal;

import io.junction.api.Facts;
import io.junction.api.HeaderEditor;
import io.junction.api.RequestRoute;
import io.junction.api.RequestRouter;
import io.junction.api.WellKnownFacts;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * What the core hands the HTTP mode, reduced to what tests decide: options, timeouts, and a
 * routing function. It records what each request looked like to the router, which is what
 * proves that the mode stored the request's facts before routing.
 */
final class TestRouter implements RequestRouter {
    volatile Set<String> options = Set.of();
    final Map<String, Long> timeouts = new ConcurrentHashMap<>(Map.of(
            "connect", 2_000L, "client", 10_000L, "server", 10_000L, "tunnel", 10_000L,
            "http-request", 5_000L, "http-keep-alive", 5_000L));
    volatile Function<Facts, RequestRoute> routing = f -> status(503);
    final List<String> hosts = Collections.synchronizedList(new ArrayList<>());
    final List<String> requestLines = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger routed = new AtomicInteger();

    @Override
    public String frontend() {
        return "fe-test";
    }

    @Override
    public Set<String> options() {
        return options;
    }

    @Override
    public long timeout(String name) {
        Long t = timeouts.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown timeout " + name);
        }
        return t;
    }

    @Override
    public RequestRoute route(Facts request, HeaderEditor headers) {
        routed.incrementAndGet();
        HeaderEditor fromFacts = request.get(WellKnownFacts.HTTP_HEADERS);
        hosts.add(fromFacts == null ? "(no headers fact)" : fromFacts.get("host"));
        requestLines.add(request.get(WellKnownFacts.HTTP_METHOD) + " " + request.get(WellKnownFacts.HTTP_URI));
        return routing.apply(request);
    }

    /** Routes by the Host the headers fact holds: the first key that the host starts with. */
    static Function<Facts, RequestRoute> byHost(Map<String, RequestRoute> routes, RequestRoute fallback) {
        return f -> {
            HeaderEditor h = f.get(WellKnownFacts.HTTP_HEADERS);
            String host = h == null ? null : h.get("host");
            if (host != null) {
                for (Map.Entry<String, RequestRoute> e : routes.entrySet()) {
                    if (host.toLowerCase().startsWith(e.getKey())) {
                        return e.getValue();
                    }
                }
            }
            return fallback;
        };
    }

    static RequestRoute status(int status) {
        return new RequestRoute() {
            @Override
            public int status() {
                return status;
            }

            @Override
            public String serverId() {
                return null;
            }

            @Override
            public ChannelFuture connect(EventLoop loop, ChannelHandler handler, Facts facts) {
                throw new AssertionError("a status route is never connected");
            }
        };
    }

    /** A server reached with a real NIO connection, as backend-plain's connector opens it. */
    static final class ServerRoute implements RequestRoute {
        final String id;
        final InetSocketAddress address;
        final AtomicInteger connects = new AtomicInteger();
        final List<io.netty.channel.Channel> channels = new java.util.concurrent.CopyOnWriteArrayList<>();

        ServerRoute(String id, InetSocketAddress address) {
            this.id = id;
            this.address = address;
        }

        @Override
        public int status() {
            return 0;
        }

        @Override
        public String serverId() {
            return id;
        }

        @Override
        public ChannelFuture connect(EventLoop loop, ChannelHandler handler, Facts facts) {
            connects.incrementAndGet();
            ChannelFuture f = new Bootstrap()
                    .group(loop)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, Boolean.FALSE)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, Boolean.TRUE)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
                    .handler(handler)
                    .connect(address);
            channels.add(f.channel());
            return f;
        }
    }
}
