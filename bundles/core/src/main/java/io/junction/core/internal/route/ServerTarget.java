package io.junction.core.internal.route;

import io.junction.api.ConnectRequest;
import io.junction.api.Connector;
import io.junction.api.Facts;
import io.junction.api.ServerOption;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;

/**
 * A compiled {@code server} line. Immutable.
 *
 * @param backend the backend (or listen) section it belongs to
 * @param name the server's name
 * @param address where to connect; port 0 means "the port the client connected to" (HAProxy:
 *        a server address without a port)
 * @param weight 0: reachable only through {@code use-server}; otherwise its share in the rotation
 * @param connector opens the connection
 * @param options the server options in {@link ServerOption#stage()} order
 * @param pendingReason why this server cannot be used yet (an option's bundle is missing), or null
 * @param connectTimeoutMillis {@code timeout connect} of its backend
 * @param state health and connection count, kept across reloads
 * @param check health check settings, or null when the server is not checked
 */
public record ServerTarget(String backend, String name, InetSocketAddress address, int weight, Connector connector,
        ServerOption[] options, String pendingReason, int connectTimeoutMillis, ServerState state, HealthCheck check) {

    /** Whether new connections may go to this server: usable and not found down by its checks. */
    public boolean available() {
        return pendingReason == null && state.up();
    }

    public String id() {
        return backend + "/" + name;
    }

    /**
     * Event loop: opens a connection to this server on {@code loop} with {@code handler} first
     * in its pipeline, every server option applied in stage order (prepare before the connect,
     * connected after it). The returned future succeeds only once every option's
     * {@code connected} ran; it fails when an option refuses the connection or the connect
     * fails. When an option added a TLS handler, the future succeeds only after the handshake did.
     * Never blocks.
     */
    public ChannelFuture open(EventLoop loop, ChannelHandler handler, Facts facts) {
        InetSocketAddress remote = address;
        if (remote.getPort() == 0) {
            remote = new InetSocketAddress(remote.getAddress(), facts.destination().getPort());
        }
        ConnectRequest request = new ConnectRequest(loop, remote, handler, connectTimeoutMillis);
        request.option(ChannelOption.ALLOW_HALF_CLOSURE, Boolean.TRUE);
        for (ServerOption option : options) {
            option.prepare(request, facts);
        }
        ChannelFuture connect = connector.connect(request);
        Channel channel = connect.channel();
        state.opened();
        channel.closeFuture().addListener(f -> state.closed());
        ChannelPromise done = channel.newPromise();
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                done.tryFailure(f.cause());
                return;
            }
            try {
                for (ServerOption option : options) {
                    option.connected(channel, facts);
                }
            } catch (RuntimeException e) {
                channel.close();
                done.tryFailure(e);
                return;
            }
            // A TLS option (ssl ca-file ...) adds an SslHandler: the connection is usable once the
            // handshake verified the server, so that a bad certificate is a failed connect (503
            // in HTTP mode) rather than a connection that dies after the request was sent.
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls == null) {
                done.trySuccess();
                return;
            }
            channel.read();
            tls.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    done.trySuccess();
                } else {
                    channel.close();
                    done.tryFailure(h.cause());
                }
            });
        });
        return done;
    }

    @Override
    public String toString() {
        return id();
    }
}
