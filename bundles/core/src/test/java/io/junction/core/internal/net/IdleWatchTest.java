package io.junction.core.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The inactivity watch of a relayed pair, on Netty's embedded channels (one thread, a manual clock). */
class IdleWatchTest {

    private EmbeddedChannel client;
    private EmbeddedChannel server;
    private final Counters counters = new Counters();

    /** Holds a channel open and does nothing (the tail releases what arrives). */
    @ChannelHandler.Sharable
    static final class Quiet extends ChannelInboundHandlerAdapter {
    }

    private IdleWatch pair(long timeoutMillis) {
        client = new EmbeddedChannel();
        server = new EmbeddedChannel();
        Relay toServer = new Relay(server);
        Relay toClient = new Relay(client);
        client.pipeline().addLast(toServer);
        server.pipeline().addLast(toClient);
        IdleWatch watch = new IdleWatch(client, server, timeoutMillis, counters);
        toServer.watch(watch);
        toClient.watch(watch);
        watch.start();
        return watch;
    }

    /**
     * A closed pair leaves no timer behind: a pending check would keep both channels reachable
     * until the timeout (minutes), which is how the heap grew with the connection rate. On a
     * real event loop (an embedded channel cancels its loop's timers itself when it closes).
     */
    @Test
    void closingEitherSideCancelsThePendingCheck() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        try {
            LocalAddress address = new LocalAddress(IdleWatchTest.class);
            Channel listener = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                    .childHandler(new Quiet()).bind(address).sync().channel();
            Bootstrap connect = new Bootstrap().group(group).channel(LocalChannel.class)
                    .handler(new Quiet());
            Channel a = connect.connect(address).sync().channel();
            Channel b = connect.connect(address).sync().channel();
            IdleWatch watch = new IdleWatch(a, b, 300_000, counters);
            group.next().submit(() -> {
                Relay toB = new Relay(b);
                Relay toA = new Relay(a);
                a.pipeline().addLast(toB);
                b.pipeline().addLast(toA);
                toB.watch(watch);
                toA.watch(watch);
                watch.start();
            }).sync();
            assertTrue(group.next().submit(watch::pending).get(5, TimeUnit.SECONDS), "a check is pending while open");
            b.close().sync();
            a.closeFuture().await(5, TimeUnit.SECONDS);
            assertFalse(a.isOpen(), "the relay closed the other side");
            assertFalse(group.next().submit(watch::pending).get(5, TimeUnit.SECONDS), "no check left once closed");
            listener.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aPairWithoutTrafficIsClosedAfterTheTimeout() {
        pair(50);
        client.advanceTimeBy(60, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertFalse(client.isOpen());
        assertFalse(server.isOpen());
        assertEquals(1, counters.idleTimeout.sum());
        server.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    @Test
    void trafficPostponesTheTimeout() {
        pair(50);
        client.advanceTimeBy(40, TimeUnit.MILLISECONDS);
        client.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
        client.advanceTimeBy(20, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertTrue(client.isOpen(), "data 20 ms ago: not idle yet");
        client.advanceTimeBy(40, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertFalse(client.isOpen());
        server.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }
}
