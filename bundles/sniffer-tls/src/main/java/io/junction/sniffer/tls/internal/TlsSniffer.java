package io.junction.sniffer.tls.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.FetchProvider;
import io.junction.api.SniffResult;
import io.junction.api.Sniffer;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS sniffer: reads the client's ClientHello, without consuming it, for the fetches
 * {@code req.ssl_sni}, {@code req.ssl_hello_type}, {@code req.ssl_alpn}, {@code req.ssl_ver},
 * {@code req.ssl_ec_ext} and {@code req.ssl_ech}.
 *
 * <p>Unlike HAProxy, which parses only the first TLS record it has (a known trap once post-quantum
 * key shares pushed hellos past one segment and one record), this sniffer waits for the whole
 * hello: across TCP segments (the core calls again with more bytes) and across TLS records (RFC
 * 8446 section 5.1), up to {@value #DEFAULT_MAX_HELLO_BYTES} bytes of records by default.
 *
 * <p>{@code req.ssl_ech} is Junction's own fetch: true when the hello carries the
 * encrypted_client_hello extension (draft-ietf-tls-esni, type 0xfe0d). The real server name is
 * then encrypted and {@code req.ssl_sni} is the outer, public name (the client-facing server's);
 * browsers also send a GREASE ECH extension that looks the same, so true means "ECH or GREASE
 * ECH", never "the client is hiding a name" for certain.
 *
 * <p>Configured through ConfigAdmin PID {@value #PID}, property {@code max.hello.bytes}; a change
 * reactivates the component (the service is re-registered with the new peek limit).
 *
 * <p>Threads: {@link #compile} and {@link #peekLimit} at config time, {@link #sniff} on the
 * connection's event loop. The component is immutable after construction and keeps no
 * per-connection state, so one instance serves every connection on every event loop.
 */
@Component(
        name = TlsSniffer.PID,
        configurationPid = TlsSniffer.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
            FetchProvider.FETCHES + "=req.ssl_sni",
            FetchProvider.FETCHES + "=req.ssl_hello_type",
            FetchProvider.FETCHES + "=req.ssl_alpn",
            FetchProvider.FETCHES + "=req.ssl_ver",
            FetchProvider.FETCHES + "=req.ssl_ec_ext",
            FetchProvider.FETCHES + "=req.ssl_ech",
            Sniffer.PROTOCOL + "=tls",
        })
@Designate(ocd = TlsSniffer.Config.class)
public final class TlsSniffer implements Sniffer {

    /** ConfigAdmin PID and component name. */
    public static final String PID = "io.junction.sniffer.tls";

    /**
     * Default cap on the record bytes that carry a ClientHello: 32 KiB. Classic hellos are 200 to
     * 600 bytes; a post-quantum key share (X25519MLKEM768, about 1.2 KB) brings them to about
     * 2 KB, past one TCP segment, and hellos of up to 16 KiB have been seen (HAProxy issue #3148,
     * Envoy PR #39903). A 16 KiB hello cannot fit one record
     * (2^14 bytes of fragment at most, and the hello has a 4-byte header), so it needs two: 32 KiB
     * leaves room for two full records and their headers, while bounding what the core buffers
     * per connection before a verdict.
     */
    public static final int DEFAULT_MAX_HELLO_BYTES = 32 * 1024;

    /**
     * Smallest accepted cap: below about half a kilobyte even a classic hello without key shares
     * would be cut, and the sniffer would only ever say NOT_APPLICABLE.
     */
    static final int MIN_MAX_HELLO_BYTES = 512;

    /**
     * Largest accepted cap: 1 MiB. The core may buffer this much per connection while it waits
     * for a verdict; more would let idle clients hold a lot of memory, and no real hello comes
     * close (the handshake length field allows 16 MiB).
     */
    static final int MAX_MAX_HELLO_BYTES = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(TlsSniffer.class);

    /** ConfigAdmin configuration of the TLS sniffer. */
    @ObjectClassDefinition(
            name = "Junction TLS sniffer",
            description = "Reads the TLS ClientHello for the req.ssl_* fetches.")
    public @interface Config {
        /**
         * The most bytes of TLS records (headers included) the sniffer waits for to read a whole
         * ClientHello; a hello that needs more is not sniffed (its rules see no TLS facts).
         */
        @AttributeDefinition(
                name = "Largest ClientHello (bytes of TLS records)",
                description = "Most bytes of TLS records to wait for to read a whole ClientHello, "
                        + "between 512 and 1048576. Default 32768: two full records, for hellos "
                        + "of up to 16 KiB (post-quantum key shares).",
                min = "512",
                max = "1048576")
        int max_hello_bytes() default DEFAULT_MAX_HELLO_BYTES;
    }

    private final int maxHelloBytes;

    /**
     * DS activation (the configuration thread of SCR): takes the configured cap, clamped to
     * [{@value #MIN_MAX_HELLO_BYTES}, {@value #MAX_MAX_HELLO_BYTES}] with a warning.
     */
    @Activate
    public TlsSniffer(Config config) {
        this(clamp(config.max_hello_bytes()));
    }

    /** Tests and embedding without DS: a sniffer with the given cap. */
    TlsSniffer(int maxHelloBytes) {
        if (maxHelloBytes < MIN_MAX_HELLO_BYTES || maxHelloBytes > MAX_MAX_HELLO_BYTES) {
            throw new IllegalArgumentException("max.hello.bytes must be between " + MIN_MAX_HELLO_BYTES
                    + " and " + MAX_MAX_HELLO_BYTES + ": " + maxHelloBytes);
        }
        this.maxHelloBytes = maxHelloBytes;
    }

    private static int clamp(int configured) {
        int clamped = Math.max(MIN_MAX_HELLO_BYTES, Math.min(MAX_MAX_HELLO_BYTES, configured));
        if (clamped != configured) {
            LOG.warn("{}: max.hello.bytes={} is out of range [{}, {}], using {}", PID, configured,
                    MIN_MAX_HELLO_BYTES, MAX_MAX_HELLO_BYTES, clamped);
        }
        return clamped;
    }

    /**
     * Config time: compiles one of the six keywords to its shared {@link Fetch}. None takes
     * arguments. May be called from any thread; does not block.
     *
     * @throws ConfigException for arguments ("req.ssl_sni takes no arguments") or a keyword this
     *         bundle does not serve
     */
    @Override
    public Fetch compile(String keyword, List<String> args, ConfigContext context) throws ConfigException {
        TlsFetch fetch = TlsFetch.forKeyword(keyword);
        if (fetch == null) {
            throw new ConfigException(keyword + ": not a fetch of the TLS sniffer (it serves "
                    + "req.ssl_sni, req.ssl_hello_type, req.ssl_alpn, req.ssl_ver, req.ssl_ec_ext, req.ssl_ech)");
        }
        if (args != null && !args.isEmpty()) {
            throw new ConfigException(keyword + " takes no arguments");
        }
        return fetch;
    }

    /**
     * Config time: the cap on the record bytes a ClientHello may take, {@code max.hello.bytes}
     * ({@value #DEFAULT_MAX_HELLO_BYTES} by default; see there why). Does not block.
     */
    @Override
    public int peekLimit() {
        return maxHelloBytes;
    }

    /**
     * Event loop: looks for a whole ClientHello in {@code in}'s readable bytes.
     *
     * <p>Peeks only: reads with absolute indexes, never moves {@code in}'s reader or writer
     * index, never retains or releases it (the core owns it). Never blocks. Allocates nothing but
     * the facts themselves (the SNI String, the ALPN list) for a hello in one record; a hello
     * spanning records is read in place through a small index of its records, not copied.
     *
     * <p>Returns {@link SniffResult#NEED_MORE} while the bytes are a prefix of a handshake record
     * sequence whose hello is not complete; {@link SniffResult#DONE} once the hello is read, with
     * every fact stored; {@link SniffResult#NOT_APPLICABLE}, storing nothing, for anything else:
     * not a TLS handshake record (HTTP, SSH, an SSLv2 hello), a handshake message other than
     * ClientHello, lengths that do not add up, or a hello whose records exceed {@link #peekLimit()}.
     * Never throws on malformed input.
     */
    @Override
    public SniffResult sniff(ByteBuf in, Facts out) {
        try {
            return ClientHelloParser.parse(in, out, maxHelloBytes);
        } catch (IndexOutOfBoundsException e) {
            // Every read is bounded by the lengths checked against the writer index first, so this
            // is a parser bug; malformed input must never surface as an exception to the core.
            LOG.debug("TLS sniffer read out of bounds; treating the bytes as not a ClientHello", e);
            return SniffResult.NOT_APPLICABLE;
        }
    }

    /** Any thread: for logs and the shell. */
    @Override
    public String toString() {
        return "TlsSniffer[max.hello.bytes=" + maxHelloBytes + "]";
    }
}
