package io.junction.listener.tcp.internal;

import io.junction.api.BindOption;
import io.junction.api.BindOptionProvider;
import io.junction.api.BindRequest;
import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Words;
import io.netty.channel.ChannelOption;

/**
 * The socket-level {@code bind} keywords, as HAProxy spells them:
 * <ul>
 *   <li>{@code v4v6}: an IPv6 socket accepts IPv4 too (IPV6_V6ONLY off);</li>
 *   <li>{@code v6only}: an IPv6 socket accepts IPv6 only (IPV6_V6ONLY on);</li>
 *   <li>{@code backlog N}: the listen queue length (SO_BACKLOG);</li>
 *   <li>{@code transparent}: IP_TRANSPARENT on the listening socket, so that it accepts
 *       connections addressed to non-local addresses (TPROXY); epoll or io_uring only.</li>
 * </ul>
 * Keywords are served by the same component that owns the transport, so {@code transparent}
 * is rejected at config time on a host that runs NIO, instead of failing at bind.
 */
final class TcpBindOptions implements BindOptionProvider {
    /** The keywords, as the {@value BindOptionProvider#KEYWORDS} service property. */
    static final String[] KEYWORDS = {"v4v6", "v6only", "backlog", "transparent"};

    private static final BindOption V4V6 = new BindOption() {
        @Override
        public void prepare(BindRequest request) {
            request.v6only(Boolean.FALSE);
        }

        @Override
        public String toString() {
            return "v4v6";
        }
    };

    private static final BindOption V6ONLY = new BindOption() {
        @Override
        public void prepare(BindRequest request) {
            request.v6only(Boolean.TRUE);
        }

        @Override
        public String toString() {
            return "v6only";
        }
    };

    private final NettyTransport transport;
    private final String transportReason;

    /**
     * @param transport the transport listeners run on (decides whether {@code transparent} works)
     * @param transportReason why this transport runs, quoted in the {@code transparent} error
     */
    TcpBindOptions(NettyTransport transport, String transportReason) {
        this.transport = transport;
        this.transportReason = transportReason;
    }

    /**
     * Config time; does not block. Parses one keyword with its arguments.
     *
     * @throws ConfigException for {@code backlog} without a positive integer, for
     *         {@code transparent} when the transport has no IP_TRANSPARENT, or for a keyword
     *         this provider does not serve
     */
    @Override
    public BindOption parse(String keyword, Words args, ConfigContext context) throws ConfigException {
        switch (keyword) {
            case "v4v6":
                return V4V6;
            case "v6only":
                return V6ONLY;
            case "backlog":
                return backlog(args.next("a backlog length (a positive integer)"));
            case "transparent":
                return transparent();
            default:
                throw new ConfigException("'" + keyword + "' is not a bind keyword of the TCP listener "
                        + "(it serves v4v6, v6only, backlog, transparent)");
        }
    }

    private static BindOption backlog(String word) throws ConfigException {
        int n;
        try {
            n = Integer.parseInt(word);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1) {
            throw new ConfigException("backlog: '" + word + "' is not a positive integer");
        }
        Integer value = n;
        return new BindOption() {
            @Override
            public void prepare(BindRequest request) {
                request.option(ChannelOption.SO_BACKLOG, value);
            }

            @Override
            public String toString() {
                return "backlog " + value;
            }
        };
    }

    private BindOption transparent() throws ConfigException {
        ChannelOption<Boolean> option = transport.ipTransparent();
        if (option == null) {
            throw new ConfigException("transparent needs the epoll or io_uring transport; this host runs "
                    + transport.name() + " because " + transportReason);
        }
        return new BindOption() {
            @Override
            public void prepare(BindRequest request) {
                // Needs CAP_NET_ADMIN: without it the bind fails with the kernel's EPERM, because
                // TcpListenerFactory fails a bind whose options cannot be set.
                request.option(option, Boolean.TRUE);
            }

            @Override
            public String toString() {
                return "transparent";
            }
        };
    }
}
