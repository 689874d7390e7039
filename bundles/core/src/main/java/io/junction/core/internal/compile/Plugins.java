package io.junction.core.internal.compile;

import io.junction.api.BindOptionProvider;
import io.junction.api.ConnectionActionProvider;
import io.junction.api.Connector;
import io.junction.api.HttpActionProvider;
import io.junction.api.ProxyMode;
import io.junction.api.FetchProvider;
import io.junction.api.ListenerFactory;
import io.junction.api.MatcherFactory;
import io.junction.api.ServerOptionProvider;
import io.junction.api.Transport;
import java.util.Map;

/**
 * A snapshot of the plugin services present, by the keyword each serves. A configuration is
 * compiled against one snapshot; when services come or go the core takes a new snapshot and
 * compiles again.
 *
 * @param transport may be null (no listener bundle yet)
 * @param modes proxy modes other than tcp, by name ({@code http})
 * @param httpActions {@code http-request} actions, by keyword
 * @param connectionActions actions of {@code tcp-request connection} rules, by keyword
 * @param protocols each sniffer's {@code junction.protocol}, for counters and logs
 */
public record Plugins(Map<String, FetchProvider> fetches, Map<String, MatcherFactory> matchers,
        Map<String, ServerOptionProvider> serverOptions, Map<String, BindOptionProvider> bindOptions,
        Map<String, Connector> connectors, Map<String, ListenerFactory> listeners, Transport transport,
        Map<Object, String> protocols, Map<String, ConnectionActionProvider> connectionActions,
        Map<String, ProxyMode> modes, Map<String, HttpActionProvider> httpActions) {

    public Plugins {
        fetches = Map.copyOf(fetches);
        matchers = Map.copyOf(matchers);
        serverOptions = Map.copyOf(serverOptions);
        bindOptions = Map.copyOf(bindOptions);
        connectors = Map.copyOf(connectors);
        listeners = Map.copyOf(listeners);
        protocols = Map.copyOf(protocols);
        connectionActions = Map.copyOf(connectionActions);
        modes = Map.copyOf(modes);
        httpActions = Map.copyOf(httpActions);
    }

    public static final Plugins NONE = new Plugins(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), null, Map.of(), Map.of(), Map.of(), Map.of());
}
