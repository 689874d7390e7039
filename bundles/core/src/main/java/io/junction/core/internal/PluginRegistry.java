package io.junction.core.internal;

import io.junction.api.BindOptionProvider;
import io.junction.api.ConnectionActionProvider;
import io.junction.api.Connector;
import io.junction.api.HttpActionProvider;
import io.junction.api.ProxyMode;
import io.junction.api.FetchProvider;
import io.junction.api.ListenerFactory;
import io.junction.api.MatcherFactory;
import io.junction.api.ServerOptionProvider;
import io.junction.api.Sniffer;
import io.junction.api.Transport;
import io.junction.core.internal.compile.Plugins;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Constants;

/**
 * The plugin services present, with their properties, and the keyword snapshot built from
 * them. When two services serve one keyword, the higher {@code service.ranking} wins, then the
 * older service (lower {@code service.id}), as the OSGi service registry itself orders them.
 * Thread-safe: DS calls in from any thread.
 */
final class PluginRegistry {

    enum Kind {
        FETCH(FetchProvider.FETCHES), SNIFFER(FetchProvider.FETCHES), MATCHER(MatcherFactory.METHODS),
        SERVER_OPTION(ServerOptionProvider.KEYWORDS), BIND_OPTION(BindOptionProvider.KEYWORDS),
        CONNECTOR(Connector.SCHEMES), LISTENER(ListenerFactory.TYPES),
        CONNECTION_ACTION(ConnectionActionProvider.KEYWORDS), MODE(ProxyMode.MODES),
        HTTP_ACTION(HttpActionProvider.KEYWORDS);

        final String property;

        Kind(String property) {
            this.property = property;
        }
    }

    private record Entry(Object service, List<String> keywords, int ranking, long id, String protocol) {
    }

    private final Map<Kind, Map<Object, Entry>> services = new ConcurrentHashMap<>();

    void add(Kind kind, Object service, Map<String, Object> properties) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        Object id = properties.get(Constants.SERVICE_ID);
        Object protocol = properties.get(Sniffer.PROTOCOL);
        Entry e = new Entry(service, keywords(properties.get(kind.property)),
                ranking instanceof Integer r ? r : 0, id instanceof Long l ? l : Long.MAX_VALUE,
                protocol == null ? null : protocol.toString());
        services.computeIfAbsent(kind, k -> new ConcurrentHashMap<>()).put(service, e);
    }

    void remove(Kind kind, Object service) {
        Map<Object, Entry> m = services.get(kind);
        if (m != null) {
            m.remove(service);
        }
    }

    /** Property values may be a String (comma-separated allowed), a String[] or a Collection. */
    static List<String> keywords(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        } else if (value instanceof String[] array) {
            for (String s : array) {
                out.addAll(keywords(s));
            }
        } else if (value instanceof Collection<?> c) {
            for (Object o : c) {
                out.addAll(keywords(String.valueOf(o)));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private <T> Map<String, T> byKeyword(Kind kind, Map<String, T> into) {
        List<Entry> entries = new ArrayList<>(services.getOrDefault(kind, Map.of()).values());
        entries.sort((a, b) -> a.ranking != b.ranking ? Integer.compare(b.ranking, a.ranking) : Long.compare(a.id, b.id));
        for (Entry e : entries) {
            for (String k : e.keywords) {
                into.putIfAbsent(k, (T) e.service);
            }
        }
        return into;
    }

    Plugins snapshot(Transport transport) {
        Map<String, FetchProvider> fetches = byKeyword(Kind.SNIFFER, new HashMap<>());
        byKeyword(Kind.FETCH, fetches);
        Map<Object, String> protocols = new HashMap<>();
        for (Entry e : services.getOrDefault(Kind.SNIFFER, Map.of()).values()) {
            protocols.put(e.service, e.protocol == null ? e.service.getClass().getSimpleName() : e.protocol);
        }
        for (Entry e : services.getOrDefault(Kind.FETCH, Map.of()).values()) {
            if (e.service instanceof Sniffer && e.protocol != null) {
                protocols.put(e.service, e.protocol);
            }
        }
        return new Plugins(fetches, byKeyword(Kind.MATCHER, new HashMap<>()),
                byKeyword(Kind.SERVER_OPTION, new HashMap<>()), byKeyword(Kind.BIND_OPTION, new HashMap<>()),
                byKeyword(Kind.CONNECTOR, new HashMap<>()), byKeyword(Kind.LISTENER, new HashMap<>()), transport,
                protocols, byKeyword(Kind.CONNECTION_ACTION, new HashMap<>()), byKeyword(Kind.MODE, new HashMap<>()),
                byKeyword(Kind.HTTP_ACTION, new HashMap<>()));
    }
}
