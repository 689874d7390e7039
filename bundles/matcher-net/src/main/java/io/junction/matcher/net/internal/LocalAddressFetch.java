package io.junction.matcher.net.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.FetchProvider;
import io.junction.api.SampleType;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The {@code src_is_local} fetch (HAProxy configuration manual 7.3.3): a boolean, true when the
 * connection's source address ({@link Facts#source()}, i.e. the PROXY header's source when one
 * was accepted) is one of this host's addresses, e.g. {@code acl local src_is_local}. See
 * {@link LocalAddresses} for what counts as local.
 *
 * <p>The interfaces are read at activation and then every {@value #REFRESH_SECONDS} seconds on a
 * daemon thread of this component; the lookup on the event loop reads the last snapshot. So an
 * address added to or removed from the host is seen by new connections within about
 * {@value #REFRESH_SECONDS} seconds (plus the time the kernel takes to list it). HAProxy instead
 * tries a bind() per evaluation, a system call on its event loop that we do not want on ours.
 */
@Component(service = FetchProvider.class, property = FetchProvider.FETCHES + "=src_is_local")
public final class LocalAddressFetch implements FetchProvider {

    /** Refresh period of the address snapshot: quick enough for DHCP or failover address moves. */
    static final int REFRESH_SECONDS = 5;

    private final LocalAddresses addresses = new LocalAddresses();
    private final Fetch fetch = new LocalFetch(addresses);
    private ScheduledExecutorService refresher;

    /**
     * SCR thread, blocks briefly: reads the interfaces once, then starts the refresh thread (a
     * daemon, so that it never holds the JVM).
     */
    @Activate
    public void activate() {
        addresses.refresh();
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "junction-src-is-local");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(addresses::refresh, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    /** SCR thread: stops the refresh thread. Fetches compiled earlier keep the last snapshot. */
    @Deactivate
    public void deactivate() {
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
    }

    /**
     * Config time, does not block: the shared {@code src_is_local} fetch.
     *
     * @throws ConfigException for another keyword or for arguments (it takes none)
     */
    @Override
    public Fetch compile(String keyword, List<String> args, ConfigContext context) throws ConfigException {
        if (!"src_is_local".equals(keyword)) {
            throw new ConfigException(keyword + ": not a fetch of the network matcher bundle (it serves src_is_local)");
        }
        if (args != null && !args.isEmpty()) {
            throw new ConfigException("src_is_local takes no arguments");
        }
        return fetch;
    }

    LocalAddresses addresses() {
        return addresses;
    }

    /** The compiled fetch: immutable apart from the snapshot it reads. */
    static final class LocalFetch implements Fetch {
        private final LocalAddresses addresses;

        LocalFetch(LocalAddresses addresses) {
            this.addresses = addresses;
        }

        @Override
        public SampleType type() {
            return SampleType.BOOLEAN;
        }

        /**
         * Event loop, does not block, allocates nothing for IPv4 sources: {@link Boolean#TRUE} when
         * the source address is local, {@link Boolean#FALSE} otherwise, {@code null} when the
         * connection has no source address.
         */
        @Override
        public Object sample(Facts facts) {
            InetSocketAddress source = facts.source();
            if (source == null || source.getAddress() == null) {
                return null;
            }
            return addresses.contains(source.getAddress()) ? Boolean.TRUE : Boolean.FALSE;
        }
    }
}
