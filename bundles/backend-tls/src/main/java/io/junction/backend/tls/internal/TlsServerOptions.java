package io.junction.backend.tls.internal;

import io.junction.api.Facts;
import io.junction.api.ServerOption;
import io.netty.channel.Channel;

/**
 * The compiled options of a server line's TLS keywords. {@code ssl} compiles to {@link Ssl},
 * which wraps the connection; the others to {@link Setting}s whose settings live in the line's
 * {@link ServerTls}. All stand at {@link ServerOption#STAGE_WRAP}: after socket options and
 * after a PROXY header, which goes out in clear before the handshake, as in HAProxy.
 */
final class TlsServerOptions {
    private TlsServerOptions() {
    }

    /** {@code ssl}: TLS towards the server. */
    static final class Ssl implements ServerOption {
        private final ServerTls tls;

        Ssl(ServerTls tls) {
            this.tls = tls;
        }

        /** Config time: TLS wraps the stream, after socket options and a PROXY header. */
        @Override
        public int stage() {
            return STAGE_WRAP;
        }

        /**
         * Event loop, once connected: adds the client TLS handler; see
         * {@link ServerTls#connected}. Never blocks.
         */
        @Override
        public void connected(Channel outbound, Facts facts) {
            tls.connected(outbound, facts);
        }

        ServerTls tls() {
            return tls;
        }

        @Override
        public String toString() {
            return "ssl";
        }
    }

    /** {@code ca-file}, {@code sni}, ...: a setting of the line's {@link ServerTls}; nothing per connection. */
    static final class Setting implements ServerOption {
        private final String text;
        private final boolean clientSpecific;

        Setting(String text, boolean clientSpecific) {
            this.text = text;
            this.clientSpecific = clientSpecific;
        }

        /** Config time: with the {@code ssl} option it belongs to. */
        @Override
        public int stage() {
            return STAGE_WRAP;
        }

        /**
         * True for {@code sni EXPR}: the server name comes from one client's request (its Host
         * header, its SNI), so a server connection opened with it serves that client only.
         * Any thread; a constant.
         */
        @Override
        public boolean clientSpecific() {
            return clientSpecific;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
