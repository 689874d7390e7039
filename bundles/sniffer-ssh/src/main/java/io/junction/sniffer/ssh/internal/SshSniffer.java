package io.junction.sniffer.ssh.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.junction.api.FetchProvider;
import io.junction.api.SniffResult;
import io.junction.api.Sniffer;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSH sniffer: reads the client's identification string (RFC 4253 section 4.2,
 * {@code SSH-protoversion-softwareversion SP comments CR LF}) without consuming it, for the
 * fetches {@code req.ssh_proto}, {@code req.ssh_software} and {@code req.ssh_comments}. See
 * {@link IdentificationParser} for the grammar and the leniencies.
 *
 * <p><b>Server-first clients.</b> SSH lets both sides send their identification string at once,
 * and most clients (OpenSSH, PuTTY, Dropbear, libssh, Go) do send theirs without waiting; some wait
 * for the server's first. Such a client sends nothing a router could read, so no rule on
 * {@code req.ssh_*} can ever match it: the connection waits for {@code tcp-request
 * inspect-delay} and then falls through to what is left (the default server), as sslh's
 * {@code on-timeout} target does. The trade-off: a longer inspect delay makes a waiting SSH client
 * wait that long for its server's banner (clients typically give up after 10 to 30 s), a shorter
 * one risks cutting off slow senders of other protocols. Route such clients by making the SSH
 * server the default ({@code server ... } without weight 0, or {@code default_backend}), or with
 * {@code req.len 0} (nothing received when inspection ended) from the payload sniffer.
 *
 * <p>Threads: {@link #compile} and {@link #peekLimit} at config time, {@link #sniff} on the
 * connection's event loop. Stateless and immutable: one instance serves every connection on every
 * event loop.
 */
@Component(
        name = SshSniffer.NAME,
        service = Sniffer.class,
        property = {
            FetchProvider.FETCHES + "=req.ssh_proto",
            FetchProvider.FETCHES + "=req.ssh_software",
            FetchProvider.FETCHES + "=req.ssh_comments",
            Sniffer.PROTOCOL + "=ssh",
        })
public final class SshSniffer implements Sniffer {

    /** DS component name. */
    public static final String NAME = "io.junction.sniffer.ssh";

    private static final Logger LOG = LoggerFactory.getLogger(SshSniffer.class);

    /** DS (SCR's thread) and tests: the sniffer has no configuration. */
    public SshSniffer() {
    }

    /**
     * Config time: compiles one of the three keywords to its shared {@link Fetch}. None takes
     * arguments. May be called from any thread; does not block.
     *
     * @throws ConfigException for arguments or a keyword this sniffer does not serve
     */
    @Override
    public Fetch compile(String keyword, List<String> args, ConfigContext context) throws ConfigException {
        SshFetch fetch = SshFetch.forKeyword(keyword);
        if (fetch == null) {
            throw new ConfigException(keyword + ": not a fetch of the SSH sniffer (it serves "
                    + "req.ssh_proto, req.ssh_software, req.ssh_comments)");
        }
        if (args != null && !args.isEmpty()) {
            throw new ConfigException(keyword + " takes no arguments");
        }
        return fetch;
    }

    /**
     * Config time: {@value IdentificationParser#MAX_LINE} bytes, the longest identification
     * string RFC 4253 section 4.2 allows ("The maximum length of the string is 255 characters,
     * including the Carriage Return and Line Feed"). Does not block.
     */
    @Override
    public int peekLimit() {
        return IdentificationParser.MAX_LINE;
    }

    /**
     * Event loop: looks for a whole identification line at the start of {@code in}'s readable
     * bytes.
     *
     * <p>Peeks only: absolute reads, never moves {@code in}'s reader or writer index, never
     * retains or releases it (the core owns it). Never blocks. Allocates nothing but the fact
     * Strings on DONE.
     *
     * <p>Returns {@link SniffResult#NEED_MORE} while the bytes are a prefix of a valid line
     * (including a prefix of {@code SSH-}) shorter than 255 bytes; {@link SniffResult#DONE} once
     * the line ends (CR LF or bare LF), with {@code req.ssh_proto}, {@code req.ssh_software} and,
     * when sent, {@code req.ssh_comments} stored; {@link SniffResult#NOT_APPLICABLE}, storing
     * nothing, for anything else: TLS, HTTP, garbage, a control character or NUL, a missing
     * {@code -} part, no line end within 255 bytes. Never throws on malformed input.
     */
    @Override
    public SniffResult sniff(ByteBuf in, Facts out) {
        try {
            return IdentificationParser.parse(in, out);
        } catch (IndexOutOfBoundsException e) {
            // Every read is bounded by the readable bytes checked first, so this is a parser bug;
            // malformed input must never surface as an exception to the core.
            LOG.debug("SSH sniffer read out of bounds; treating the bytes as not SSH", e);
            return SniffResult.NOT_APPLICABLE;
        }
    }

    /** Any thread: for logs and the shell. */
    @Override
    public String toString() {
        return "SshSniffer";
    }
}
