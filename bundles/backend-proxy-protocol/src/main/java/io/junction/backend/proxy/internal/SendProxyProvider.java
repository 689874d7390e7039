package io.junction.backend.proxy.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.ServerOption;
import io.junction.api.ServerOptionProvider;
import io.junction.api.Words;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server options that send a PROXY protocol header to the server (HAProxy configuration
 * manual 5.2, "Server and default-server options"):
 * <ul>
 *   <li>{@code send-proxy}: a version 1 header (spec 2.1);</li>
 *   <li>{@code send-proxy-v2}: a version 2 header (spec 2.2);</li>
 *   <li>{@code send-proxy-v2-ssl}: version 2 with the {@code PP2_TYPE_SSL} TLV;</li>
 *   <li>{@code send-proxy-v2-ssl-cn}: the same; HAProxy adds the client certificate's CN, which
 *       no fact carries here, so that sub-TLV is not sent (a warning says so at config time);</li>
 *   <li>{@code proxy-v2-options OPT[,OPT]*}: TLVs for a version 2 header: {@code authority}
 *       (the SNI), {@code ssl}, {@code crc32c}, and Junction's {@code alpn} (the client's first
 *       offered ALPN protocol); {@code cert-cn}, {@code cert-sig}, {@code cert-key} and
 *       {@code ssl-cipher} are accepted as HAProxy accepts them (they imply {@code ssl}) but
 *       their sub-TLVs are not sent, with a warning; {@code unique-id} is an error (Junction has
 *       no {@code unique-id-format}).</li>
 * </ul>
 * As in HAProxy ({@code srv_parse_proxy_v2_options} only sets option bits), {@code proxy-v2-options}
 * alone sends nothing: it adds TLVs to the header that {@code send-proxy-v2} or
 * {@code send-proxy-v2-ssl} on the same line sends. With both {@code send-proxy} and
 * {@code send-proxy-v2} on one line, only the version 2 header is sent ({@code make_proxy_line}).
 *
 * <p><b>One header per connection.</b> Each keyword on a line is parsed separately into its own
 * {@link ServerOption}, but together they describe one header. The options of one line share a
 * {@link LineState}, found through the {@link ConfigContext} the core passes for the line (the
 * same object for every option of one line, a new one for every line and every compilation),
 * and only the first of them writes the header. Should a core ever pass different contexts for
 * one line, each option would write its own header; a channel attribute makes sure that at most
 * one header is ever written on a connection.
 *
 * <p>The header is written in {@link ServerOption#connected} at {@link ServerOption#STAGE_PREFIX},
 * so it precedes every client byte, and precedes a TLS handshake to the server that a
 * {@link ServerOption#STAGE_WRAP} option starts afterwards (spec 2.1, "sent immediately and at
 * once upon the connection establishment and prepended before any data").
 */
@Component(service = ServerOptionProvider.class, property = {
    ServerOptionProvider.KEYWORDS + "=send-proxy",
    ServerOptionProvider.KEYWORDS + "=send-proxy-v2",
    ServerOptionProvider.KEYWORDS + "=send-proxy-v2-ssl",
    ServerOptionProvider.KEYWORDS + "=send-proxy-v2-ssl-cn",
    ServerOptionProvider.KEYWORDS + "=proxy-v2-options"
})
public final class SendProxyProvider implements ServerOptionProvider {
    private static final Logger LOG = LoggerFactory.getLogger(SendProxyProvider.class);

    /** Set on an outbound channel once a header was written on it. */
    static final AttributeKey<Boolean> HEADER_WRITTEN = AttributeKey.valueOf(SendProxyProvider.class, "headerWritten");

    /**
     * The lines parsed last, searched by the identity of their context. The core parses a line's
     * options one after the other, so the line being parsed is always among the last few; four
     * entries leave room for compilations running side by side on other threads. An instance
     * field (not a static or thread-local one), so that nothing outlives this component.
     */
    private final LineState[] recentLines = new LineState[4];
    private int nextSlot;

    /** What the keywords of one server line ask for, merged. */
    static final class LineState {
        final ConfigContext context;
        /** Union of the plan bits of the line's keywords; complete once the line is parsed. */
        volatile int bits;
        /** The option that writes the header: the first one parsed on the line. */
        volatile HeaderOption writer;

        LineState(ConfigContext context) {
            this.context = context;
        }
    }

    /**
     * Config time (the core's configuration thread), does not block (it synchronizes briefly
     * with parses on other threads): parses one keyword (and, for {@code proxy-v2-options}, its
     * one argument).
     *
     * @throws ConfigException for a missing or unknown {@code proxy-v2-options} option, or
     *         {@code unique-id}
     */
    @Override
    public ServerOption parse(String keyword, Words args, ConfigContext context) throws ConfigException {
        int bits = switch (keyword) {
            case "send-proxy" -> ProxyHeaderWriter.V1;
            case "send-proxy-v2" -> ProxyHeaderWriter.V2;
            case "send-proxy-v2-ssl" -> ProxyHeaderWriter.V2 | ProxyHeaderWriter.SSL;
            case "send-proxy-v2-ssl-cn" -> {
                unavailable(context, keyword, "the client certificate's CN (PP2_SUBTYPE_SSL_CN)");
                yield ProxyHeaderWriter.V2 | ProxyHeaderWriter.SSL;
            }
            case "proxy-v2-options" -> v2Options(args.next("a comma-separated list of PROXY v2 options, "
                    + "e.g. authority,alpn,ssl,crc32c"), context);
            default -> throw new ConfigException("'" + keyword + "': not a server option of the PROXY protocol bundle");
        };
        synchronized (recentLines) {
            LineState line = null;
            for (LineState candidate : recentLines) {
                if (candidate != null && candidate.context == context) {
                    line = candidate;
                    break;
                }
            }
            if (line == null) {
                line = new LineState(context);
                recentLines[nextSlot] = line;
                nextSlot = (nextSlot + 1) % recentLines.length;
            }
            line.bits |= bits;
            HeaderOption option = new HeaderOption(line, keyword);
            if (line.writer == null) {
                line.writer = option;
            }
            return option;
        }
    }

    /** {@code proxy-v2-options}: HAProxy's option words, plus {@code alpn}. */
    static int v2Options(String list, ConfigContext context) throws ConfigException {
        int bits = 0;
        for (String option : list.split(",", -1)) {
            switch (option) {
                case "authority" -> bits |= ProxyHeaderWriter.AUTHORITY;
                case "alpn" -> bits |= ProxyHeaderWriter.ALPN;
                case "ssl" -> bits |= ProxyHeaderWriter.SSL;
                case "crc32c" -> bits |= ProxyHeaderWriter.CRC32C_TLV;
                case "cert-cn", "cert-sig", "cert-key", "ssl-cipher" -> {
                    unavailable(context, "proxy-v2-options " + option, "this sub-TLV of PP2_TYPE_SSL");
                    bits |= ProxyHeaderWriter.SSL;
                }
                case "unique-id" -> throw new ConfigException("proxy-v2-options unique-id is not supported: Junction "
                        + "has no unique-id-format to generate the ID from");
                default -> throw new ConfigException("proxy-v2-options: unknown option '" + option
                        + "' (known: authority, alpn, ssl, crc32c, cert-cn, cert-sig, cert-key, ssl-cipher)");
            }
        }
        return bits;
    }

    private static void unavailable(ConfigContext context, String what, String missing) {
        LOG.warn("{}: '{}' accepted; {} is not sent: no installed bundle provides that information", context.location(),
                what, missing);
    }

    /**
     * One keyword of a server line. Immutable after the line is parsed; shared by every
     * connection to that server.
     */
    static final class HeaderOption implements ServerOption {
        private final LineState line;
        private final String keyword;

        HeaderOption(LineState line, String keyword) {
            this.line = line;
            this.keyword = keyword;
        }

        /** Bytes that precede every other: {@link ServerOption#STAGE_PREFIX}. */
        @Override
        public int stage() {
            return STAGE_PREFIX;
        }

        /** The header carries one client's addresses: its connection is that client's alone. */
        @Override
        public boolean clientSpecific() {
            return true;
        }

        /**
         * Event loop of {@code outbound}, once it is connected and before any client byte is
         * relayed; does not block. The line's writer writes the header (allocated here, released
         * by Netty once written); the line's other options do nothing. Nothing is written when
         * the line has only {@code proxy-v2-options}.
         */
        @Override
        public void connected(Channel outbound, Facts facts) {
            if (line.writer != this) {
                return;
            }
            int bits = line.bits;
            if ((bits & (ProxyHeaderWriter.V1 | ProxyHeaderWriter.V2)) == 0) {
                return;
            }
            if (outbound.attr(HEADER_WRITTEN).setIfAbsent(Boolean.TRUE) != null) {
                return;
            }
            ProxyHeaderWriter.write(outbound, facts, bits);
        }

        int bits() {
            return line.bits;
        }

        boolean writes() {
            return line.writer == this;
        }

        @Override
        public String toString() {
            return keyword;
        }
    }
}
