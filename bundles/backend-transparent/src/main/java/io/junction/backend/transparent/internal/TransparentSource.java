package io.junction.backend.transparent.internal;

import io.junction.api.ConnectRequest;
import io.junction.api.Facts;
import io.junction.api.ServerOption;
import io.netty.channel.ChannelOption;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compiled {@code source ... [usesrc ...]} of one server line: sets the outbound socket's
 * local address and, with {@code usesrc}, IP_TRANSPARENT (stage {@link #STAGE_SOCKET}).
 *
 * <p>The outbound socket's family is the server's (the Connector picks it from the server's
 * address). A bind address of the other family cannot work on that socket and an IPv4-mapped
 * address must never reach the wire, so a mismatch refuses the connection with an
 * {@link IllegalStateException} (the core counts it, logs it and closes the client): in a
 * dual-stack setup, IPv4 clients go to IPv4 servers and IPv6 clients to IPv6 servers (see
 * docs/transparent.md).
 *
 * <p>{@code usesrc client} for a client on this host (see {@link LocalAddresses}) falls back to
 * {@code clientip}: the client's own socket holds its address and port, binding them again
 * would fail (the seed's footnote 6). Each fallback is counted ({@link #localFallbacks()}); the
 * first one per server line is logged.
 *
 * <p>Immutable after construction except the counter; {@link #prepare} runs on event loops.
 */
final class TransparentSource implements ServerOption {
    private static final Logger LOG = LoggerFactory.getLogger(TransparentSource.class);

    private final SourceSpec spec;
    private final ChannelOption<Boolean> ipTransparent;
    private final LocalAddresses localAddresses;
    private final String location;
    /** The bind of {@code source} without usesrc, per server family; null: none needed. */
    private final InetSocketAddress plainV4;
    private final InetSocketAddress plainV6;
    /** The bind of {@code usesrc ADDR[:PORT]}. */
    private final InetSocketAddress fixed;
    private final LongAdder localFallbacks = new LongAdder();
    private final AtomicBoolean fallbackLogged = new AtomicBoolean();

    /**
     * Config time.
     *
     * @param ipTransparent the transport's option; required (non-null) when the spec uses usesrc
     * @param localAddresses this host's addresses, started when the spec is {@code usesrc client}
     * @param location {@code file:line} of the server line, for logs
     */
    TransparentSource(SourceSpec spec, ChannelOption<Boolean> ipTransparent, LocalAddresses localAddresses,
            String location) {
        if (spec.transparent() && ipTransparent == null) {
            throw new IllegalArgumentException("usesrc needs the transport's IP_TRANSPARENT option");
        }
        this.spec = spec;
        this.ipTransparent = ipTransparent;
        this.localAddresses = localAddresses;
        this.location = location;
        if (spec.address() != null) {
            InetSocketAddress a = new InetSocketAddress(spec.address(), spec.port());
            plainV4 = spec.address() instanceof Inet4Address ? a : null;
            plainV6 = spec.address() instanceof Inet6Address ? a : null;
        } else if (spec.port() != 0) {
            plainV4 = new InetSocketAddress(any(StandardProtocolFamily.INET), spec.port());
            plainV6 = new InetSocketAddress(any(StandardProtocolFamily.INET6), spec.port());
        } else {
            plainV4 = null;
            plainV6 = null;
        }
        fixed = spec.useAddress() == null ? null : new InetSocketAddress(spec.useAddress(), spec.usePort());
    }

    /** Config time: where this option goes in the composition. */
    @Override
    public int stage() {
        return STAGE_SOCKET;
    }

    /** usesrc client / clientip binds to the client's own address: that connection is the client's alone. */
    @Override
    public boolean clientSpecific() {
        return spec.mode() == SourceSpec.Mode.CLIENT || spec.mode() == SourceSpec.Mode.CLIENTIP;
    }

    /**
     * Event loop, never blocks: sets the request's local address (and IP_TRANSPARENT with
     * usesrc). Allocates at most one InetSocketAddress (client address with another port).
     *
     * @throws IllegalStateException when the client's or the configured address is of the other
     *         family than the server's, or the client's address is unknown
     */
    @Override
    public void prepare(ConnectRequest request, Facts facts) {
        boolean serverV6 = request.remote().getAddress() instanceof Inet6Address;
        switch (spec.mode()) {
            case NONE -> preparePlain(request, serverV6);
            case ADDRESS -> {
                requireFamily(spec.useAddress(), serverV6, "usesrc address", request);
                bind(request, fixed);
            }
            case CLIENT, CLIENTIP -> prepareClient(request, facts, serverV6);
            default -> throw new AssertionError(spec.mode());
        }
    }

    private void preparePlain(ConnectRequest request, boolean serverV6) {
        if (spec.family() != null && (spec.family() == StandardProtocolFamily.INET6) != serverV6) {
            throw new IllegalStateException(spec.text() + ": the source address is "
                    + (serverV6 ? "IPv4" : "IPv6") + " but the server " + request.remote() + " is "
                    + (serverV6 ? "IPv6" : "IPv4") + "; a socket binds and connects in one family");
        }
        InetSocketAddress local = serverV6 ? plainV6 : plainV4;
        if (local != null) {
            request.local(local);
            request.option(ChannelOption.SO_REUSEADDR, Boolean.TRUE);
        }
    }

    private void prepareClient(ConnectRequest request, Facts facts, boolean serverV6) {
        InetSocketAddress client = facts.source();
        if (client == null || client.getAddress() == null) {
            throw new IllegalStateException(spec.text() + ": the client's address is unknown, cannot bind to it");
        }
        InetAddress address = unmap(client.getAddress());
        boolean clientV6 = address instanceof Inet6Address;
        if (clientV6 != serverV6) {
            throw new IllegalStateException((clientV6 ? "IPv6" : "IPv4") + " client cannot be bound transparently on an "
                    + (serverV6 ? "IPv6" : "IPv4") + " server connection; route " + (clientV6 ? "v6" : "v4")
                    + " clients to a " + (clientV6 ? "v6" : "v4")
                    + " server (see the dual-stack configuration in docs/transparent.md)");
        }
        InetSocketAddress local;
        if (spec.mode() == SourceSpec.Mode.CLIENT) {
            InetSocketAddress destination = facts.destination();
            if (localAddresses.contains(address, destination == null ? null : destination.getAddress())) {
                countFallback(client);
                local = new InetSocketAddress(address, 0);
            } else {
                local = address == client.getAddress() ? client : new InetSocketAddress(address, client.getPort());
            }
        } else {
            local = new InetSocketAddress(address, 0);
        }
        bind(request, local);
    }

    private void bind(ConnectRequest request, InetSocketAddress local) {
        request.local(local);
        request.option(ipTransparent, Boolean.TRUE);
        // As HAProxy does before every source bind: a client port still in TIME_WAIT from an
        // earlier server connection must not make the next one fail.
        request.option(ChannelOption.SO_REUSEADDR, Boolean.TRUE);
    }

    private void requireFamily(InetAddress address, boolean serverV6, String what, ConnectRequest request) {
        if ((address instanceof Inet6Address) != serverV6) {
            throw new IllegalStateException(spec.text() + ": the " + what + " is " + (serverV6 ? "IPv4" : "IPv6")
                    + " but the server " + request.remote() + " is " + (serverV6 ? "IPv6" : "IPv4")
                    + "; write an address of the server's family (never an IPv4-mapped one)");
        }
    }

    private void countFallback(InetSocketAddress client) {
        localFallbacks.increment();
        if (fallbackLogged.compareAndSet(false, true)) {
            LOG.info("{}: {}: client {} is on this host and holds that address and port itself; binding its"
                    + " address with a port the system picks (usesrc clientip). Further such fallbacks on this"
                    + " server line are counted, not logged. Route local clients to a non-transparent server"
                    + " (src_is_local, see docs/transparent.md) to avoid it.", location, spec.text(), client);
        }
    }

    /** Any thread: how many {@code usesrc client} connections fell back to {@code clientip}. */
    long localFallbacks() {
        return localFallbacks.sum();
    }

    /**
     * Any thread, never blocks: the IPv4 address inside an IPv4-mapped IPv6 address, else
     * {@code address}. Facts promise never to report a mapped address; this keeps one off the
     * wire should a plugin break that promise.
     */
    static InetAddress unmap(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) {
                    return address;
                }
            }
            if (b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return address;
    }

    private static InetAddress any(StandardProtocolFamily family) {
        try {
            return InetAddress.getByAddress(new byte[family == StandardProtocolFamily.INET6 ? 16 : 4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        return spec.text();
    }
}
