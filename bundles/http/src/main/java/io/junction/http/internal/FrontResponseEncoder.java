package io.junction.http.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * Netty's response encoder, told which request the response answers: a response to HEAD has no
 * body whatever its headers say (RFC 9110 section 9.3.2), and a 2xx to CONNECT has neither body
 * nor Transfer-Encoding (RFC 9110 section 9.3.6). Netty's {@code HttpServerCodec} tracks this
 * with a queue of methods; the proxy serves one request at a time, so one flag each is enough.
 * Event loop only.
 */
final class FrontResponseEncoder extends HttpResponseEncoder {
    private boolean head;
    private boolean connect;

    /** Event loop: the request now being answered. */
    void answering(boolean head, boolean connect) {
        this.head = head;
        this.connect = connect;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            return super.isContentAlwaysEmpty(msg);
        }
        return head || connect && msg.status().codeClass() == HttpStatusClass.SUCCESS || super.isContentAlwaysEmpty(msg);
    }

    @Override
    protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
        if (connect && msg.status().codeClass() == HttpStatusClass.SUCCESS) {
            msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            msg.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
            return;
        }
        super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
    }
}
