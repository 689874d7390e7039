package io.junction.backend.transparent.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.Transport;
import io.junction.api.Words;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/** Small stand-ins for the SPI types this bundle is handed by the core and listener-tcp. */
final class Fakes {
    /** Plays the epoll transport's IP_TRANSPARENT (a named constant; never set on a socket here). */
    static final ChannelOption<Boolean> IP_TRANSPARENT = ChannelOption.valueOf("JUNCTION_TEST_IP_TRANSPARENT");

    private Fakes() {
    }

    /** A transport that only answers name() and ipTransparent(); no event loops. */
    static Transport transport(String name, ChannelOption<Boolean> ipTransparent) {
        return new Transport() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public EventLoopGroup acceptGroup() {
                throw new UnsupportedOperationException();
            }

            @Override
            public EventLoopGroup workerGroup() {
                throw new UnsupportedOperationException();
            }

            @Override
            public ChannelFactory<? extends ServerChannel> serverChannelFactory(StandardProtocolFamily family) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ChannelFactory<? extends Channel> socketChannelFactory(StandardProtocolFamily family) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ChannelOption<Boolean> ipTransparent() {
                return ipTransparent;
            }
        };
    }

    /** The words of a line, split on spaces. */
    static final class LineWords implements Words {
        final Deque<String> words;

        LineWords(String line) {
            words = new ArrayDeque<>(Arrays.asList(line.trim().split("\\s+")));
            if (line.isBlank()) {
                words.clear();
            }
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
            return "test.cfg:7";
        }

        @Override
        public Path resolve(String path) {
            return Path.of(path);
        }

        @Override
        public Fetch fetch(String expression) throws ConfigException {
            throw new ConfigException("no fetches here");
        }
    };

    /** Facts with just the two addresses. */
    static Facts facts(InetSocketAddress source, InetSocketAddress destination) {
        return new Facts() {
            @Override
            public InetSocketAddress source() {
                return source;
            }

            @Override
            public InetSocketAddress destination() {
                return destination;
            }

            @Override
            public void overrideAddresses(InetSocketAddress s, InetSocketAddress d) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean tlsTerminated() {
                return false;
            }

            @Override
            public boolean inspectionEnded() {
                return true;
            }

            @Override
            public <T> T get(FactKey<T> key) {
                return null;
            }

            @Override
            public <T> void put(FactKey<T> key, T value) {
                throw new UnsupportedOperationException();
            }
        };
    }
}
