package io.junction.http.internal;

import io.junction.api.HeaderEditor;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * {@link HeaderEditor} over Netty's {@link HttpHeaders} (case-insensitive names, RFC 9110
 * section 5.1). One instance per client connection, pointed at each request's headers in turn,
 * so routing a request allocates no editor. Netty's headers validate what actions write: a
 * value with CR, LF or NUL throws {@link IllegalArgumentException} instead of splitting the
 * request. Event loop only.
 */
final class NettyHeaderEditor implements HeaderEditor {
    private HttpHeaders headers;

    /** Event loop: edits {@code headers} from now on. */
    NettyHeaderEditor target(HttpHeaders headers) {
        this.headers = headers;
        return this;
    }

    /** Event loop: the first value, or null. Allocates nothing beyond Netty's lookup. */
    @Override
    public String get(CharSequence name) {
        return headers.get(name);
    }

    /** Event loop: every value in order (a new list). */
    @Override
    public List<String> getAll(CharSequence name) {
        return headers.getAll(name);
    }

    /** Event loop: replaces every value; Netty validates name and value (throws IllegalArgumentException on CR, LF, NUL). */
    @Override
    public void set(CharSequence name, CharSequence value) {
        headers.set(name, value);
    }

    /** Event loop: adds a value; validated as {@link #set}. */
    @Override
    public void add(CharSequence name, CharSequence value) {
        headers.add(name, value);
    }

    /** Event loop: removes every value. */
    @Override
    public void remove(CharSequence name) {
        headers.remove(name);
    }

    /** For logs. */
    @Override
    public String toString() {
        return String.valueOf(headers);
    }
}
