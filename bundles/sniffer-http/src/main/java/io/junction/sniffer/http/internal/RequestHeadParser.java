package io.junction.sniffer.http.internal;

import io.junction.api.Facts;
import io.junction.api.SniffResult;
import io.junction.api.WellKnownFacts;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an HTTP/1.0 or HTTP/1.1 request head from a connection's first bytes without consuming
 * them: every read is an absolute {@code get} or {@code indexOf}, so the buffer's indexes never
 * move, and nothing is retained or released (the core owns the buffer).
 *
 * <p>Two steps, so that the bytes are turned into Strings once. The <b>scan</b> runs on every call
 * while the head is incomplete: it checks the request-line byte by byte, the name of every field
 * line, and hops from each field's colon to its LF with {@link ByteBuf#indexOf}; it allocates
 * nothing and answers NEED_MORE for a valid prefix, NOT_APPLICABLE from the first byte that
 * cannot start or continue a request head, or the end of the head. Only then does the <b>parse</b>
 * read the head a second time, check the field values (which the scan skipped) and copy the
 * method, the request-target and the fields out as Strings.
 *
 * <p>Strictness: the sniffer routes a TCP connection on what it reads, and the backend reads the
 * same bytes; anything two parsers could read differently is NOT_APPLICABLE (the rules then see no
 * HTTP facts), as a security-minded server answers 400: bare LF line endings, obs-fold, whitespace
 * before a field's colon, invalid token characters, control characters in values, a version other
 * than HTTP/1.0 and HTTP/1.1, two Host field lines, and an absolute-form or authority-form target
 * whose authority differs from the Host field.
 *
 * <p>Not done on purpose: RFC 9112 section 2.2 says a server SHOULD ignore at least one empty line
 * before the request-line. A client has no reason to send one at the start of a connection, and
 * rejecting it keeps the rule "a byte that cannot start a method ends detection at once", which is
 * what lets a non-HTTP client (TLS, SSH) be recognised from its first byte.
 *
 * <p>Thread: the event loop of the connection being sniffed. Never blocks; stateless and
 * thread-safe (everything lives in locals).
 */
final class RequestHeadParser {

    // RFC 9112 section 2.1, Message Format:
    //
    //   HTTP-message   = start-line CRLF
    //                    *( field-line CRLF )
    //                    CRLF
    //                    [ message-body ]
    //
    // RFC 9112 section 2.2, Message Parsing: "Although the line terminator for the start-line and
    // fields is the sequence CRLF, a recipient MAY recognize a single LF as a line terminator" -- we
    // do not: a bare LF is read as a line end by some parsers and not by others (a smuggling
    // primitive). "A sender MUST NOT send whitespace between the start-line and the first header
    // field. A recipient that receives whitespace between the start-line and the first header field
    // MUST either reject the message as invalid or ..." -- we reject.
    //
    // RFC 9112 section 3, Request Line (one SP each, no other whitespace: "recipients SHOULD NOT
    // attempt to autocorrect"):
    //
    //   request-line   = method SP request-target SP HTTP-version
    //   method         = token                         (RFC 9110 section 9.1, case-sensitive)
    //
    // RFC 9112 section 2.3, HTTP Version:
    //
    //   HTTP-version   = HTTP-name "/" DIGIT "." DIGIT
    //   HTTP-name      = %s"HTTP"
    //
    // RFC 9112 section 3.2, Request Target:
    //
    //   request-target = origin-form / absolute-form / authority-form / asterisk-form
    //   origin-form    = absolute-path [ "?" query ]
    //   absolute-form  = absolute-URI
    //   authority-form = uri-host ":" port               (CONNECT only)
    //   asterisk-form  = "*"                              (OPTIONS only)
    //
    // RFC 9112 section 5, Field Syntax, and RFC 9110 sections 5.1, 5.5 and 5.6:
    //
    //   field-line     = field-name ":" OWS field-value OWS
    //   field-name     = token
    //   field-value    = *field-content
    //   field-content  = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
    //   field-vchar    = VCHAR / obs-text
    //   obs-text       = %x80-FF
    //   OWS            = *( SP / HTAB )
    //   token          = 1*tchar
    //   tchar          = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
    //                    "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    //
    // RFC 9112 section 5.1: "No whitespace is allowed between the field name and colon. [...] A
    // server MUST reject, with a response status code of 400 (Bad Request), any received request
    // message that contains whitespace between a header field name and colon."
    // RFC 9112 section 5.2: obs-fold (a field line continued on a line that starts with SP or
    // HTAB) is obsolete; a server MUST either reject the message or replace it -- we reject.

