package io.junction.api;

import java.util.Set;

/**
 * A frontend's compiled HTTP rules, as the core hands them to a {@link ProxyMode}. Immutable;
 * every method is called on the client connection's event loop and never blocks.
 */
public interface RequestRouter {

    /** The frontend's name, for logs and error pages. */
    String frontend();

    /**
     * The {@code option} keywords in effect for this frontend and its backends, as written
     * ({@code forwardfor}, {@code forwarded}, {@code http-server-close}, ...).
     */
    Set<String> options();

    /**
     * A timeout in milliseconds: {@code connect}, {@code client}, {@code server}, {@code tunnel},
     * {@code http-request}, {@code http-keep-alive}. Every one has a default.
     */
    long timeout(String name);

    /**
     * Routes one request: applies the {@code http-request} rules in order (header actions on
     * {@code headers}, or a final answer such as {@code deny}), then {@code use_backend},
     * {@code default_backend} and the backend's {@code use-server} rules and balancing.
     *
     * @param request the connection's facts plus this request's (the mode stores the request
     *        head under its own keys; its fetches read them)
     * @param headers the request's headers, edited in place by header actions
     * @return where the request goes; never null
     */
    RequestRoute route(Facts request, HeaderEditor headers);
}
