package io.junction.api;

import io.netty.channel.ChannelFuture;

/**
 * Opens listening sockets. Register with {@value #TYPES}: the listener kinds served
 * ({@code tcp}).
 */
public interface ListenerFactory {

    /** Service property (String or String[]): the listener kinds this factory opens. */
    String TYPES = "junction.listener";

    /**
     * Config time (the core's configuration thread): starts binding and returns at once. The
     * future completes with the listening channel; closing that channel stops listening.
     * Accepted channels get {@link BindRequest#childHandler()} and start with auto-read on.
     */
    ChannelFuture bind(BindRequest request);
}
