package io.junction.api;

import io.netty.channel.ChannelFuture;

/**
 * Opens outbound connections to servers. Register with {@value #SCHEMES}: the address schemes
 * it serves ({@code tcp} for plain {@code host:port} addresses, {@code ipv4}, {@code ipv6}).
 */
public interface Connector {

    /** Service property (String or String[]): the server address schemes this connector serves. */
    String SCHEMES = "junction.connector";

    /**
     * Event loop (the request's): starts connecting and returns at once. The channel is
     * registered on {@link ConnectRequest#eventLoop()} with auto-read off, so that the core
     * decides when to read; the request's handler is its first pipeline handler. The connect
     * fails after {@link ConnectRequest#connectTimeoutMillis()}.
     */
    ChannelFuture connect(ConnectRequest request);
}
