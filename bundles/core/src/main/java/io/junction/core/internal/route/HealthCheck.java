package io.junction.core.internal.route;

/**
 * A server's compiled {@code check} settings (HAProxy manual 5.2: check, inter, rise, fall,
 * port; and the backend's {@code option httpchk}).
 *
 * @param intervalMillis {@code inter} (default 2 s)
 * @param rise consecutive successes that bring a down server up (default 2)
 * @param fall consecutive failures that take an up server down (default 3)
 * @param port the port to check, 0 for the server's own
 * @param httpRequest the bytes of the HTTP check request, or null for a TCP connect check
 * @param timeoutMillis how long one check may take ({@code timeout check}, else {@code inter})
 */
public record HealthCheck(long intervalMillis, int rise, int fall, int port, byte[] httpRequest, long timeoutMillis) {
}
