package io.junction.core.internal.net;

import io.junction.api.ConnectRequest;
import io.junction.core.internal.route.BackendPool;
import io.junction.core.internal.route.CompiledConfig;
import io.junction.core.internal.route.FrontendRoutes;
import io.junction.core.internal.route.HealthCheck;
import io.junction.core.internal.route.ServerTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the health checks of every server with {@code check}: a TCP connect, or with
 * {@code option httpchk} an HTTP request whose status must be 2xx or 3xx (HAProxy's default
 * expectation). Checks run on Netty event loops, asynchronously, never blocking; each server's
 * next check is scheduled when the previous one ends, so checks of one server never overlap.
 * A server's state survives reloads ({@link io.junction.core.internal.route.ServerState}); a
 * reload only starts checks of new servers and stops those of removed ones.
 */
public final class HealthChecker {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    /** An HTTP status line is short; never buffer more of a check's answer than this. */
    static final int MAX_STATUS_LINE = 1024;

    private final Map<String, Check> running = new HashMap<>();

    /** Config thread: starts and stops checks to match {@code config}. */
    public synchronized void update(CompiledConfig config, EventLoopGroup loops) {
        Map<String, ServerTarget> wanted = new LinkedHashMap<>();
        for (FrontendRoutes f : config.frontends()) {
            for (BackendPool pool : f.reachableBackends()) {
                for (ServerTarget s : pool.servers()) {
                    if (s.check() != null && s.pendingReason() == null) {
                        wanted.put(s.state().key() + "|" + s.check().intervalMillis() + "|" + s.check().port()
                                + "|" + (s.check().httpRequest() != null), s);
                    }
                }
            }
        }
        for (var it = running.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey()) || loops == null) {
                e.getValue().stop();
                it.remove();
            }
        }
        if (loops == null) {
            return;
        }
        for (var e : wanted.entrySet()) {
            Check existing = running.get(e.getKey());
            if (existing != null) {
                existing.target = e.getValue();
                continue;
            }
            Check c = new Check(e.getValue(), loops.next());
            running.put(e.getKey(), c);
            c.schedule(0);
        }
    }

    /** Config thread: stops every check. */
    public synchronized void stop() {
        running.values().forEach(Check::stop);
        running.clear();
    }

    private static final class Check {
        volatile ServerTarget target;
        final EventLoop loop;
        volatile boolean stopped;
        volatile ScheduledFuture<?> next;

        Check(ServerTarget target, EventLoop loop) {
            this.target = target;
            this.loop = loop;
        }

        void stop() {
            stopped = true;
            ScheduledFuture<?> n = next;
            if (n != null) {
                n.cancel(false);
            }
        }

        void schedule(long delayMillis) {
            if (!stopped) {
                next = loop.schedule(this::run, delayMillis, TimeUnit.MILLISECONDS);
            }
        }

        /** Event loop: one check. */
        private void run() {
            if (stopped) {
                return;
            }
            ServerTarget s = target;
            HealthCheck hc = s.check();
            InetSocketAddress address = hc.port() > 0 ? new InetSocketAddress(s.address().getAddress(), hc.port())
                    : s.address();
            Probe probe = new Probe(hc.httpRequest());
            ChannelFuture connect;
            try {
                connect = s.connector().connect(new ConnectRequest(loop, address, probe,
                        (int) Math.min(Integer.MAX_VALUE, hc.timeoutMillis())));
            } catch (RuntimeException e) {
                finish(s, false, "check failed to start: " + e);
                return;
            }
            ScheduledFuture<?> timeout = loop.schedule(() -> probe.fail(connect.channel(), "timeout after "
                    + hc.timeoutMillis() + " ms"), hc.timeoutMillis(), TimeUnit.MILLISECONDS);
            probe.onDone = (ok, detail) -> {
                timeout.cancel(false);
                finish(s, ok, detail);
            };
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    probe.fail(connect.channel(), f.cause() == null ? "connect failed" : f.cause().toString());
                } else if (hc.httpRequest() == null) {
                    probe.succeed(connect.channel(), "TCP connect ok");
                } else {
                    connect.channel().writeAndFlush(Unpooled.wrappedBuffer(hc.httpRequest()));
                    connect.channel().read();
                }
            });
        }

        private void finish(ServerTarget s, boolean ok, String detail) {
            HealthCheck hc = s.check();
            if (s.state().record(ok, detail, hc.rise(), hc.fall())) {
                if (s.state().up()) {
                    LOG.warn("junction: server {} is UP ({}, {} consecutive successful checks)", s.id(), detail, hc.rise());
                } else {
                    LOG.warn("junction: server {} is DOWN ({}, {} consecutive failed checks)", s.id(), detail, hc.fall());
                }
            }
            schedule(hc.intervalMillis());
        }
    }

    /** The check connection's handler: reads an HTTP status line when asked to. */
    private static final class Probe extends ChannelInboundHandlerAdapter {
        final byte[] request;
        java.util.function.BiConsumer<Boolean, String> onDone;
        private boolean done;
        private ByteBuf head;

        Probe(byte[] request) {
            this.request = request;
        }

        void succeed(io.netty.channel.Channel ch, String detail) {
            complete(ch, true, detail);
        }

        void fail(io.netty.channel.Channel ch, String detail) {
            complete(ch, false, detail);
        }

        private void complete(io.netty.channel.Channel ch, boolean ok, String detail) {
            if (done) {
                return;
            }
            done = true;
            if (head != null) {
                head.release();
                head = null;
            }
            ch.close();
            if (onDone != null) {
                onDone.accept(ok, detail);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (done) {
                    return;
                }
                if (head == null) {
                    head = ctx.alloc().heapBuffer(128, MAX_STATUS_LINE);
                }
                head.writeBytes(in, Math.min(in.readableBytes(), head.maxWritableBytes()));
            } finally {
                in.release();
            }
            int eol = head.indexOf(head.readerIndex(), head.writerIndex(), (byte) '\n');
            if (eol < 0) {
                if (!head.isWritable()) {
                    fail(ctx.channel(), "HTTP check: no status line in " + MAX_STATUS_LINE + " bytes");
                } else {
                    ctx.read();
                }
                return;
            }
            // RFC 9112 section 4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
            String line = head.toString(head.readerIndex(), eol - head.readerIndex(), StandardCharsets.ISO_8859_1).strip();
            String[] parts = line.split(" ", 3);
            int status = -1;
            if (parts.length >= 2 && parts[0].startsWith("HTTP/")) {
                try {
                    status = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    status = -1;
                }
            }
            if (status >= 200 && status < 400) {
                succeed(ctx.channel(), "HTTP check: " + status);
            } else {
                fail(ctx.channel(), "HTTP check: " + (status < 0 ? "bad status line '" + line + "'" : "status " + status));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(ctx.channel(), request == null ? "closed" : "HTTP check: closed before a status line");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx.channel(), cause.toString());
        }
    }
}
