package io.junction.listener.tls.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.FactKey;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.FetchProvider;
import io.junction.api.SampleType;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * The fetches of a connection whose TLS this router terminated (HAProxy configuration manual
 * 7.3.4), filled by the {@code ssl} bind option once the handshake completed:
 * <ul>
 *   <li>{@code ssl_fc_sni}: the server name the client sent (string), e.g.
 *       {@code use-server app1 if { ssl_fc_sni -i app1.example.com }};</li>
 *   <li>{@code ssl_fc_alpn}: the negotiated ALPN protocol (string), e.g.
 *       {@code use_backend h2-servers if { ssl_fc_alpn h2 }};</li>
 *   <li>{@code ssl_fc_protocol}: the negotiated version (string), {@code TLSv1.2} or {@code TLSv1.3}.</li>
 * </ul>
 * On a connection that is not terminated here (or whose client sent no SNI, or negotiated no
 * ALPN) the fetch has no value and every ACL on it is false, as in HAProxy. {@code ssl_fc}
 * itself is the core's.
 */
@Component(service = FetchProvider.class,
        property = {
            FetchProvider.FETCHES + "=ssl_fc_sni",
            FetchProvider.FETCHES + "=ssl_fc_alpn",
            FetchProvider.FETCHES + "=ssl_fc_protocol",
        })
public final class TlsFetchProvider implements FetchProvider {

    private static final Fetch SNI = new FactFetch(TlsFacts.SNI);
    private static final Fetch ALPN = new FactFetch(TlsFacts.ALPN);
    private static final Fetch PROTOCOL = new FactFetch(TlsFacts.PROTOCOL);

    /**
     * Config time, does not block: the shared fetch for {@code keyword}.
     *
     * @throws ConfigException for another keyword or for arguments (they take none)
     */
    @Override
    public Fetch compile(String keyword, List<String> args, ConfigContext context) throws ConfigException {
        Fetch fetch = switch (keyword) {
            case "ssl_fc_sni" -> SNI;
            case "ssl_fc_alpn" -> ALPN;
            case "ssl_fc_protocol" -> PROTOCOL;
            default -> throw new ConfigException(keyword + ": not a fetch of the TLS listener bundle"
                    + " (it serves ssl_fc_sni, ssl_fc_alpn, ssl_fc_protocol)");
        };
        if (args != null && !args.isEmpty()) {
            throw new ConfigException(keyword + " takes no arguments");
        }
        return fetch;
    }

    /** A string fact stored by {@link TlsGate}. Immutable; allocation-free per sample. */
    private static final class FactFetch implements Fetch {
        private final FactKey<String> key;

        FactFetch(FactKey<String> key) {
            this.key = key;
        }

        /** Config time: a string sample. */
        @Override
        public SampleType type() {
            return SampleType.STRING;
        }

        /** Event loop, does not block: the stored value, or null when unknown. */
        @Override
        public Object sample(Facts facts) {
            return facts.get(key);
        }

        @Override
        public String toString() {
            return key.name();
        }
    }
}
