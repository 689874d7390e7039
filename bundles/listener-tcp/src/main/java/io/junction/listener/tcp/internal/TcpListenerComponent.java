package io.junction.listener.tcp.internal;

import io.junction.api.BindOptionProvider;
import io.junction.api.ListenerFactory;
import io.junction.api.Transport;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the Netty event loops and registers, in this order, the {@link Transport}
 * ({@code junction.transport=<epoll|io_uring|nio>}), the {@link ListenerFactory}
 * ({@code junction.listener=tcp}) and the {@link BindOptionProvider}
 * ({@code junction.bind.option=v4v6,v6only,backlog,transparent}).
 *
 * <p>The services are registered through the bundle context rather than declared on the
 * component, for two reasons: DS would copy the configuration property
 * {@code junction.transport=auto} onto every service, while the Transport must advertise the
 * transport actually running; and each service gets only its own property.
 *
 * <p>Settings, from the component configuration (PID {@value #PID}) first, else the framework
 * property of the same name: {@code junction.transport} = {@code auto} (default), {@code epoll},
 * {@code io_uring}, {@code nio}; {@code junction.threads} = worker event loops (default: the
 * number of processors); {@code junction.accept} = {@code per-loop} (default: a listening socket
 * per worker loop with SO_REUSEPORT, where the transport has it) or {@code shared} (one accept
 * loop), see {@link AcceptMode}. A changed configuration restarts the component, which closes every
 * connection on the old event loops: the transport cannot change under live connections.
 */
@Component(name = TcpListenerComponent.PID, immediate = true, service = {},
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class TcpListenerComponent {
    /** Component name and configuration PID. */
    public static final String PID = "io.junction.listener.tcp";
    /** Setting: which transport to run. */
    public static final String TRANSPORT = Transport.NAME;
    /** Setting: the number of worker event loops. */
    public static final String THREADS = "junction.threads";

    private static final Logger LOG = LoggerFactory.getLogger(TcpListenerComponent.class);

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>(3);
    private NettyTransport transport;

    /**
     * SCR thread, at bundle start or configuration change: chooses the transport, starts its
     * event loops and registers the three services. Does not block beyond thread creation.
     */
    @Activate
    void activate(BundleContext context, Map<String, Object> config) {
        String requested = setting(config, context, TRANSPORT);
        TransportChoice choice = TransportChoice.choose(requested);
        if (choice.fellBack()) {
            LOG.warn("transport: {}; running nio", choice.reason());
        }
        int threads = threads(setting(config, context, THREADS));
        AcceptMode accept = accept(setting(config, context, AcceptMode.SETTING));
        transport = new NettyTransport(choice.kind(), threads);
        if (accept == AcceptMode.PER_LOOP && transport.reusePort() == null) {
            accept = AcceptMode.SHARED;
        }
        LOG.info("transport {} with {} worker threads ({}); accept {}", transport.name(), threads, choice.reason(),
                accept.configName());

        Dictionary<String, Object> tp = new Hashtable<>();
        tp.put(Transport.NAME, transport.name());
        registrations.add(context.registerService(Transport.class, transport, tp));

        Dictionary<String, Object> lp = new Hashtable<>();
        lp.put(ListenerFactory.TYPES, "tcp");
        lp.put(Transport.NAME, transport.name());
        registrations.add(context.registerService(ListenerFactory.class,
                new TcpListenerFactory(transport, choice.reason(), accept), lp));

        Dictionary<String, Object> bp = new Hashtable<>();
        bp.put(BindOptionProvider.KEYWORDS, TcpBindOptions.KEYWORDS.clone());
        registrations.add(context.registerService(BindOptionProvider.class,
                new TcpBindOptions(transport, choice.reason()), bp));
    }

    /**
     * SCR thread: unregisters the services (so the core stops using them), then shuts the event
     * loops down, waiting at most {@link NettyTransport#SHUTDOWN_WAIT_MILLIS}. Every connection
     * and listening socket on them is closed.
     */
    @Deactivate
    void deactivate() {
        for (int i = registrations.size() - 1; i >= 0; i--) {
            try {
                registrations.get(i).unregister();
            } catch (IllegalStateException alreadyGone) {
                // The framework unregisters a stopping bundle's services itself; nothing to undo.
            }
        }
        registrations.clear();
        if (transport != null) {
            if (!transport.shutdown()) {
                LOG.warn("transport {}: event loops did not stop within {} ms", transport.name(),
                        NettyTransport.SHUTDOWN_WAIT_MILLIS);
            }
            transport = null;
        }
    }

    /** The component configuration's value, else the framework property, else {@code null}. */
    private static String setting(Map<String, Object> config, BundleContext context, String name) {
        Object v = config == null ? null : config.get(name);
        if (v != null) {
            return String.valueOf(v);
        }
        return context.getProperty(name);
    }

    /** Config time: the accept mode named, or per-loop (logged as an error) when the value is invalid. */
    static AcceptMode accept(String value) {
        try {
            return AcceptMode.parse(value);
        } catch (IllegalArgumentException e) {
            LOG.error("{}; using per-loop", e.getMessage());
            return AcceptMode.PER_LOOP;
        }
    }

    /** Config time: a positive thread count, or the number of processors when unset or invalid. */
    static int threads(String value) {
        int processors = Runtime.getRuntime().availableProcessors();
        if (value == null || value.isBlank()) {
            return processors;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        LOG.error("{}='{}' is not a positive integer; using {} (the number of processors)", THREADS, value,
                processors);
        return processors;
    }
}
