package io.junction.core.internal;

import io.junction.api.BindOptionProvider;
import io.junction.api.ConnectionActionProvider;
import io.junction.api.Connector;
import io.junction.api.HttpActionProvider;
import io.junction.api.ProxyMode;
import io.junction.api.FetchProvider;
import io.junction.api.ListenerFactory;
import io.junction.api.MatcherFactory;
import io.junction.api.RouterAdmin;
import io.junction.api.ServerOptionProvider;
import io.junction.api.Sniffer;
import io.junction.api.Transport;
import io.junction.core.internal.config.ConfigProblem;
import io.junction.core.internal.route.CompiledConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing core as a DS component: tracks every plugin service and hands a fresh snapshot
 * to the {@link Router} whenever one comes or goes.
 *
 * <p>The Transport reference is static and mandatory on purpose: when the listener bundle
 * stops (framework shutdown), DS deactivates this component first, so listeners close and
 * live connections drain while the event loops still run.
 *
 * <p>Framework properties: {@value #CONFIG}, {@value #POLL}, {@value #CHECK}, {@value #GRACE}
 * (see docs/operations.md).
 */
@Component(immediate = true)
public final class JunctionCore {
    private static final Logger LOG = LoggerFactory.getLogger(JunctionCore.class);

    static final String CONFIG = "junction.config";
    static final String POLL = "junction.config.poll";
    static final String CHECK = "junction.check";
    static final String GRACE = "junction.shutdown.grace";
    static final String EXIT_CODE = "junction.check.exitcode";
    static final String PLUGIN_GRACE = "junction.plugin.grace";
    static final String REMOVED_CLOSE = "junction.removed.close";

    private final PluginRegistry registry = new PluginRegistry();

    @Reference
    private Transport transport;

    private volatile Router router;
    private BundleContext context;
    private FrameworkListener startedListener;
    private ServiceRegistration<RouterAdmin> adminRegistration;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        List<Path> files = files(context.getProperty(CONFIG));
        if (Boolean.parseBoolean(context.getProperty(CHECK))) {
            // Check after every bundle has started, so that all plugins are present.
            if (context.getBundle(0).getState() == Bundle.ACTIVE) {
                runCheck(files);
            } else {
                startedListener = event -> {
                    if (event.getType() == FrameworkEvent.STARTED) {
                        runCheck(files);
                    }
                };
                context.addFrameworkListener(startedListener);
            }
            return;
        }
        if (files.isEmpty()) {
            LOG.warn("junction: no configuration file given (framework property {}); nothing is served", CONFIG);
        }
        Router r = new Router(files, longProperty(POLL, 1000), longProperty(GRACE, 5000),
                longProperty(PLUGIN_GRACE, Router.DEFAULT_PLUGIN_GRACE_MILLIS), () -> registry.snapshot(transport));
        r.removedRouteClose(longProperty(REMOVED_CLOSE, -1));
        router = r;
        adminRegistration = context.registerService(RouterAdmin.class, r, null);
        // At boot, plugins at the same start level register a moment after us: compiling now
        // would report their keywords as pending for nothing. Start once the framework has
        // started (at once when we are installed into a running framework).
        if (context.getBundle(0).getState() == Bundle.ACTIVE) {
            r.start();
        } else {
            startedListener = event -> {
                if (event.getType() == FrameworkEvent.STARTED && router == r) {
                    r.start();
                }
            };
            context.addFrameworkListener(startedListener);
        }
    }

    @Deactivate
    void deactivate() {
        if (adminRegistration != null) {
            adminRegistration.unregister();
            adminRegistration = null;
        }
        if (startedListener != null) {
            context.removeFrameworkListener(startedListener);
        }
        Router r = router;
        router = null;
        if (r != null) {
            r.stop();
        }
    }

    private void runCheck(List<Path> files) {
        CompiledConfig compiled = Router.check(files, registry.snapshot(transport));
        for (ConfigProblem p : compiled.problems()) {
            System.err.println(p);
        }
        int code = compiled.hasErrors() ? 1 : 0;
        if (files.isEmpty()) {
            System.err.println("no configuration file given (-f FILE)");
            code = 1;
        }
        if (code == 0) {
            System.out.println("Configuration file is valid");
        }
        System.out.flush();
        System.err.flush();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(EXIT_CODE, code);
        context.registerService(Object.class.getName(), new Object(), props);
    }

    private long longProperty(String name, long fallback) {
        String v = context.getProperty(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            LOG.warn("junction: framework property {}='{}' is not a number; using {}", name, v, fallback);
            return fallback;
        }
    }

    static List<Path> files(String property) {
        List<Path> out = new ArrayList<>();
        if (property != null) {
            for (String part : property.split(",")) {
                if (!part.isBlank()) {
                    out.add(Path.of(part.strip()).toAbsolutePath());
                }
            }
        }
        return out;
    }

    private void changed() {
        Router r = router;
        if (r != null) {
            r.pluginsChanged();
        }
    }

    // ------------------------------------------------------------- plugin references

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addFetchProvider(FetchProvider service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.FETCH, service, properties);
        changed();
    }

    void removeFetchProvider(FetchProvider service) {
        registry.remove(PluginRegistry.Kind.FETCH, service);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addSniffer(Sniffer service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.SNIFFER, service, properties);
        changed();
    }

    void removeSniffer(Sniffer service) {
        registry.remove(PluginRegistry.Kind.SNIFFER, service);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addMatcherFactory(MatcherFactory service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.MATCHER, service, properties);
        changed();
    }

    void removeMatcherFactory(MatcherFactory service) {
        registry.remove(PluginRegistry.Kind.MATCHER, service);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addServerOptionProvider(ServerOptionProvider service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.SERVER_OPTION, service, properties);
        changed();
    }

    void removeServerOptionProvider(ServerOptionProvider service) {
        registry.remove(PluginRegistry.Kind.SERVER_OPTION, service);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addBindOptionProvider(BindOptionProvider service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.BIND_OPTION, service, properties);
        changed();
    }

    void removeBindOptionProvider(BindOptionProvider service) {
        registry.remove(PluginRegistry.Kind.BIND_OPTION, service);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addConnector(Connector service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.CONNECTOR, service, properties);
        changed();
    }

    void removeConnector(Connector service) {
        registry.remove(PluginRegistry.Kind.CONNECTOR, service);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addConnectionActionProvider(ConnectionActionProvider service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.CONNECTION_ACTION, service, properties);
        changed();
    }

    void removeConnectionActionProvider(ConnectionActionProvider service) {
        registry.remove(PluginRegistry.Kind.CONNECTION_ACTION, service);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addProxyMode(ProxyMode service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.MODE, service, properties);
        changed();
    }

    void removeProxyMode(ProxyMode service) {
        registry.remove(PluginRegistry.Kind.MODE, service);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addHttpActionProvider(HttpActionProvider service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.HTTP_ACTION, service, properties);
        changed();
    }

    void removeHttpActionProvider(HttpActionProvider service) {
        registry.remove(PluginRegistry.Kind.HTTP_ACTION, service);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListenerFactory(ListenerFactory service, Map<String, Object> properties) {
        registry.add(PluginRegistry.Kind.LISTENER, service, properties);
        changed();
    }

    void removeListenerFactory(ListenerFactory service) {
        registry.remove(PluginRegistry.Kind.LISTENER, service);
        changed();
    }
}
