package io.junction.sniffer.http.internal;

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
 * The HTTP fetches ({@code hdr}, {@code req.hdr}, {@code hdr_cnt}, {@code req.hdr_cnt},
 * {@code req.fhdr}, {@code req.fhdr_cnt}, {@code path}, {@code url}, {@code base},
 * {@code method}; see {@link HttpFetches}) and the sniffer that feeds them on TCP listeners.
 *
 * <p>The fetches read only the well-known HTTP facts. In {@code mode http} the HTTP mode stores
 * them for every request, and this sniffer never runs. In {@code mode tcp} the sniffer reads the
 * <b>first</b> request head of the connection from the client's raw bytes, without consuming
 * them, and stores the same facts: plain HTTP routed by Host on a TCP listener, as sniproxy does.
 * Only the first request is seen: later requests on the same keep-alive connection go where the
 * first one went, whatever their Host (use {@code mode http} to route each request).
 *
 * <p>Configured through ConfigAdmin PID {@value #PID}, property {@code max.head.bytes}; a change
 * reactivates the component (the service is re-registered with the new peek limit).
 *
 * <p>Threads: {@link #compile} and {@link #peekLimit} at config time, {@link #sniff} on the
 * connection's event loop. The component is immutable after construction and keeps no
 * per-connection state, so one instance serves every connection on every event loop.
 */
@Component(
        name = HttpSniffer.PID,
        configurationPid = HttpSniffer.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
            FetchProvider.FETCHES + "=hdr",
            FetchProvider.FETCHES + "=req.hdr",
            FetchProvider.FETCHES + "=hdr_cnt",
            FetchProvider.FETCHES + "=req.hdr_cnt",
            FetchProvider.FETCHES + "=req.fhdr",
            FetchProvider.FETCHES + "=req.fhdr_cnt",
            FetchProvider.FETCHES + "=path",
            FetchProvider.FETCHES + "=url",
            FetchProvider.FETCHES + "=base",
            FetchProvider.FETCHES + "=method",
            Sniffer.PROTOCOL + "=http",
        })
@Designate(ocd = HttpSniffer.Config.class)
public final class HttpSniffer implements Sniffer {

    /** ConfigAdmin PID and component name. */
    public static final String PID = "io.junction.sniffer.http";

    /**
     * Default cap on a request head: 16 KiB. Request heads are typically 200 bytes to 2 KB, and
     * a few KB with large cookies or tokens; HAProxy keeps a whole head in one buffer of
     * {@code tune.bufsize} (16384 by default) and answers 400 to a longer one, so a head HAProxy
     * would accept fits. It also bounds what the core buffers per connection before a verdict.
     */
    public static final int DEFAULT_MAX_HEAD_BYTES = 16 * 1024;

    /**
     * Smallest accepted cap: 1 KiB. Below that a browser's head with a few cookies would be cut
     * and the sniffer would only ever say NOT_APPLICABLE.
     */
    static final int MIN_MAX_HEAD_BYTES = 1024;

    /**
     * Largest accepted cap: 1 MiB. The core may buffer this much per connection while it waits
     * for a verdict; more would let idle clients hold a lot of memory.
     */
    static final int MAX_MAX_HEAD_BYTES = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(HttpSniffer.class);

    /** ConfigAdmin configuration of the HTTP sniffer. */
    @ObjectClassDefinition(
            name = "Junction HTTP sniffer",
            description = "Reads the first HTTP/1.x request head of a TCP connection for hdr(), path, method... "
                    + "(in mode tcp; mode http stores them per request itself).")
    public @interface Config {
        /**
         * The most bytes of request head (request-line, fields, final CRLF) the sniffer waits for;
         * a longer head is not sniffed (its rules see no HTTP facts).
         */
        @AttributeDefinition(
                name = "Largest request head (bytes)",
                description = "Most bytes of request head (request-line, header fields and the empty line) "
                        + "to wait for, between 1024 and 1048576. Default 16384, as HAProxy's tune.bufsize.",
                min = "1024",
                max = "1048576")
        int max_head_bytes() default DEFAULT_MAX_HEAD_BYTES;
    }

    private final int maxHeadBytes;

    /**
     * DS activation (the configuration thread of SCR): takes the configured cap, clamped to
     * [{@value #MIN_MAX_HEAD_BYTES}, {@value #MAX_MAX_HEAD_BYTES}] with a warning.
     */
    @Activate
    public HttpSniffer(Config config) {
        this(clamp(config.max_head_bytes()));
    }

    /** Tests and embedding without DS: a sniffer with the given cap. */
    HttpSniffer(int maxHeadBytes) {
        if (maxHeadBytes < MIN_MAX_HEAD_BYTES || maxHeadBytes > MAX_MAX_HEAD_BYTES) {
            throw new IllegalArgumentException("max.head.bytes must be between " + MIN_MAX_HEAD_BYTES
                    + " and " + MAX_MAX_HEAD_BYTES + ": " + maxHeadBytes);
        }
        this.maxHeadBytes = maxHeadBytes;
    }

    private static int clamp(int configured) {
        int clamped = Math.max(MIN_MAX_HEAD_BYTES, Math.min(MAX_MAX_HEAD_BYTES, configured));
        if (clamped != configured) {
            LOG.warn("{}: max.head.bytes={} is out of range [{}, {}], using {}", PID, configured,
                    MIN_MAX_HEAD_BYTES, MAX_MAX_HEAD_BYTES, clamped);
        }
        return clamped;
    }

    /**
     * Config time: compiles one use of a keyword (see {@link HttpFetches} for each one's
     * arguments and sample). Header names are lower-cased here, once. May be called from any
     * thread; does not block.
     *
     * @throws ConfigException for a wrong number of arguments ("hdr takes a header name and an
     *         optional occurrence ..."), a name that is not a token, an occurrence that is not an
     *         integer, or a keyword this bundle does not serve
     */
    @Override
    public Fetch compile(String keyword, List<String> args, ConfigContext context) throws ConfigException {
        return HttpFetches.compile(keyword, args);
    }

    /**
     * Config time: the cap on a request head, {@code max.head.bytes}
     * ({@value #DEFAULT_MAX_HEAD_BYTES} by default; see there why). Does not block.
     */
    @Override
    public int peekLimit() {
        return maxHeadBytes;
    }

    /**
     * Event loop: looks for a whole HTTP/1.0 or HTTP/1.1 request head in {@code in}'s readable
     * bytes (RFC 9112 sections 2.2, 3 and 5; see {@link RequestHeadParser}).
     *
     * <p>Peeks only: reads with absolute indexes, never moves {@code in}'s reader or writer index,
     * never retains or releases it (the core owns it); the facts are Strings copied out. Never
     * blocks. While the head is incomplete it allocates nothing (the head is scanned, not parsed);
     * the head is parsed once, when complete.
     *
     * <p>Returns {@link SniffResult#NEED_MORE} while the bytes are a valid prefix of a request head
     * shorter than {@link #peekLimit()}; {@link SniffResult#DONE} at the empty line that ends the
     * head, with {@code method}, {@code url} and the header fields stored; {@link
     * SniffResult#NOT_APPLICABLE}, storing nothing, for anything else (TLS, SSH, a malformed or
     * ambiguous head, a head longer than the cap). Never throws on malformed input.
     */
    @Override
    public SniffResult sniff(ByteBuf in, Facts out) {
        try {
            int end = RequestHeadParser.scan(in, maxHeadBytes);
            if (end == RequestHeadParser.NEED_MORE) {
                return SniffResult.NEED_MORE;
            }
            if (end == RequestHeadParser.NOT_APPLICABLE) {
                return SniffResult.NOT_APPLICABLE;
            }
            return RequestHeadParser.parse(in, end, out);
        } catch (IndexOutOfBoundsException e) {
            // Every read is bounded by the writer index (scan) or by the end the scan found
            // (parse), so this is a parser bug; malformed input must never surface to the core.
            LOG.debug("HTTP sniffer read out of bounds; treating the bytes as not an HTTP request", e);
            return SniffResult.NOT_APPLICABLE;
        }
    }

    /** Any thread: for logs and the shell. */
    @Override
    public String toString() {
        return "HttpSniffer[max.head.bytes=" + maxHeadBytes + "]";
    }
}
