package io.junction.http.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The answers the proxy gives itself (no server, denied, bad request, timeouts): small HTML
 * bodies in HAProxy's style, so clients and scripts that know HAProxy's error pages see the
 * same thing. The bodies are encoded once per status and wrapped per answer (no copy).
 */
final class ErrorResponses {

    private static final ConcurrentHashMap<Integer, byte[]> BODIES = new ConcurrentHashMap<>();

    private ErrorResponses() {
    }

    /** Why a status is given, in the words HAProxy's default error pages use. */
    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Your browser sent an invalid request.";
            case 403 -> "Request forbidden by administrative rules.";
            case 408 -> "Your browser didn't send a complete request in time.";
            case 414 -> "The request line is too long.";
            case 421 -> "The request was sent on a connection for another host.";
            case 431 -> "The request header fields are too large.";
            case 500 -> "An internal server error occurred.";
            case 502 -> "The server returned an invalid or incomplete response.";
            case 503 -> "No server is available to handle this request.";
            case 504 -> "The server didn't respond in time.";
            case 501 -> "The request method is not supported.";
            case 505 -> "This HTTP version is not supported.";
            default -> "";
        };
    }

    private static byte[] body(int status) {
        return BODIES.computeIfAbsent(status, s -> {
            HttpResponseStatus st = HttpResponseStatus.valueOf(s);
            String text = "<html><body><h1>" + st.code() + " " + st.reasonPhrase() + "</h1>\n" + reason(s)
                    + "\n</body></html>\n";
            return text.getBytes(StandardCharsets.US_ASCII);
        });
    }

    /**
     * Event loop: a complete response for {@code status}; its content wraps a shared array and
     * is released by the encoder when written.
     *
     * @param close whether the connection closes after it ({@code Connection: close})
     * @param http10KeepAlive whether an HTTP/1.0 client stays connected ({@code Connection: keep-alive})
     */
    static FullHttpResponse of(int status, boolean close, boolean http10KeepAlive) {
        byte[] body = body(status);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        r.headers()
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpHeaderNames.CONTENT_TYPE, "text/html");
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10KeepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return r;
    }
}
