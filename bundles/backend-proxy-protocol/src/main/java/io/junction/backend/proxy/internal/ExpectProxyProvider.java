package io.junction.backend.proxy.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.ConnectionAction;
import io.junction.api.ConnectionActionProvider;
import io.junction.api.Facts;
import io.junction.api.Words;
import io.netty.channel.Channel;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code tcp-request connection expect-proxy layer4 [if|unless COND]} action (HAProxy
 * configuration manual 4.2, "tcp-request connection"): the connections for which the condition
 * holds must start with a PROXY protocol header, read exactly as {@code accept-proxy} reads it;
 * the others are plain connections. The core evaluates the condition at accept with the socket's
 * addresses, so {@code expect-proxy layer4 if { src 10.0.0.0/8 }} takes PROXY headers from the
 * trusted load balancers only, and a header from anyone else is ordinary data (which then fails
 * whatever protocol the rules expect): spec 5, "accepting the header only from a number of known
 * sources should be safe".
 */
@Component(service = ConnectionActionProvider.class, property = ConnectionActionProvider.KEYWORDS + "=expect-proxy")
public final class ExpectProxyProvider implements ConnectionActionProvider {

    /** The compiled action: stateless, shared. */
    static final ConnectionAction EXPECT_PROXY = new ConnectionAction() {
        /**
         * Event loop, at accept, only for connections whose condition matched: installs the header
         * decoder at the head of the pipeline. Does not block.
         */
        @Override
        public void apply(Channel client, Facts facts) {
            ProxyHeaderReceiver.install(client, facts, "expect-proxy");
        }

        @Override
        public boolean defersInspection() {
            return true;
        }

        @Override
        public String toString() {
            return "expect-proxy layer4";
        }
    };

    /**
     * Config time, does not block: parses {@code layer4}, the only layer HAProxy defines for
     * this action, and returns the shared action.
     *
     * @throws ConfigException when the word after {@code expect-proxy} is missing or is not
     *         {@code layer4}
     */
    @Override
    public ConnectionAction parse(String keyword, Words args, ConfigContext context) throws ConfigException {
        if (!"expect-proxy".equals(keyword)) {
            throw new ConfigException("'" + keyword + "': not a tcp-request connection action of the PROXY protocol bundle");
        }
        String layer = args.next("'layer4' (write 'expect-proxy layer4')");
        if (!"layer4".equals(layer)) {
            throw new ConfigException("expect-proxy takes 'layer4', got '" + layer + "' (write 'expect-proxy layer4')");
        }
        return EXPECT_PROXY;
    }
}
