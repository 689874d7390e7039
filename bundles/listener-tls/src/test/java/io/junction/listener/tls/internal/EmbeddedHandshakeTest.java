package io.junction.listener.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.BindOption;
import io.junction.api.InspectionReady;
import io.junction.listener.tls.internal.TestPki.KeyFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The handshake through the bind option's handlers in an {@link EmbeddedChannel}, driven by a
 * JDK client engine, with the client's bytes fed whole, in 50-byte pieces and byte by byte: the
 * ClientHello is read across reads, the certificate is chosen by SNI, the gate fires once and
 * leaves, and no buffer leaks (the leak guard runs at PARANOID).
 */
class EmbeddedHandshakeTest {
    private static TestPki pki;
    private static TestPki.Identity app1;
    private static TestPki.Identity other;

    @TempDir
    Path dir;

    private TlsBindProvider provider;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create("Embedded CA");
        other = pki.leaf(false, "other.example.com");
        app1 = pki.leaf(true, "app1.example.com");
    }

    @AfterEach
    void close() {
        provider.deactivate();
    }

    /** Stand-in for the core: counts InspectionReady, keeps what reaches it. */
    static final class Core extends ChannelInboundHandlerAdapter {
        int ready;
        List<String> pipelineAtReady;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == InspectionReady.INSTANCE) {
                ready++;
                pipelineAtReady = List.copyOf(ctx.pipeline().names());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 50, 1 << 16})
    void theHandshakeCompletesWhateverTheReadSizes(int piece) throws Exception {
        other.write(dir.resolve("other.pem"), KeyFormat.PKCS8);
        app1.write(dir.resolve("app1.pem"), KeyFormat.TRADITIONAL);
        provider = TlsBindProvider.create(0);
        List<BindOption> options = TestConfig.bind(provider, null, dir, "ssl crt other.pem crt app1.pem");
        EmbeddedChannel ch = new EmbeddedChannel();
        TestFacts facts = new TestFacts(new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 443),
                true);
        for (BindOption o : options) {
            o.accepted(ch, facts);
        }
        Core core = new Core();
        ch.pipeline().addLast("junction", core);

        SSLEngine client = pki.clientContext(null).createSSLEngine("app1.example.com", 443);
        client.setUseClientMode(true);
        SSLParameters p = client.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("app1.example.com")));
        client.setSSLParameters(p);
        client.beginHandshake();

        ByteBuffer toServer = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        ByteBuffer fromServer = ByteBuffer.allocate(1 << 17);
        ByteBuffer app = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
        boolean clientDone = false;
        for (int round = 0; round < 200 && !(clientDone && core.ready > 0); round++) {
            HandshakeStatus hs = client.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = client.getDelegatedTask()) != null) {
                    task.run();
                }
            } else if (hs == HandshakeStatus.NEED_WRAP) {
                toServer.clear();
                client.wrap(ByteBuffer.allocate(0), toServer);
                toServer.flip();
                feed(ch, toServer, piece);
            } else if (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                drain(ch, fromServer);
                fromServer.flip();
                SSLEngineResult r = client.unwrap(fromServer, app);
                fromServer.compact();
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && !hasOutbound(ch)) {
                    throw new AssertionError("the server stopped answering in round " + round + " (" + hs + ")");
                }
            } else {
                clientDone = true;
                ch.runPendingTasks();
            }
        }
        assertTrue(clientDone, "client handshake finished");
        assertEquals(1, core.ready);
        assertEquals(app1.cert(), client.getSession().getPeerCertificates()[0]);
        assertEquals("app1.example.com", facts.get(TlsFacts.SNI));
        assertFalse(core.pipelineAtReady.contains(TlsGate.NAME));
        assertTrue(ch.pipeline().get(SslHandler.class) != null);
        assertNull(ch.pipeline().get(TlsGate.NAME));
        ch.finishAndReleaseAll();
        assertEquals(1, provider.counters().handshakes.sum());
    }

    private static void feed(EmbeddedChannel ch, ByteBuffer bytes, int piece) {
        while (bytes.hasRemaining()) {
            int n = Math.min(piece, bytes.remaining());
            ByteBuf b = Unpooled.buffer(n);
            for (int i = 0; i < n; i++) {
                b.writeByte(bytes.get());
            }
            ch.writeInbound(b);
        }
    }

    private static boolean hasOutbound(EmbeddedChannel ch) {
        return !ch.outboundMessages().isEmpty();
    }

    private static void drain(EmbeddedChannel ch, ByteBuffer into) {
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            try {
                while (out.isReadable()) {
                    into.put(out.readByte());
                }
            } finally {
                out.release();
            }
        }
    }
}
