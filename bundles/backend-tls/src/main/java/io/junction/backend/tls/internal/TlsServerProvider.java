package io.junction.backend.tls.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.ServerOption;
import io.junction.api.ServerOptionProvider;
import io.junction.api.Words;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.osgi.service.component.annotations.Component;

/**
 * Serves HAProxy's TLS keywords of the {@code server} line (configuration manual 5.2):
 * {@code ssl}, {@code no-ssl}, {@code ca-file FILE|@system-ca}, {@code verify none|required},
 * {@code sni EXPR}, {@code alpn LIST}, {@code crt FILE} (client certificate) and
 * {@code verifyhost NAME}. The source article's
 * {@code server app1-tls 192.0.2.10:3001 ssl ca-file ca-certificates.crt sni req.hdr(host)}
 * re-encrypts towards app1 with the request's Host as SNI and verifies app1's certificate
 * against that name. See {@link ServerTls} and docs/tls.md.
 */
@Component(service = ServerOptionProvider.class,
        property = {
            ServerOptionProvider.KEYWORDS + "=ssl",
            ServerOptionProvider.KEYWORDS + "=no-ssl",
            ServerOptionProvider.KEYWORDS + "=ca-file",
            ServerOptionProvider.KEYWORDS + "=verify",
            ServerOptionProvider.KEYWORDS + "=sni",
            ServerOptionProvider.KEYWORDS + "=alpn",
            ServerOptionProvider.KEYWORDS + "=crt",
            ServerOptionProvider.KEYWORDS + "=verifyhost",
        })
public final class TlsServerProvider implements ServerOptionProvider {

    /** The keywords this provider serves, as registered above. */
    static final Set<String> KEYWORDS = Set.of("ssl", "no-ssl", "ca-file", "verify", "sni", "alpn", "crt", "verifyhost");

    /**
     * The line being parsed, by its {@link ConfigContext} (one per line and per compilation,
     * passed to every option of the line, as the SPI guarantees), so that a line's keywords
     * share one {@link ServerTls}. Weak keys: gone with the context.
     */
    private final Map<ConfigContext, ServerTls> lines = new WeakHashMap<>();
    private final BackendTlsCounters counters = new BackendTlsCounters();

    /**
     * Config time (the core's configuration thread); blocks on file I/O for {@code ca-file} and
     * {@code crt}, read now so that a broken file is an error on its line.
     *
     * @throws ConfigException for wrong arguments, unreadable files, an {@code sni} expression no
     *         installed bundle serves, or (at the end of the line) keywords that do not make sense
     *         together, such as {@code ssl} without {@code ca-file} nor {@code verify none}
     */
    @Override
    public ServerOption parse(String keyword, Words args, ConfigContext context) throws ConfigException {
        ServerTls tls;
        synchronized (lines) {
            tls = lines.get(context);
            if (tls == null || !tls.location().equals(context.location())) {
                tls = new ServerTls(context.location(), counters);
                lines.put(context, tls);
            }
        }
        ServerOption option;
        switch (keyword) {
            case "ssl" -> {
                tls.ssl();
                option = new TlsServerOptions.Ssl(tls);
            }
            case "no-ssl" -> {
                tls.noSsl();
                option = new TlsServerOptions.Setting("no-ssl", false);
            }
            case "ca-file" -> {
                String file = args.next("a CA file (PEM) or @system-ca");
                if (file.equals("@system-ca")) {
                    tls.systemCa();
                } else {
                    tls.caFile(context.resolve(file));
                }
                option = new TlsServerOptions.Setting("ca-file " + file, false);
            }
            case "verify" -> {
                String mode = args.next("none or required");
                switch (mode) {
                    case "none" -> tls.verify(false);
                    case "required" -> tls.verify(true);
                    default -> throw new ConfigException("verify '" + mode + "': expected none or required");
                }
                option = new TlsServerOptions.Setting("verify " + mode, false);
            }
            case "sni" -> {
                String expression = args.next("a sample expression, e.g. req.hdr(host) or str(app1.example.com)");
                Fetch fetch = context.fetch(expression);
                tls.sni(fetch, expression);
                // The name comes from the client's request or hello: a connection opened with
                // it must not be pooled for another client's request.
                option = new TlsServerOptions.Setting("sni " + expression, true);
            }
            case "alpn" -> {
                String list = args.next("a comma-separated ALPN protocol list, e.g. h2,http/1.1");
                tls.alpn(alpn(list));
                option = new TlsServerOptions.Setting("alpn " + list, false);
            }
            case "crt" -> {
                String file = args.next("a client certificate file (PEM: chain and private key)");
                tls.crt(context.resolve(file));
                option = new TlsServerOptions.Setting("crt " + file, false);
            }
            case "verifyhost" -> {
                String name = args.next("a host name to check the server's certificate against");
                tls.verifyHost(name);
                option = new TlsServerOptions.Setting("verifyhost " + name, false);
            }
            default -> throw new ConfigException("'" + keyword + "': not a server option of the backend TLS bundle");
        }
        boolean end = !args.hasNext();
        tls.parsed(end, !end && KEYWORDS.contains(args.peek()));
        return option;
    }

    /** RFC 7301 section 3.1: comma-separated names of 1 to 255 bytes. */
    static List<String> alpn(String written) throws ConfigException {
        List<String> out = new ArrayList<>();
        for (String p : written.split(",", -1)) {
            if (p.isEmpty() || p.getBytes(StandardCharsets.UTF_8).length > 255) {
                throw new ConfigException("alpn '" + written + "': each protocol name must be 1 to 255 bytes");
            }
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return List.copyOf(out);
    }

    /** For tests and diagnostics. */
    BackendTlsCounters counters() {
        return counters;
    }
}
