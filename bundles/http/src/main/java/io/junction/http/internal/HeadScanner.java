package io.junction.http.internal;

import io.netty.buffer.ByteBuf;

/**
 * A strict check of one request head, byte by byte, for what Netty's {@code HttpRequestDecoder}
 * (strict line parsing, header validation) lets through: obs-fold (Netty joins folded lines),
 * whitespace other than one SP between the parts of the request line (Netty accepts HTAB, VT,
 * FF, CR and several SPs there), a request-target with control or non-ASCII bytes, a malformed
 * version, and more than one Content-Length field in HTTP/1.0 (Netty silently keeps the first
 * one). Each of these is a request-smuggling or cache-poisoning shape when a proxy and a server
 * read the same bytes differently, so the proxy rejects them with 400 and forwards nothing.
 *
 * <p>The grammar, RFC 9112:
 * <pre>
 *   HTTP-message   = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]   ; section 2.1
 *   request-line   = method SP request-target SP HTTP-version                     ; section 3
 *   method         = token                                                        ; RFC 9110 9.1
 *   HTTP-version   = HTTP-name "/" DIGIT "." DIGIT   ; HTTP-name = %s"HTTP"        ; section 2.3
 *   field-line     = field-name ":" OWS field-value OWS                           ; section 5
 *   field-name     = token                                                        ; RFC 9110 5.1
 *   obs-fold       = OWS CRLF RWS    ; a server MUST reject it with 400 or replace ; section 5.2
 *   token          = 1*tchar
 *   tchar          = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *                    "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA                  ; RFC 9110 5.6.2
 * </pre>
 * Empty lines (CRLF) before the request line are ignored, as RFC 9112 section 2.2 allows.
 *
 * <p>It is fed the bytes the decoder consumed while reading a head, in order and possibly in
 * several slices; state carries over between slices. Event loop only; allocates nothing.
 */
final class HeadScanner {

    private static final int LEADING = 0;
    private static final int METHOD = 1;
    private static final int TARGET_START = 2;
    private static final int TARGET = 3;
    private static final int VERSION = 4;
    private static final int REQUEST_LINE_LF = 5;
    private static final int LINE_START = 6;
    private static final int NAME = 7;
    private static final int VALUE = 8;
    private static final int VALUE_LF = 9;
    private static final int END_LF = 10;
    private static final int DONE = 11;
    private static final int BAD = 12;

    private static final byte[] VERSION_PREFIX = {'H', 'T', 'T', 'P', '/'};
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private int state = LEADING;
    /** Position inside the version (0..7) or inside "content-length" while matching a name. */
    private int index;
    /** Whether the field name read so far still equals a prefix of "content-length". */
    private boolean nameIsContentLength;
    private int contentLengthFields;
    private String problem;

    /** Starts a new head. */
    void reset() {
        state = LEADING;
        index = 0;
        nameIsContentLength = false;
        contentLengthFields = 0;
        problem = null;
    }

    /** Why the head is malformed, or null while it is fine so far. */
    String problem() {
        return problem;
    }

    /** Whether the empty line that ends the head has been seen. */
    boolean done() {
        return state == DONE;
    }

    /**
     * Scans {@code buf[from, to)} (absolute indexes; the buffer's indexes are not changed).
     *
     * @return false as soon as the head is known to be malformed (see {@link #problem()})
     */
    boolean scan(ByteBuf buf, int from, int to) {
        for (int i = from; i < to && state != DONE; i++) {
            if (!step(buf.getByte(i) & 0xff)) {
                state = BAD;
                return false;
            }
        }
        return state != BAD;
    }

    private boolean step(int b) {
        switch (state) {
            case LEADING:
                if (b == '\r' || b == '\n') {
                    return true;
                }
                if (!TCHAR[b]) {
                    return fail("request line does not start with a method token");
                }
                state = METHOD;
                return true;
            case METHOD:
                if (b == ' ') {
                    state = TARGET_START;
                    return true;
                }
                return TCHAR[b] || fail("invalid character in the method");
            case TARGET_START:
            case TARGET:
                if (b == ' ' && state == TARGET) {
                    state = VERSION;
                    index = 0;
                    return true;
                }
                // RFC 9112 section 3.2: the request-target is a URI form; visible ASCII only.
                // Control bytes, a second SP, HTAB and bytes >= 0x80 are rejected, as HAProxy does.
                if (b < 0x21 || b > 0x7e) {
                    return fail("invalid character 0x" + Integer.toHexString(b) + " in the request line");
                }
                state = TARGET;
                return true;
            case VERSION:
                if (index < 5) {
                    if (b != VERSION_PREFIX[index]) {
                        return fail("malformed HTTP version");
                    }
                } else if (index == 5 || index == 7) {
                    if (b < '0' || b > '9') {
                        return fail("malformed HTTP version");
                    }
                } else if (index == 6) {
                    if (b != '.') {
                        return fail("malformed HTTP version");
                    }
                } else {
                    if (b != '\r') {
                        return fail("request line does not end with CRLF after the version");
                    }
                    state = REQUEST_LINE_LF;
                    return true;
                }
                index++;
                return true;
            case REQUEST_LINE_LF:
                if (b != '\n') {
                    return fail("CR not followed by LF");
                }
                state = LINE_START;
                return true;
            case LINE_START:
                if (b == '\r') {
                    state = END_LF;
                    return true;
                }
                if (b == ' ' || b == '\t') {
                    return fail("obs-fold (a header line starting with whitespace)");
                }
                if (!TCHAR[b]) {
                    return fail("invalid character 0x" + Integer.toHexString(b) + " in a header name");
                }
                state = NAME;
                index = 1;
                nameIsContentLength = lower(b) == CONTENT_LENGTH[0];
                return true;
            case NAME:
                if (b == ':') {
                    if (nameIsContentLength && index == CONTENT_LENGTH.length && ++contentLengthFields > 1) {
                        return fail("more than one Content-Length field");
                    }
                    state = VALUE;
                    return true;
                }
                if (!TCHAR[b]) {
                    return fail("invalid character 0x" + Integer.toHexString(b) + " in a header name");
                }
                if (nameIsContentLength) {
                    nameIsContentLength = index < CONTENT_LENGTH.length && lower(b) == CONTENT_LENGTH[index];
                }
                index++;
                return true;
            case VALUE:
                if (b == '\r') {
                    state = VALUE_LF;
                    return true;
                }
                // RFC 9110 section 5.5: field-content is VCHAR, obs-text, SP and HTAB.
                if (b < 0x20 && b != '\t' || b == 0x7f) {
                    return fail("invalid character 0x" + Integer.toHexString(b) + " in a header value");
                }
                return true;
            case VALUE_LF:
            case END_LF:
                if (b != '\n') {
                    return fail("CR not followed by LF");
                }
                state = state == END_LF ? DONE : LINE_START;
                return true;
            default:
                return false;
        }
    }

    private static int lower(int b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    private boolean fail(String why) {
        problem = why;
        return false;
    }
}
