package io.junction.listener.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.BindOption;
import io.junction.api.BindRequest;
import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.Words;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TcpBindOptionsTest {
    private NettyTransport transport;

    @AfterEach
    void stop() {
        if (transport != null) {
            assertTrue(transport.shutdown());
        }
    }

    private TcpBindOptions options(TransportKind kind, String reason) {
        transport = new NettyTransport(kind, 1);
        return new TcpBindOptions(transport, reason);
    }

    static final class ListWords implements Words {
        final Deque<String> words;

        ListWords(String... words) {
            this.words = new ArrayDeque<>(Arrays.asList(words));
        }

        @Override
        public boolean hasNext() {
            return !words.isEmpty();
        }

        @Override
        public String peek() {
            return words.peek();
        }

        @Override
        public String next(String what) throws ConfigException {
            if (words.isEmpty()) {
                throw new ConfigException("missing " + what);
            }
            return words.poll();
        }
    }

    static final ConfigContext CONTEXT = new ConfigContext() {
        @Override
        public String location() {
            return "test.cfg:1";
        }

        @Override
        public Path resolve(String path) {
            return Path.of(path);
        }

        @Override
        public Fetch fetch(String expression) throws ConfigException {
            throw new ConfigException("no fetches in this test");
        }
    };

    private static BindRequest request() {
        return new BindRequest(new InetSocketAddress(0), StandardProtocolFamily.INET6,
                new ChannelInboundHandlerAdapter());
    }

    @Test
    void v4v6AndV6onlySetTheRequest() throws ConfigException {
        TcpBindOptions p = options(TransportKind.NIO, "test");
        BindRequest r = request().v6only(true);
        p.parse("v4v6", new ListWords(), CONTEXT).prepare(r);
        assertEquals(Boolean.FALSE, r.v6only());
        p.parse("v6only", new ListWords(), CONTEXT).prepare(r);
        assertEquals(Boolean.TRUE, r.v6only());
    }

    @Test
    void backlogSetsSoBacklogAndConsumesOneWord() throws ConfigException {
        ListWords words = new ListWords("1024", "accept-proxy");
        BindRequest r = request();
        options(TransportKind.NIO, "test").parse("backlog", words, CONTEXT).prepare(r);
        assertEquals(1024, r.options().get(ChannelOption.SO_BACKLOG));
        assertEquals("accept-proxy", words.peek());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "ten", "99999999999"})
    void backlogRejectsWhatIsNotAPositiveInteger(String word) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> options(TransportKind.NIO, "test").parse("backlog", new ListWords(word), CONTEXT));
        assertTrue(e.getMessage().contains("'" + word + "' is not a positive integer"), e.getMessage());
    }

    @Test
    void backlogWithoutAWordIsAnError() {
        assertThrows(ConfigException.class,
                () -> options(TransportKind.NIO, "test").parse("backlog", new ListWords(), CONTEXT));
    }

    @Test
    void transparentOnNioIsAConfigErrorThatSaysWhy() {
        ConfigException e = assertThrows(ConfigException.class, () -> options(TransportKind.NIO,
                "epoll was requested but is unavailable: no native library").parse("transparent", new ListWords(),
                CONTEXT));
        assertEquals("transparent needs the epoll or io_uring transport; this host runs nio because "
                + "epoll was requested but is unavailable: no native library", e.getMessage());
    }

    static java.util.stream.Stream<TransportKind> nativeKinds() {
        return Hosts.availableKinds().filter(k -> k != TransportKind.NIO);
    }

    @ParameterizedTest
    @MethodSource("nativeKinds")
    void transparentOnANativeTransportSetsItsOption(TransportKind kind) throws ConfigException {
        TcpBindOptions p = options(kind, "test");
        BindRequest r = request();
        BindOption o = p.parse("transparent", new ListWords(), CONTEXT);
        o.prepare(r);
        assertEquals(Boolean.TRUE, r.options().get(transport.ipTransparent()));
        assertEquals(1, r.options().size());
    }

    @Test
    void anUnknownKeywordIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> options(TransportKind.NIO, "test").parse("ssl", new ListWords(), CONTEXT));
        assertTrue(e.getMessage().contains("'ssl'"), e.getMessage());
    }

    @Test
    void v4v6TouchesNothingElse() throws ConfigException {
        BindRequest r = request();
        options(TransportKind.NIO, "test").parse("v4v6", new ListWords(), CONTEXT).prepare(r);
        assertTrue(r.options().isEmpty());
        assertNull(r.options().get(ChannelOption.SO_BACKLOG));
    }
}
