package io.junction.api;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One listening socket to open: built by the core from a {@code bind} line, adjusted by
 * {@link BindOption#prepare}, carried out by a {@link ListenerFactory}. Config time.
 */
public final class BindRequest {
    private final InetSocketAddress address;
    private final StandardProtocolFamily family;
    private final ChannelHandler childHandler;
    private final Map<ChannelOption<?>, Object> options = new IdentityHashMap<>(4);
    private final Map<ChannelOption<?>, Object> childOptions = new IdentityHashMap<>(4);
    private Boolean v6only;

    /**
     * @param address where to listen ({@code 0.0.0.0}, {@code ::} or a specific address)
     * @param family the socket's family: {@code INET6} for a dual-stack or IPv6-only socket
     * @param childHandler installed on each accepted channel; the core's connection handler
     */
    public BindRequest(InetSocketAddress address, StandardProtocolFamily family, ChannelHandler childHandler) {
        this.address = Objects.requireNonNull(address, "address");
        this.family = Objects.requireNonNull(family, "family");
        this.childHandler = Objects.requireNonNull(childHandler, "childHandler");
    }

    public InetSocketAddress address() {
        return address;
    }

    public StandardProtocolFamily family() {
        return family;
    }

    public ChannelHandler childHandler() {
        return childHandler;
    }

    /**
     * Whether an {@code INET6} socket accepts IPv6 only ({@code true}), IPv4 too as
     * IPv4-mapped addresses ({@code false}), or as the system's default says ({@code null}, on
     * Linux {@code net.ipv6.bindv6only}). The core sets {@code true} for {@code ipv6@} binds so
     * that {@code bind ipv4@:80} and {@code bind ipv6@:80} can stand side by side, as in the
     * source article; {@code v4v6} and {@code v6only} on the bind line override it.
     */
    public Boolean v6only() {
        return v6only;
    }

    public BindRequest v6only(Boolean v6only) {
        this.v6only = v6only;
        return this;
    }

    /** Sets an option of the listening socket (backlog, IPV6_V6ONLY, IP_TRANSPARENT). */
    public <T> BindRequest option(ChannelOption<T> option, T value) {
        options.put(option, value);
        return this;
    }

    /** Sets an option of every accepted socket (TCP_NODELAY, buffer sizes). */
    public <T> BindRequest childOption(ChannelOption<T> option, T value) {
        childOptions.put(option, value);
        return this;
    }

    public Map<ChannelOption<?>, Object> options() {
        return options;
    }

    public Map<ChannelOption<?>, Object> childOptions() {
        return childOptions;
    }
}
