package io.junction.listener.tls.internal;

import io.junction.api.BindOption;
import io.junction.api.BindOptionProvider;
import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Words;
import io.netty.handler.ssl.ClientAuth;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Serves HAProxy's TLS keywords of the {@code bind} line (configuration manual 5.1): {@code ssl},
 * {@code crt}, {@code alpn}, {@code no-alpn}, {@code ca-file}, {@code verify}, {@code ciphers},
 * {@code ciphersuites}, {@code ssl-min-ver}, {@code ssl-max-ver} and {@code strict-sni}. See
 * {@link BindTls} for how the keywords of one line make one TLS context, and docs/tls.md for the
 * user's view.
 *
 * <p>ConfigAdmin PID {@value #PID}: {@code reload.seconds} (default 5), how often certificate
 * files are checked for changes; 0 disables it.
 */
@Component(service = BindOptionProvider.class, configurationPid = TlsBindProvider.PID,
        property = {
            BindOptionProvider.KEYWORDS + "=ssl",
            BindOptionProvider.KEYWORDS + "=crt",
            BindOptionProvider.KEYWORDS + "=alpn",
            BindOptionProvider.KEYWORDS + "=no-alpn",
            BindOptionProvider.KEYWORDS + "=ca-file",
            BindOptionProvider.KEYWORDS + "=verify",
            BindOptionProvider.KEYWORDS + "=ciphers",
            BindOptionProvider.KEYWORDS + "=ciphersuites",
            BindOptionProvider.KEYWORDS + "=ssl-min-ver",
            BindOptionProvider.KEYWORDS + "=ssl-max-ver",
            BindOptionProvider.KEYWORDS + "=strict-sni",
        })
@Designate(ocd = TlsBindProvider.Config.class)
public final class TlsBindProvider implements BindOptionProvider {

    /** ConfigAdmin PID and component name. */
    public static final String PID = "io.junction.listener.tls";

    /** The keywords this provider serves, as registered above. */
    static final Set<String> KEYWORDS = Set.of("ssl", "crt", "alpn", "no-alpn", "ca-file", "verify", "ciphers",
            "ciphersuites", "ssl-min-ver", "ssl-max-ver", "strict-sni");

    /** Default seconds between two checks of the certificate files. */
    static final int DEFAULT_RELOAD_SECONDS = 5;

    /** ConfigAdmin configuration of the TLS listener options. */
    @ObjectClassDefinition(name = "Junction TLS listener",
            description = "TLS termination on bind lines (ssl crt ...).")
    public @interface Config {
        /**
         * Seconds between two checks of the certificate files of the bind lines in use; a
         * replaced certificate serves new handshakes within this delay. 0 disables the checks.
         */
        @AttributeDefinition(name = "Certificate reload check (s)",
                description = "Seconds between two checks of the certificate files for changes; 0 disables it.")
        int reload_seconds() default DEFAULT_RELOAD_SECONDS;
    }

    /**
     * The line being parsed, by its {@link ConfigContext}: the core passes one context per line
     * and per compilation to every option of that line (a documented guarantee of the SPI), so
     * a line's keywords share one {@link BindTls} and a recompiled line gets a fresh one. Weak
     * keys: entries vanish with the context once compilation is over.
     */
    private final Map<ConfigContext, BindTls> lines = new WeakHashMap<>();
    private final TlsCounters counters = new TlsCounters();
    private CertificateReloader reloader;

    /** SCR thread: starts the certificate watch thread. */
    @Activate
    public void activate(Config config) {
        reloader = new CertificateReloader(config.reload_seconds());
    }

    /** For tests: a provider without OSGi. */
    static TlsBindProvider create(int reloadSeconds) {
        TlsBindProvider p = new TlsBindProvider();
        p.reloader = new CertificateReloader(reloadSeconds);
        return p;
    }

    /** SCR thread: stops the watch thread; certificates in use stay as they are. */
    @Deactivate
    public void deactivate() {
        if (reloader != null) {
            reloader.close();
        }
    }

    /**
     * Config time (the core's configuration thread); blocks on file I/O for {@code crt} and
     * {@code ca-file}, which are read now so that a missing or broken file is an error on its
     * line.
     *
     * @throws ConfigException for wrong arguments, unreadable files, or (at the end of the line)
     *         a line whose TLS keywords do not make sense together
     */
    @Override
    public BindOption parse(String keyword, Words args, ConfigContext context) throws ConfigException {
        BindTls tls;
        synchronized (lines) {
            tls = lines.get(context);
            if (tls == null || !tls.location().equals(context.location())) {
                tls = new BindTls(context.location(), counters);
                lines.put(context, tls);
            }
        }
        BindOption option;
        switch (keyword) {
            case "ssl" -> {
                tls.ssl();
                option = new TlsBindOptions.Ssl(tls, reloader, counters);
            }
            case "crt" -> {
                String path = args.next("a certificate file or directory (PEM: chain and private key)");
                tls.crt(context.resolve(path));
                option = new TlsBindOptions.Setting("crt " + path, tls);
            }
            case "alpn" -> {
                String list = args.next("a comma-separated ALPN protocol list, e.g. h2,http/1.1");
                tls.alpn(TlsParams.alpn(keyword, list));
                option = new TlsBindOptions.Setting("alpn " + list, tls);
            }
            case "no-alpn" -> {
                tls.alpn(java.util.List.of());
                option = new TlsBindOptions.Setting("no-alpn", tls);
            }
            case "ca-file" -> {
                String file = args.next("a CA file (PEM) or @system-ca");
                if (file.equals("@system-ca")) {
                    tls.systemCa();
                } else {
                    tls.caFile(context.resolve(file));
                }
                option = new TlsBindOptions.Setting("ca-file " + file, tls);
            }
            case "verify" -> {
                String mode = args.next("none, optional or required");
                tls.verify(switch (mode) {
                    case "none" -> ClientAuth.NONE;
                    case "optional" -> ClientAuth.OPTIONAL;
                    case "required" -> ClientAuth.REQUIRE;
                    default -> throw new ConfigException("verify '" + mode + "': expected none, optional or required");
                });
                option = new TlsBindOptions.Setting("verify " + mode, tls);
            }
            case "ciphers", "ciphersuites" -> {
                String list = args.next("a colon-separated cipher list");
                tls.ciphers(TlsParams.ciphers(keyword, list, keyword.equals("ciphersuites")), keyword.equals("ciphersuites"));
                option = new TlsBindOptions.Setting(keyword + " " + list, tls);
            }
            case "ssl-min-ver", "ssl-max-ver" -> {
                String v = args.next("a TLS version: TLSv1.2 or TLSv1.3");
                int rank = TlsParams.version(keyword, v);
                if (keyword.equals("ssl-min-ver")) {
                    tls.minVersion(rank);
                } else {
                    tls.maxVersion(rank);
                }
                option = new TlsBindOptions.Setting(keyword + " " + v, tls);
            }
            case "strict-sni" -> {
                tls.strictSni();
                option = new TlsBindOptions.Setting("strict-sni", tls);
            }
            default -> throw new ConfigException("'" + keyword + "': not a bind option of the TLS listener bundle");
        }
        boolean end = !args.hasNext();
        tls.parsed(end, !end && KEYWORDS.contains(args.peek()));
        return option;
    }

    /** For tests and diagnostics: the outcome counters. */
    TlsCounters counters() {
        return counters;
    }

    /** For tests: the certificate watcher. */
    CertificateReloader reloader() {
        return reloader;
    }
}
