package io.junction.http.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Facts;
import io.junction.api.Fetch;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled HAProxy log-format string as {@code http-request set-header} takes it (HAProxy
 * configuration manual, section 8.2.6 "Custom log format"): literal text, {@code %%} for a
 * percent sign, {@code %[fetch]} sample expressions, and the address variables {@code %ci}
 * {@code %cp} (client) and {@code %fi} {@code %fp} (the address the client connected to).
 *
 * <p>Rendering follows HAProxy's header rules, not its log rules: a sample that is absent
 * renders as nothing (a log line writes {@code -} because log formats are parsed with
 * {@code LOG_OPT_MANDATORY}; header formats are not); a boolean renders as {@code 1} or
 * {@code 0}; an address as its text form (never IPv4-mapped); a list as its elements joined by
 * commas; other samples with {@code toString()}. Bytes that may not appear in a field value
 * (control characters, DEL) and non-ASCII characters are percent-encoded, as HAProxy encodes
 * header values, and the result is trimmed (RFC 9110 section 5.5: surrounding whitespace is not
 * part of a field value). Immutable; {@link #render} runs on event loops.
 */
final class LogFormat {

    private final Object[] parts;
    private final String constant;

    private LogFormat(Object[] parts, String constant) {
        this.parts = parts;
        this.constant = constant;
    }

    /** Address variables. */
    private enum Var {
        CLIENT_IP, CLIENT_PORT, FRONTEND_IP, FRONTEND_PORT
    }

    /** Config time: compiles {@code format}; every {@code %[...]} through {@link ConfigContext#fetch}. */
    static LogFormat compile(String format, ConfigContext context) throws ConfigException {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int n = format.length();
        for (int i = 0; i < n; i++) {
            char c = format.charAt(i);
            if (c != '%') {
                literal.append(c);
                continue;
            }
            if (i + 1 >= n) {
                throw new ConfigException("'" + format + "': '%' at the end; write '%%' for a percent sign");
            }
            char next = format.charAt(i + 1);
            if (next == '%') {
                literal.append('%');
                i++;
            } else if (next == '[') {
                int end = closingBracket(format, i + 2);
                if (end < 0) {
                    throw new ConfigException("'" + format + "': missing ']' after '%['");
                }
                String expression = format.substring(i + 2, end).trim();
                if (expression.isEmpty()) {
                    throw new ConfigException("'" + format + "': empty sample expression '%[]'");
                }
                flush(literal, parts);
                parts.add(context.fetch(expression));
                i = end;
            } else if (next == '{') {
                throw new ConfigException("'" + format + "': log-format options '%{...}' are not supported");
            } else if (Character.isLetter(next)) {
                int end = i + 1;
                while (end < n && Character.isLetterOrDigit(format.charAt(end))) {
                    end++;
                }
                String name = format.substring(i + 1, end);
                Var v = switch (name) {
                    case "ci" -> Var.CLIENT_IP;
                    case "cp" -> Var.CLIENT_PORT;
                    case "fi" -> Var.FRONTEND_IP;
                    case "fp" -> Var.FRONTEND_PORT;
                    default -> throw new ConfigException("'" + format + "': log-format variable '%" + name
                            + "' is not supported here; use %ci, %cp, %fi, %fp or a sample fetch %[...]");
                };
                flush(literal, parts);
                parts.add(v);
                i = end - 1;
            } else {
                throw new ConfigException("'" + format + "': '%" + next + "' is not a log-format element;"
                        + " write '%%' for a percent sign");
            }
        }
        flush(literal, parts);
        if (parts.isEmpty()) {
            return new LogFormat(new Object[0], "");
        }
        if (parts.size() == 1 && parts.get(0) instanceof String s) {
            return new LogFormat(parts.toArray(), sanitize(s));
        }
        return new LogFormat(parts.toArray(), null);
    }

    /** The ']' that closes a '%[' starting at {@code from}, skipping brackets inside parentheses. */
    private static int closingBracket(String s, int from) {
        int depth = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ']' && depth <= 0) {
                return i;
            }
        }
        return -1;
    }

    private static void flush(StringBuilder literal, List<Object> parts) {
        if (literal.length() > 0) {
            parts.add(literal.toString());
            literal.setLength(0);
        }
    }

    /** Whether the value is the same for every request (no fetch, no variable). */
    boolean isConstant() {
        return constant != null;
    }

    /** Event loop: the value for one request. Allocates only when the format has variable parts. */
    String render(Facts facts) {
        if (constant != null) {
            return constant;
        }
        StringBuilder out = new StringBuilder(32);
        for (Object p : parts) {
            if (p instanceof String s) {
                out.append(s);
            } else if (p instanceof Fetch f) {
                appendSample(out, f.sample(facts));
            } else {
                InetSocketAddress a = p == Var.CLIENT_IP || p == Var.CLIENT_PORT ? facts.source() : facts.destination();
                if (a != null) {
                    if (p == Var.CLIENT_IP || p == Var.FRONTEND_IP) {
                        out.append(ForwardingHeaders.addressText(a.getAddress()));
                    } else {
                        out.append(a.getPort());
                    }
                }
            }
        }
        return sanitize(out);
    }

    private static void appendSample(StringBuilder out, Object sample) {
        if (sample == null) {
            return;
        }
        if (sample instanceof Boolean b) {
            out.append(b ? '1' : '0');
        } else if (sample instanceof InetAddress a) {
            out.append(ForwardingHeaders.addressText(a));
        } else if (sample instanceof ByteBuf buf) {
            out.append(buf.toString(buf.readerIndex(), buf.readableBytes(), StandardCharsets.ISO_8859_1));
        } else if (sample instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                appendSample(out, list.get(i));
            }
        } else {
            out.append(sample);
        }
    }

    /** Percent-encodes what a field value may not hold and trims surrounding whitespace. */
    static String sanitize(CharSequence value) {
        int start = 0;
        int end = value.length();
        while (start < end && isOws(value.charAt(start))) {
            start++;
        }
        while (end > start && isOws(value.charAt(end - 1))) {
            end--;
        }
        boolean clean = true;
        for (int i = start; i < end && clean; i++) {
            clean = isFieldChar(value.charAt(i));
        }
        if (clean) {
            return value.subSequence(start, end).toString();
        }
        StringBuilder out = new StringBuilder(end - start + 16);
        for (int i = start; i < end; i++) {
            char c = value.charAt(i);
            if (isFieldChar(c)) {
                out.append(c);
                continue;
            }
            byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
            if (Character.isHighSurrogate(c) && i + 1 < end) {
                bytes = value.subSequence(i, i + 2).toString().getBytes(StandardCharsets.UTF_8);
                i++;
            }
            for (byte b : bytes) {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /** VCHAR, SP or HTAB (RFC 9110 section 5.5), ASCII only. */
    private static boolean isFieldChar(char c) {
        return c >= 0x20 && c < 0x7f || c == '\t';
    }
}
