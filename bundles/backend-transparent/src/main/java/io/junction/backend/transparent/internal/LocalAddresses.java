package io.junction.backend.transparent.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which client addresses belong to this host, for {@code usesrc client}: a client on this host
 * holds its own address and port, so binding the same pair for the server connection fails
 * with EADDRINUSE (the seed's footnote 6). Such clients get {@code clientip} semantics instead.
 *
 * <p>Local means: loopback (127.0.0.0/8, ::1), an address of an interface, or, for IPv4
 * addresses on a loopback interface, their whole prefix (Linux installs a {@code local} route
 * for it, so {@code ip addr add 203.0.113.1/24 dev lo} makes all of 203.0.113.0/24 local;
 * prefixes shorter than /8 are not trusted). Reading the interfaces enters the kernel and may
 * take a while, so it never happens on an event loop: a snapshot is read on the config thread
 * when the first {@code usesrc client} is compiled, then re-read every
 * {@link #REFRESH_SECONDS} s on one daemon thread, and published through a volatile field.
 *
 * <p>Threads: {@link #contains} on event loops (never blocks, allocates nothing); everything
 * else on the config thread or the refresh thread.
 */
final class LocalAddresses implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalAddresses.class);

    /** How often the interfaces are read again: addresses come and go rarely. */
    static final long REFRESH_SECONDS = 10;

    /** Shortest loopback IPv4 prefix taken as "all local". */
    static final int MIN_LOOPBACK_PREFIX = 8;

    /** One snapshot: exact addresses plus IPv4 loopback prefixes as (network, mask) pairs. */
    record Snapshot(Set<InetAddress> addresses, int[] v4Networks, int[] v4Masks) {
        static final Snapshot EMPTY = new Snapshot(Set.of(), new int[0], new int[0]);

        boolean contains(InetAddress a) {
            if (addresses.contains(a)) {
                return true;
            }
            if (a instanceof Inet4Address) {
                int v = v4(a);
                for (int i = 0; i < v4Networks.length; i++) {
                    if ((v & v4Masks[i]) == v4Networks[i]) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private volatile Snapshot current = Snapshot.EMPTY;
    private ScheduledExecutorService refresher;
    private boolean closed;

    /**
     * Event loop, never blocks: whether {@code client} is on this host.
     *
     * @param client the client's address (never IPv4-mapped)
     * @param destination the address the client connected to, or null: a client that connected
     *        from the very address it connected to is on this host whatever the snapshot says
     */
    boolean contains(InetAddress client, InetAddress destination) {
        if (client.isLoopbackAddress() || client.isAnyLocalAddress() || client.equals(destination)) {
            return true;
        }
        return current.contains(client);
    }

    /**
     * Config thread (blocks briefly the first time): reads the interfaces now and starts the
     * periodic refresh, once. Later calls return at once.
     */
    synchronized void start() {
        if (refresher != null || closed) {
            return;
        }
        refresh();
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "junction-transparent-local-addresses");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refresh, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    /** Deactivation thread: stops the refresh thread (does not wait for it). */
    @Override
    public synchronized void close() {
        closed = true;
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
    }

    /** Config or refresh thread: publishes a new snapshot; on failure keeps the last one. */
    void refresh() {
        try {
            current = read();
        } catch (SocketException | RuntimeException e) {
            LOG.warn("usesrc client: cannot read the network interfaces, keeping the previous list: {}", e.toString());
        }
    }

    /** For tests: installs a snapshot (see {@link #of}). */
    void set(Snapshot snapshot) {
        current = snapshot;
    }

    static Snapshot read() throws SocketException {
        Set<InetAddress> exact = new HashSet<>();
        List<int[]> prefixes = new ArrayList<>();
        List<NetworkInterface> all = new ArrayList<>();
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            all.add(ni);
            all.addAll(Collections.list(ni.getSubInterfaces()));
        }
        for (NetworkInterface ni : all) {
            boolean loopback;
            try {
                loopback = ni.isLoopback();
            } catch (SocketException e) {
                continue; // vanished meanwhile; the next refresh sees the truth
            }
            for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                add(exact, prefixes, ia.getAddress(), ia.getNetworkPrefixLength(), loopback);
            }
        }
        return build(exact, prefixes);
    }

    /** Builds a snapshot from interface addresses; also used by tests. */
    static Snapshot of(List<InterfaceEntry> entries) {
        Set<InetAddress> exact = new HashSet<>();
        List<int[]> prefixes = new ArrayList<>();
        for (InterfaceEntry e : entries) {
            add(exact, prefixes, e.address(), e.prefix(), e.loopback());
        }
        return build(exact, prefixes);
    }

    /** One address of one interface. */
    record InterfaceEntry(InetAddress address, int prefix, boolean loopback) {
    }

    private static void add(Set<InetAddress> exact, List<int[]> prefixes, InetAddress a, int prefix, boolean loopback) {
        if (a instanceof Inet6Address v6) {
            // Equality of Inet6Address ignores the zone, which is what a lookup needs.
            exact.add(v6);
        } else if (a instanceof Inet4Address) {
            exact.add(a);
            if (loopback && prefix >= MIN_LOOPBACK_PREFIX && prefix < 32) {
                int mask = -1 << (32 - prefix);
                prefixes.add(new int[] {v4(a) & mask, mask});
            }
        }
    }

    private static Snapshot build(Set<InetAddress> exact, List<int[]> prefixes) {
        int[] nets = new int[prefixes.size()];
        int[] masks = new int[prefixes.size()];
        for (int i = 0; i < nets.length; i++) {
            nets[i] = prefixes.get(i)[0];
            masks[i] = prefixes.get(i)[1];
        }
        return new Snapshot(Set.copyOf(exact), nets, masks);
    }

    private static int v4(InetAddress a) {
        // OpenJDK's Inet4Address.hashCode() is the address as a big-endian int, which spares
        // getAddress()'s array copy on the event loop. Not a documented guarantee:
        // LocalAddressesTest pins it, so a JDK that changes it fails the build, not routing.
        return a.hashCode();
    }
}