    /** {@link #scan} result: the bytes so far are a prefix of a request head. */
    static final int NEED_MORE = -1;
    /** {@link #scan} result: the bytes are not a (valid) request head. */
    static final int NOT_APPLICABLE = -2;

    private static final byte SP = ' ';
    private static final byte HTAB = '\t';
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte COLON = ':';

    /**
     * Longest method accepted: 32 characters. The longest method in the IANA HTTP Method Registry
     * is 17 (UPDATEREDIRECTREF); a longer run of token characters is some other protocol, and
     * stopping early means such a client does not keep the connection waiting for a whole head.
     */
    static final int MAX_METHOD_LENGTH = 32;

    /**
     * Most field lines accepted: 101, HAProxy's default {@code tune.http.maxhdr}; HAProxy answers
     * 400 to a request with more. Real requests carry 5 to 30.
     */
    static final int MAX_FIELDS = 101;

    /** "HTTP/1." -- only HTTP/1.0 and HTTP/1.1 heads are read (HTTP/2's preface says "HTTP/2.0"). */
    private static final byte[] VERSION_PREFIX = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    /** tchar of RFC 9110 section 5.6.2, indexed by byte value (negative bytes are not tchar). */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private RequestHeadParser() {
    }

    static boolean isTchar(byte b) {
        return b >= 0 && TCHAR[b];
    }

    static boolean isTchar(char c) {
        return c < 128 && TCHAR[c];
    }

