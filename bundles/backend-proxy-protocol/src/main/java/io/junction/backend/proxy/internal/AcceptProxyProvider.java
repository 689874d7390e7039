package io.junction.backend.proxy.internal;

import io.junction.api.BindOption;
import io.junction.api.BindOptionProvider;
import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.Words;
import io.netty.channel.Channel;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code accept-proxy} bind option (HAProxy configuration manual 5.1): every connection on
 * this bind must start with a PROXY protocol header, v1 or v2 (auto-detected), whose addresses
 * replace the socket's for every later rule, header, log line and transparent bind (spec 3:
 * "Connections accepted on such listeners will behave just as if the source really was the one
 * advertised in the protocol"). As in HAProxy, {@code tcp-request connection} rules are the one
 * exception: they run at accept, before the header is read, and see the socket's own addresses.
 * A connection without a valid header is closed (counted and logged at debug, see
 * {@link ProxyCounters}). Takes no argument.
 *
 * <p>Trust: every client of such a bind can claim any address. Use it only on binds that only
 * trusted proxies can reach, or use {@code tcp-request connection expect-proxy layer4 if
 * { src ... }} ({@link ExpectProxyProvider}) to trust only some sources.
 */
@Component(service = BindOptionProvider.class, property = BindOptionProvider.KEYWORDS + "=accept-proxy")
public final class AcceptProxyProvider implements BindOptionProvider {

    /** The compiled option: stateless, one instance for every bind line. */
    static final BindOption ACCEPT_PROXY = new BindOption() {
        /**
         * Event loop, at accept, before the core's handler: installs the header decoder at the
         * head of the pipeline. Does not block; allocates the per-connection handlers.
         */
        @Override
        public void accepted(Channel client, Facts facts) {
            ProxyHeaderReceiver.install(client, facts, "accept-proxy");
        }

        /** The core must not evaluate rules before the header is read: true. */
        @Override
        public boolean defersInspection() {
            return true;
        }

        @Override
        public String toString() {
            return "accept-proxy";
        }
    };

    /**
     * Config time, does not block: returns the shared option. Consumes no word.
     *
     * @throws ConfigException for a keyword other than {@code accept-proxy}
     */
    @Override
    public BindOption parse(String keyword, Words args, ConfigContext context) throws ConfigException {
        if (!"accept-proxy".equals(keyword)) {
            throw new ConfigException("'" + keyword + "': not a bind option of the PROXY protocol bundle");
        }
        return ACCEPT_PROXY;
    }
}
