package io.junction.matcher.net.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Enumeration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's addresses, for {@code src_is_local}: an immutable {@link AddressSet} read from the
 * network interfaces and swapped whole through a volatile field, so that event loops look up
 * without locks and without allocating, while a background thread re-reads the interfaces.
 *
 * <p>What counts as local follows what HAProxy's {@code src_is_local} tests (it tries to bind the
 * address; see its {@code addr_is_local}), i.e. what the kernel treats as a local address:
 * <ul>
 *   <li>every address of every interface that is up, IPv4 and IPv6 (zone ignored);</li>
 *   <li>for IPv4 addresses on a loopback interface, the whole prefix: Linux installs a
 *       {@code local} route for the prefix of an address on {@code lo} (so all of 127.0.0.0/8 is
 *       local, and so is 203.0.113.0/24 after {@code ip addr add 203.0.113.1/24 dev lo}); on other
 *       interfaces only the address itself is local. Prefixes shorter than /8 are not trusted
 *       (treated as the address alone), so a misconfiguration cannot make the whole Internet
 *       local.</li>
 * </ul>
 *
 * <p>Threads: {@link #refresh()} blocks briefly (it enumerates interfaces through the kernel) and
 * runs on the component's activation thread and then on its refresh thread, never on an event
 * loop. {@link #contains} is called on event loops; it never blocks and allocates nothing for
 * IPv4 (see {@link SampleAddresses} for IPv6).
 */
final class LocalAddresses {
    private static final Logger LOG = LoggerFactory.getLogger(LocalAddresses.class);

    /** Shortest loopback IPv4 prefix taken as "all local" (127.0.0.0/8 is the usual one). */
    static final int MIN_LOOPBACK_PREFIX = 8;

    private volatile AddressSet current = AddressSet.EMPTY;

    /**
     * Event loop, does not block: whether {@code address} is one of this host's addresses in the
     * last snapshot read.
     */
    boolean contains(InetAddress address) {
        AddressSet set = current;
        if (address instanceof Inet4Address a) {
            return set.containsV4(SampleAddresses.v4(a));
        }
        if (address instanceof Inet6Address a) {
            SampleAddresses.V6 v = SampleAddresses.v6(a);
            if (v.isV4Mapped()) {
                return set.containsV4(v.mappedV4());
            }
            return set.containsV6(v.hi, v.lo);
        }
        return false;
    }

    /**
     * Background thread (blocks briefly on the kernel): re-reads the interfaces and publishes a
     * new snapshot. On failure the previous snapshot stays and the error is logged.
     *
     * @return the snapshot now in use
     */
    AddressSet refresh() {
        try {
            AddressSet next = read();
            AddressSet previous = current;
            current = next;
            if (previous.v4Ranges() != next.v4Ranges() || previous.v6Ranges() != next.v6Ranges()) {
                LOG.debug("src_is_local: {} IPv4 ranges and {} IPv6 addresses are local", next.v4Ranges(),
                        next.v6Ranges());
            }
            return next;
        } catch (SocketException | RuntimeException e) {
            LOG.warn("src_is_local: cannot read the network interfaces, keeping the previous list: {}", e.toString());
            return current;
        }
    }

    /** The snapshot now in use. */
    AddressSet snapshot() {
        return current;
    }

    private static AddressSet read() throws SocketException {
        AddressSet.Builder builder = new AddressSet.Builder();
        Enumeration<NetworkInterface> top = NetworkInterface.getNetworkInterfaces();
        if (top == null) {
            return builder.build();
        }
        Deque<NetworkInterface> pending = new ArrayDeque<>();
        while (top.hasMoreElements()) {
            pending.add(top.nextElement());
        }
        while (!pending.isEmpty()) {
            NetworkInterface ni = pending.poll();
            // Aliases (eth0:1) are sub-interfaces; their addresses are local too.
            Enumeration<NetworkInterface> subs = ni.getSubInterfaces();
            while (subs.hasMoreElements()) {
                pending.add(subs.nextElement());
            }
            boolean loopback;
            try {
                loopback = ni.isLoopback();
                if (!loopback && !ni.isUp()) {
                    // The kernel drops the local routes of a down interface: not bindable, not local.
                    continue;
                }
            } catch (SocketException e) {
                // The interface vanished while we looked at it; the next refresh will see the truth.
                continue;
            }
            for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                InetAddress a = ia.getAddress();
                if (a instanceof Inet4Address v4) {
                    int prefix = ia.getNetworkPrefixLength();
                    int length = loopback && prefix >= MIN_LOOPBACK_PREFIX && prefix <= 32 ? prefix : 32;
                    builder.addV4(SampleAddresses.v4(v4), length);
                } else if (a instanceof Inet6Address v6) {
                    byte[] b = v6.getAddress();
                    builder.addV6(SampleAddresses.bytesToLong(b, 0), SampleAddresses.bytesToLong(b, 8), 128);
                }
            }
        }
        return builder.build();
    }
}
