package io.junction.core.internal.route;

/**
 * Timeouts of a proxy, in milliseconds. Every one has a default, so that no wait is unbounded
 * even when the configuration sets none (HAProxy warns and waits forever; we do not).
 *
 * @param connect {@code timeout connect}: establishing the server connection (default 5 s)
 * @param client {@code timeout client}: inactivity on the client side (default 60 s)
 * @param server {@code timeout server}: inactivity on the server side (default 60 s)
 * @param tunnel {@code timeout tunnel}: inactivity of an established relay, both sides; 0 means
 *        use client and server timeouts (HAProxy's behaviour when unset)
 * @param inspectDelay {@code tcp-request inspect-delay}; -1 when unset
 * @param httpRequest {@code timeout http-request}: receiving a whole request head (default 10 s)
 * @param httpKeepAlive {@code timeout http-keep-alive}: waiting for the next request (default 10 s)
 */
public record Timeouts(long connect, long client, long server, long tunnel, long inspectDelay, long httpRequest,
        long httpKeepAlive) {

    public static final Timeouts DEFAULTS = new Timeouts(5_000, 60_000, 60_000, 0, -1, 10_000, 10_000);

    /** When rules need sniffed facts and no inspect-delay is set: wait this long for them. */
    public static final long DEFAULT_INSPECT_DELAY = 5_000;

    public Timeouts withConnect(long v) {
        return new Timeouts(v, client, server, tunnel, inspectDelay, httpRequest, httpKeepAlive);
    }

    public Timeouts withClient(long v) {
        return new Timeouts(connect, v, server, tunnel, inspectDelay, httpRequest, httpKeepAlive);
    }

    public Timeouts withServer(long v) {
        return new Timeouts(connect, client, v, tunnel, inspectDelay, httpRequest, httpKeepAlive);
    }

    public Timeouts withTunnel(long v) {
        return new Timeouts(connect, client, server, v, inspectDelay, httpRequest, httpKeepAlive);
    }

    public Timeouts withInspectDelay(long v) {
        return new Timeouts(connect, client, server, tunnel, v, httpRequest, httpKeepAlive);
    }

    public Timeouts withHttpRequest(long v) {
        return new Timeouts(connect, client, server, tunnel, inspectDelay, v, httpKeepAlive);
    }

    public Timeouts withHttpKeepAlive(long v) {
        return new Timeouts(connect, client, server, tunnel, inspectDelay, httpRequest, v);
    }

    /** By name, for {@link io.junction.api.RequestRouter#timeout}. */
    public long byName(String name) {
        return switch (name) {
            case "connect" -> connect;
            case "client" -> client;
            case "server" -> server;
            case "tunnel" -> tunnel > 0 ? tunnel : Math.max(client, server);
            case "http-request" -> httpRequest;
            case "http-keep-alive" -> httpKeepAlive;
            default -> throw new IllegalArgumentException("unknown timeout " + name);
        };
    }

    /** Inactivity limit of the client side of a relay. */
    public long clientIdle() {
        return tunnel > 0 ? tunnel : client;
    }

    /** Inactivity limit of the server side of a relay. */
    public long serverIdle() {
        return tunnel > 0 ? tunnel : server;
    }
}
