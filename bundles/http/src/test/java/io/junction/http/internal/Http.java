package io.junction.http.internal;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A deliberately simple HTTP/1.1 reader and writer on blocking streams, for test clients and
 * test servers (raw sockets: the malformed inputs cannot be sent by real clients). Bounded:
 * heads up to 256 KiB.
 */
final class Http {
    private Http() {
    }

    /** One message: start line, fields in order, body (de-chunked). */
    record Msg(String startLine, List<String[]> headers, byte[] body) {
        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        List<String> all(String name) {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    out.add(h[1]);
                }
            }
            return out;
        }

        String method() {
            return startLine.split(" ")[0];
        }

        String uri() {
            return startLine.split(" ")[1];
        }

        int status() {
            return Integer.parseInt(startLine.split(" ")[1]);
        }

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static void write(OutputStream out, String s) throws IOException {
        out.write(ascii(s));
        out.flush();
    }

    /** The head up to and including CRLFCRLF, or null on EOF before any byte. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(256);
        int state = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new EOFException("EOF inside a head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            if (head.size() > 256 * 1024) {
                throw new IOException("head too long");
            }
            state = switch (state) {
                case 0 -> b == '\r' ? 1 : 0;
                case 1 -> b == '\n' ? 2 : b == '\r' ? 1 : 0;
                case 2 -> b == '\r' ? 3 : 0;
                case 3 -> b == '\n' ? 4 : b == '\r' ? 1 : 0;
                default -> 0;
            };
            if (state == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    static Msg parseHead(String head) {
        String[] lines = head.split("\r\n");
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                continue;
            }
            int colon = lines[i].indexOf(':');
            headers.add(new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
        }
        return new Msg(lines[0], headers, new byte[0]);
    }

    /** A request with its body, or null on EOF before a request. */
    static Msg readRequest(InputStream in) throws IOException {
        String head = readHead(in);
        if (head == null) {
            return null;
        }
        Msg m = parseHead(head);
        byte[] body;
        String te = m.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = readChunked(in);
        } else if (m.header("content-length") != null) {
            body = in.readNBytes(Integer.parseInt(m.header("content-length")));
        } else {
            body = new byte[0];
        }
        return new Msg(m.startLine, m.headers, body);
    }

    /** A response with its body, following RFC 9112 section 6.3 framing. Interim (1xx) heads are returned as they come. */
    static Msg readResponse(InputStream in, boolean toHead) throws IOException {
        String head = readHead(in);
        if (head == null) {
            throw new EOFException("connection closed before a response");
        }
        Msg m = parseHead(head);
        int status = m.status();
        byte[] body;
        String te = m.header("transfer-encoding");
        if (toHead || status < 200 || status == 204 || status == 304) {
            body = new byte[0];
        } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = readChunked(in);
        } else if (m.header("content-length") != null) {
            int n = Integer.parseInt(m.header("content-length"));
            body = in.readNBytes(n);
            if (body.length != n) {
                throw new EOFException("EOF after " + body.length + " of " + n + " body bytes");
            }
        } else {
            body = in.readAllBytes();
        }
        return new Msg(m.startLine, m.headers, body);
    }

    /** The final response (interim ones skipped). */
    static Msg readFinalResponse(InputStream in, boolean toHead) throws IOException {
        Msg m;
        do {
            m = readResponse(in, toHead);
        } while (m.status() < 200 && m.status() != 101);
        return m;
    }

    static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String line = readLine(in);
            int semi = line.indexOf(';');
            int size = Integer.parseInt((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
            if (size == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length != size) {
                throw new EOFException("EOF inside a chunk");
            }
            body.write(chunk);
            readLine(in);
        }
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("EOF inside a line");
            }
            if (b == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) b);
        }
    }

    /**
     * Reads what is left until the peer closes. Returns the bytes; a read timeout (the
     * connection was not closed) fails the test through the exception.
     */
    static byte[] readToEof(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    /** Whether the peer closed the connection (EOF or reset) within the socket's read timeout. */
    static boolean closedByPeer(Socket s) throws IOException {
        try {
            int b = s.getInputStream().read();
            return b < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    static String response(int status, String reason, String body, String... headers) {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("Content-Length: ").append(body.length()).append("\r\n\r\n").append(body);
        return sb.toString();
    }
}
