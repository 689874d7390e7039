package io.junction.listener.tls.internal;

import io.junction.api.BindOption;
import io.junction.api.BindRequest;
import io.junction.api.Facts;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SniHandler;

/**
 * The compiled options of a bind line's TLS keywords. {@code ssl} compiles to {@link Ssl}, which
 * terminates TLS; the other keywords compile to {@link Setting}s, which do nothing at accept:
 * their settings live in the line's {@link BindTls}.
 */
final class TlsBindOptions {

    /**
     * Largest ClientHello handshake message accepted: 32 KiB. Classic hellos are under 1 KiB,
     * post-quantum key shares bring them to about 2 KiB, and up to 16 KiB have been seen
     * (HAProxy issue #3148); a hello needs at most two full records. The SNI handler buffers
     * this much at most per connection before choosing a certificate.
     */
    static final int MAX_CLIENT_HELLO_BYTES = 32 * 1024;

    /**
     * How long the client may take to send its ClientHello: 10 s, Netty's default and HAProxy's
     * usual {@code timeout client} order of magnitude. The core's inspect delay (5 s by default)
     * usually ends a silent connection first.
     */
    static final long CLIENT_HELLO_TIMEOUT_MILLIS = 10_000;

    /** Pipeline name of the TLS handler (the SNI handler, then the SslHandler that replaces it). */
    static final String TLS_HANDLER = "junction-tls";

    private TlsBindOptions() {
    }

    /** {@code ssl}: terminates TLS on every connection of the bind. */
    static final class Ssl implements BindOption {
        private final BindTls tls;
        private final CertificateReloader reloader;
        private final TlsCounters counters;

        Ssl(BindTls tls, CertificateReloader reloader, TlsCounters counters) {
            this.tls = tls;
            this.reloader = reloader;
            this.counters = counters;
        }

        /**
         * Config thread, before the socket binds: checks the whole line (e.g. {@code ssl} without
         * {@code crt}), builds the TLS contexts if not done yet and starts watching the
         * certificate files. Blocks only briefly (CPU).
         *
         * @throws IllegalStateException with the line's problem
         */
        @Override
        public void prepare(BindRequest request) {
            tls.prepare(reloader);
        }

        /**
         * Event loop, at accept: adds the SNI handler (which reads the ClientHello, picks the
         * certificate and replaces itself with Netty's SslHandler) and the {@link TlsGate}
         * behind it. They are added <em>last</em>: a PROXY protocol decoder ({@code accept-proxy},
         * {@code expect-proxy}) adds itself at the head, so the PROXY header is read in clear
         * before the TLS handshake whichever order the options were written in, as HAProxy
         * requires ({@code bind ... ssl crt X accept-proxy}). The core adds its own handler after
         * all bind options, so ours stand before it. Allocates the two handlers; never blocks.
         *
         * @throws IllegalStateException when the line cannot serve TLS (the core closes the
         *         connection and counts it)
         */
        @Override
        public void accepted(Channel client, Facts facts) {
            tls.ready();
            tls.register(reloader);
            SniHandler sni = new SniHandler(tls, MAX_CLIENT_HELLO_BYTES, CLIENT_HELLO_TIMEOUT_MILLIS);
            ChannelPipeline p = client.pipeline();
            p.addLast(TLS_HANDLER, sni);
            p.addLast(TlsGate.NAME, new TlsGate(facts, counters, sni, tls.location()));
        }

        /** The core waits for the handshake before evaluating rules: true. */
        @Override
        public boolean defersInspection() {
            return true;
        }

        /** {@code ssl_fc} is true on this bind's connections. */
        @Override
        public boolean terminatesTls() {
            return true;
        }

        BindTls tls() {
            return tls;
        }

        @Override
        public String toString() {
            return "ssl";
        }
    }

    /** {@code crt}, {@code alpn}, ...: contributes to the line's {@link BindTls}, nothing at accept. */
    static final class Setting implements BindOption {
        private final String text;
        private final BindTls tls;

        Setting(String text, BindTls tls) {
            this.text = text;
            this.tls = tls;
        }

        /**
         * Config thread, before the socket binds: refuses a TLS setting on a line without
         * {@code ssl} (the check the parser could not make when another bundle's keyword ended
         * the line).
         */
        @Override
        public void prepare(BindRequest request) {
            String problem = tls.problem();
            if (problem != null) {
                throw new IllegalStateException(problem);
            }
        }

        BindTls tls() {
            return tls;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