    private static boolean isAlpha(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    /** When the head is not complete yet: wait, unless the cap was reached (then it is too long). */
    private static int more(boolean capped) {
        return capped ? NOT_APPLICABLE : NEED_MORE;
    }

    /**
     * Event loop: finds the end of the request head in {@code in}'s readable bytes, checking the
     * request-line and the field names on the way. Allocates nothing.
     *
     * @param in the connection's first bytes; read with absolute indexes only, not retained, not
     *        released
     * @param maxHeadBytes the most bytes the head may take, from the reader index, final CRLF
     *        included
     * @return the buffer index just past the head's final CRLF, {@link #NEED_MORE} or
     *         {@link #NOT_APPLICABLE}
     */
    static int scan(ByteBuf in, int maxHeadBytes) {
        final int start = in.readerIndex();
        final int available = in.writerIndex() - start;
        // Past the cap the head can no longer complete: not finding its end there is final.
        final boolean capped = available >= maxHeadBytes;
        final int limit = start + Math.min(available, maxHeadBytes);
        int i = start;

        // method SP: a token, from its first byte (TLS' 0x16, a NUL, a space are rejected at once).
        while (true) {
            if (i >= limit) {
                return more(capped);
            }
            byte b = in.getByte(i);
            if (b == SP) {
                break;
            }
            if (!isTchar(b) || i - start >= MAX_METHOD_LENGTH) {
                return NOT_APPLICABLE;
            }
            i++;
        }
        if (i == start) {
            return NOT_APPLICABLE;
        }
        i++;

        // request-target SP: visible US-ASCII only (no whitespace, no control, no raw 8-bit byte:
        // RFC 3986 has none, and servers differ on what they do with them), in one of the four
        // forms: "/...", "*", or a scheme / host starting with a letter.
        if (i >= limit) {
            return more(capped);
        }
        byte first = in.getByte(i);
        if (first != '/' && first != '*' && !isAlpha(first)) {
            return NOT_APPLICABLE;
        }
        while (true) {
            if (i >= limit) {
                return more(capped);
            }
            byte b = in.getByte(i);
            if (b == SP) {
                break;
            }
            if (b < 0x21 || b > 0x7E) { // bytes are signed: 0x80-0xFF are negative
                return NOT_APPLICABLE;
            }
            i++;
        }
        i++;

        // HTTP-version CRLF: "HTTP/1.0" or "HTTP/1.1", then CRLF at once (no trailing space).
        for (byte expected : VERSION_PREFIX) {
            if (i >= limit) {
                return more(capped);
            }
            if (in.getByte(i++) != expected) {
                return NOT_APPLICABLE;
            }
        }
        if (i >= limit) {
            return more(capped);
        }
        byte minor = in.getByte(i++);
        if (minor != '0' && minor != '1') {
            return NOT_APPLICABLE;
        }
        if (i >= limit) {
            return more(capped);
        }
        if (in.getByte(i++) != CR) {
            return NOT_APPLICABLE;
        }
        if (i >= limit) {
            return more(capped);
        }
        if (in.getByte(i++) != LF) {
            return NOT_APPLICABLE;
        }

        // *( field-line CRLF ) CRLF
        int fields = 0;
        while (true) {
            if (i >= limit) {
                return more(capped);
            }
            byte b = in.getByte(i);
            if (b == CR) {
                if (i + 1 >= limit) {
                    return more(capped);
                }
                return in.getByte(i + 1) == LF ? i + 2 : NOT_APPLICABLE;
            }
            if (++fields > MAX_FIELDS) {
                return NOT_APPLICABLE;
            }
            // field-name ":" -- a line starting with SP/HTAB (obs-fold, or whitespace after the
            // request-line), a bare LF, a space before the colon and an empty name all stop here.
            int nameStart = i;
            while (true) {
                if (i >= limit) {
                    return more(capped);
                }
                b = in.getByte(i);
                if (b == COLON) {
                    break;
                }
                if (!isTchar(b)) {
                    return NOT_APPLICABLE;
                }
                i++;
            }
            if (i == nameStart) {
                return NOT_APPLICABLE;
            }
            // OWS field-value OWS CRLF: hop to the LF; the value's bytes are checked once, by parse.
            if (i + 1 >= limit) {
                return more(capped);
            }
            int lf = in.indexOf(i + 1, limit, LF);
            if (lf < 0) {
                return more(capped);
            }
            if (in.getByte(lf - 1) != CR) { // lf - 1 > i: the colon is not CR
                return NOT_APPLICABLE;
            }
            i = lf + 1;
        }
    }

    /**
     * Event loop: reads the head that {@link #scan} delimited and, when it is valid, puts
     * {@link WellKnownFacts#HTTP_METHOD}, {@link WellKnownFacts#HTTP_URI} and
     * {@link WellKnownFacts#HTTP_HEADERS} into {@code out}. Puts nothing otherwise.
     *
     * @param in the same buffer, unchanged since the scan; read with absolute indexes only
     * @param end what {@link #scan} returned: the index just past the head
     * @return {@link SniffResult#DONE} or {@link SniffResult#NOT_APPLICABLE}
     */
    static SniffResult parse(ByteBuf in, int end, Facts out) {
        final int start = in.readerIndex();
        // The request-line's shape was checked by the scan: two single spaces, then the version.
        int sp1 = in.indexOf(start, end, SP);
        int sp2 = in.indexOf(sp1 + 1, end, SP);
        String method = in.toString(start, sp1 - start, StandardCharsets.US_ASCII);
        String target = in.toString(sp1 + 1, sp2 - sp1 - 1, StandardCharsets.US_ASCII);
        int i = in.indexOf(sp2, end, LF) + 1;

        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        String host = null;
        int hosts = 0;
        while (in.getByte(i) != CR) {
            int colon = in.indexOf(i, end, COLON);
            int lf = in.indexOf(colon, end, LF);
            int valueStart = colon + 1;
            int valueEnd = lf - 1; // the CR
            // RFC 9110 section 5.5: "Field values containing CR, LF, or NUL characters are invalid
            // and dangerous"; other CTLs and DEL are not field-vchar either.
            for (int k = valueStart; k < valueEnd; k++) {
                int b = in.getByte(k) & 0xFF;
                if ((b < 0x20 && b != HTAB) || b == 0x7F) {
                    return SniffResult.NOT_APPLICABLE;
                }
            }
            while (valueStart < valueEnd && isOws(in.getByte(valueStart))) {
                valueStart++;
            }
            while (valueEnd > valueStart && isOws(in.getByte(valueEnd - 1))) {
                valueEnd--;
            }
            String name = lowerCaseName(in, i, colon);
            // ISO-8859-1 maps every byte to one char, so obs-text survives as sent (RFC 9110
            // section 5.5: field values were historically ISO-8859-1).
            String value = in.toString(valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
            if (name.equals("host")) {
                hosts++;
                host = value;
            }
            names.add(name);
            values.add(value);
            i = lf + 1;
        }

        // RFC 9112 section 3.2: "A server MUST respond with a 400 (Bad Request) status code to any
        // HTTP/1.1 request message that lacks a Host header field and to any request message that
        // contains more than one Host header field line". A missing Host is left to the rules (no
        // hdr(host): the default route, as HAProxy does); two Host lines would let the router and
        // the backend each pick a different one.
        if (hosts > 1) {
            return SniffResult.NOT_APPLICABLE;
        }
        // RFC 9112 section 3.2: "If the target URI includes an authority component, then a client
        // MUST send a field value for Host that is identical to that authority component", and
        // section 3.2.2: a server receiving the absolute-form "MUST ignore the received Host header
        // field". Routing on a Host the backend ignores would be routing on the wrong name, so a
        // mismatch is not read (HAProxy answers 400 to it since 2.1).
        String authority = authority(method, target);
        if (authority != null && host != null && !authority.equalsIgnoreCase(host)) {
            return SniffResult.NOT_APPLICABLE;
        }

        out.put(WellKnownFacts.HTTP_METHOD, method);
        out.put(WellKnownFacts.HTTP_URI, target);
        out.put(WellKnownFacts.HTTP_HEADERS,
                new SniffedHeaders(names.toArray(new String[0]), values.toArray(new String[0])));
        return SniffResult.DONE;
    }

    private static boolean isOws(byte b) {
        return b == SP || b == HTAB;
    }

    /** The field name, lower-cased (ASCII only: a token has no other letters). */
    private static String lowerCaseName(ByteBuf in, int from, int to) {
        char[] name = new char[to - from];
        for (int k = from; k < to; k++) {
            byte b = in.getByte(k);
            name[k - from] = (char) (b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        }
        return new String(name);
    }

    /**
     * The authority a request-target carries, without userinfo (RFC 9110 section 4.2.4), or null:
     * the part after {@code scheme://} of the absolute-form, the whole authority-form of CONNECT.
     */
    static String authority(String method, String target) {
        char first = target.charAt(0);
        if (first == '/' || first == '*') {
            return null;
        }
        // RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        int i = 1;
        while (i < target.length() && isSchemeChar(target.charAt(i))) {
            i++;
        }
        String authority;
        if (target.startsWith("://", i)) {
            int from = i + 3;
            int to = from;
            while (to < target.length() && "/?#".indexOf(target.charAt(to)) < 0) {
                to++;
            }
            authority = target.substring(from, to);
        } else if (method.equals("CONNECT")) {
            authority = target;
        } else {
            return null; // an absolute-URI without authority ("urn:x"): nothing to compare
        }
        int at = authority.lastIndexOf('@');
        return at < 0 ? authority : authority.substring(at + 1);
    }

    private static boolean isSchemeChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '+' || c == '-' || c == '.';
    }
}
