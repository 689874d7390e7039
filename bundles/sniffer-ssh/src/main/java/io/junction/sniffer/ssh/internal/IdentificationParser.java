package io.junction.sniffer.ssh.internal;

import io.junction.api.Facts;
import io.junction.api.SniffResult;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads the SSH identification string a client sends first, RFC 4253 section 4.2 ("Protocol
 * Version Exchange"), in place: absolute {@code getByte} from the reader index, so the buffer's
 * indexes never move and nothing is copied until the line is complete.
 *
 * <p>The wire format, as section 4.2 writes it:
 * <pre>
 *   SSH-protoversion-softwareversion SP comments CR LF
 * </pre>
 * The RFC gives no ABNF; this is ours (RFC 5234), written from the prose of section 4.2 and with
 * the leniencies explained below marked:
 * <pre>
 *   ident-line      = "SSH-" protoversion "-" softwareversion [ SP comments ] eol
 *                     ; at most 255 octets, eol included ("The maximum length of the string
 *                     ; is 255 characters, including the Carriage Return and Line Feed")
 *   protoversion    = 1*vchar-no-minus          ; "2.0"; "1.99" (section 5.1); "1.5" (SSH-1)
 *   softwareversion = 1*( vchar-no-minus / "-" ) ; LENIENT: the RFC excludes "-"
 *   comments        = *( %x20-7E / %x80-FF )    ; OPTIONAL; no control characters, no NUL
 *   eol             = CR LF / LF                ; LENIENT: bare LF, see below
 *   vchar-no-minus  = %x21-2C / %x2E-7E         ; "printable US-ASCII characters, with the
 *                                               ; exception of whitespace characters and the
 *                                               ; minus sign (-)"
 * </pre>
 *
 * <p><b>Only the first line.</b> "The server MAY send other lines of data before sending the
 * version string"; a client may not: it sends its identification string first. So a client's
 * first bytes are either a prefix of {@code SSH-} or not SSH at all, and the verdict on TLS
 * ({@code 0x16 0x03 ...}), HTTP ({@code GET / ...}) or garbage comes from the first byte.
 *
 * <p><b>Bare LF.</b> Section 4.2: "Implementers who wish to maintain compatibility with older,
 * undocumented versions of this protocol may want to process the identification string without
 * expecting the presence of the carriage return character". We do: a line ending in LF alone is
 * accepted (OpenSSH's sshd does the same). A CR must be followed by LF, though: a CR elsewhere is
 * a control character.
 *
 * <p><b>'-' inside softwareversion.</b> The RFC forbids it, but real clients send it (JSch 0.1.x:
 * {@code SSH-2.0-JSCH-0.1.54}) and OpenSSH's sshd accepts it (it splits at the second '-' only).
 * So protoversion ends at the first '-' after {@code SSH-}, and every later '-' before the first
 * SP belongs to softwareversion. Routing such a client to the default server instead of the SSH
 * server would be the worse mistake.
 *
 * <p><b>Comments</b> may hold any byte but control characters (0x00-0x1F, 0x7F): the RFC does not
 * restrict them beyond "The null character MUST NOT be sent", and says other lines SHOULD be
 * UTF-8, so they are decoded as UTF-8. A line that ends right after the SP has empty comments,
 * stored as {@code ""} (the client did send the separator); no SP means no comments fact.
 *
 * <p>Every read is bounded by {@code min(readableBytes, 255)}, so the parser never reads past the
 * writer index and never scans more than 255 bytes however much was buffered.
 */
final class IdentificationParser {

    /**
     * RFC 4253 section 4.2: "The maximum length of the string is 255 characters, including the
     * Carriage Return and Line Feed." This is also the sniffer's peek limit: a client that sent
     * 255 bytes without a line end is not speaking SSH.
     */
    static final int MAX_LINE = 255;

    private static final byte[] PREFIX = {'S', 'S', 'H', '-'};

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';

    private IdentificationParser() {
    }

    /**
     * Event loop: parses {@code in}'s readable bytes. Stores the facts and returns
     * {@link SniffResult#DONE} only once the whole line is there; stores nothing otherwise. Never
     * moves {@code in}'s indexes, never retains or releases it, never throws on malformed input.
     * Allocates nothing before DONE; on DONE, the two or three fact Strings.
     */
    static SniffResult parse(ByteBuf in, Facts out) {
        final int base = in.readerIndex();
        final int n = Math.min(in.readableBytes(), MAX_LINE);

        // "SSH-": compared as far as the bytes go, so that "S", "SS", "SSH" wait and "GET" fails
        // on its first byte.
        for (int i = 0; i < PREFIX.length; i++) {
            if (i >= n) {
                return SniffResult.NEED_MORE;
            }
            if (in.getByte(base + i) != PREFIX[i]) {
                return SniffResult.NOT_APPLICABLE;
            }
        }

        int protoEnd = -1;    // index of the '-' that ends protoversion
        int softwareEnd = -1; // index of the SP, CR or LF that ends softwareversion
        int i = PREFIX.length;
        // protoversion
        for (; i < n; i++) {
            byte b = in.getByte(base + i);
            if (b == '-') {
                if (i == PREFIX.length) {
                    return SniffResult.NOT_APPLICABLE; // empty protoversion: "SSH--..."
                }
                protoEnd = i;
                i++;
                break;
            }
            if (!isVcharNoMinus(b)) {
                return SniffResult.NOT_APPLICABLE; // includes CR/LF: "SSH-2.0" with no software
            }
        }
        if (protoEnd < 0) {
            return more(n);
        }
        // softwareversion
        for (; i < n; i++) {
            byte b = in.getByte(base + i);
            if (b == SP || b == CR || b == LF) {
                if (i == protoEnd + 1) {
                    return SniffResult.NOT_APPLICABLE; // empty softwareversion: "SSH-2.0-" then end
                }
                softwareEnd = i;
                break;
            }
            if (b != '-' && !isVcharNoMinus(b)) {
                return SniffResult.NOT_APPLICABLE;
            }
        }
        if (softwareEnd < 0) {
            return more(n);
        }
        // comments, when an SP follows softwareversion
        int commentsStart = -1;
        if (in.getByte(base + i) == SP) {
            commentsStart = ++i;
            for (; i < n; i++) {
                byte b = in.getByte(base + i);
                if (b == CR || b == LF) {
                    break;
                }
                if (isControl(b)) {
                    return SniffResult.NOT_APPLICABLE;
                }
            }
            if (i >= n) {
                return more(n);
            }
        }
        // eol at i: LF, or CR LF
        int contentEnd = i;
        if (in.getByte(base + i) == CR) {
            if (i + 1 >= n) {
                // The LF is not here yet. If 255 bytes are already buffered it could only come as
                // the 256th byte, which section 4.2 does not allow.
                return more(n);
            }
            if (in.getByte(base + i + 1) != LF) {
                return SniffResult.NOT_APPLICABLE; // a lone CR is a control character
            }
        }

        out.put(SshFacts.PROTO, in.toString(base + PREFIX.length, protoEnd - PREFIX.length, StandardCharsets.US_ASCII));
        out.put(SshFacts.SOFTWARE, in.toString(base + protoEnd + 1, softwareEnd - protoEnd - 1, StandardCharsets.US_ASCII));
        if (commentsStart >= 0) {
            out.put(SshFacts.COMMENTS, in.toString(base + commentsStart, contentEnd - commentsStart, StandardCharsets.UTF_8));
        }
        return SniffResult.DONE;
    }

    /**
     * The line is valid so far but not terminated within the {@code n} bytes examined: wait for
     * more while fewer than {@value #MAX_LINE} bytes were examined (then {@code n} is everything
     * that was received); at {@value #MAX_LINE} the line is over-long.
     */
    private static SniffResult more(int n) {
        return n < MAX_LINE ? SniffResult.NEED_MORE : SniffResult.NOT_APPLICABLE;
    }

    /** Printable US-ASCII except SP and '-': {@code %x21-2C / %x2E-7E}. */
    private static boolean isVcharNoMinus(byte b) {
        return b >= 0x21 && b <= 0x7E && b != '-';
    }

    /** C0 controls and DEL; bytes 0x80-0xFF (negative as Java bytes) are UTF-8, not controls. */
    private static boolean isControl(byte b) {
        return (b >= 0 && b < 0x20) || b == 0x7F;
    }
}
