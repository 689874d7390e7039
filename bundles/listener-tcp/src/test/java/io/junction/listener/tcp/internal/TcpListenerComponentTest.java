package io.junction.listener.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.BindOptionProvider;
import io.junction.api.ListenerFactory;
import io.junction.api.Transport;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The component's wiring, with a recording stand-in for the framework. */
class TcpListenerComponentTest {

    static final class Registration {
        final Class<?> type;
        final Object service;
        final Dictionary<String, ?> properties;
        boolean unregistered;

        Registration(Class<?> type, Object service, Dictionary<String, ?> properties) {
            this.type = type;
            this.service = service;
            this.properties = properties;
        }
    }

    final List<Registration> registrations = new ArrayList<>();
    final Map<String, String> frameworkProperties = new HashMap<>();

    BundleContext context() {
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getProperty":
                            return frameworkProperties.get((String) args[0]);
                        case "registerService":
                            @SuppressWarnings("unchecked")
                            Registration r = new Registration((Class<?>) args[0], args[1],
                                    (Dictionary<String, ?>) args[2]);
                            registrations.add(r);
                            return Proxy.newProxyInstance(getClass().getClassLoader(),
                                    new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> {
                                        if (m.getName().equals("unregister")) {
                                            r.unregistered = true;
                                            return null;
                                        }
                                        throw new UnsupportedOperationException(m.getName());
                                    });
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    @Test
    void registersTheThreeServicesWithTheirPropertiesAndUnregistersThem() {
        TcpListenerComponent c = new TcpListenerComponent();
        c.activate(context(), Map.of(Transport.NAME, "nio", TcpListenerComponent.THREADS, 3));
        try {
            assertEquals(3, registrations.size());
            Registration t = registrations.get(0);
            assertEquals(Transport.class, t.type);
            assertEquals("nio", t.properties.get(Transport.NAME));
            Transport transport = (Transport) t.service;
            assertEquals("nio", transport.name());
            assertEquals(3, ((io.netty.channel.MultiThreadIoEventLoopGroup) transport.workerGroup()).executorCount());

            Registration l = registrations.get(1);
            assertEquals(ListenerFactory.class, l.type);
            assertEquals("tcp", l.properties.get(ListenerFactory.TYPES));

            Registration b = registrations.get(2);
            assertEquals(BindOptionProvider.class, b.type);
            assertArrayEquals(new String[] {"v4v6", "v6only", "backlog", "transparent"},
                    (String[]) b.properties.get(BindOptionProvider.KEYWORDS));
        } finally {
            c.deactivate();
        }
        for (Registration r : registrations) {
            assertTrue(r.unregistered, r.type + " unregistered");
        }
        Transport transport = (Transport) registrations.get(0).service;
        assertTrue(transport.workerGroup().isTerminated());
        assertTrue(transport.acceptGroup().isTerminated());
    }

    @Test
    void fallsBackToTheFrameworkPropertyAndToAuto() {
        frameworkProperties.put(Transport.NAME, "nio");
        TcpListenerComponent c = new TcpListenerComponent();
        c.activate(context(), Map.of());
        try {
            assertEquals("nio", registrations.get(0).properties.get(Transport.NAME));
        } finally {
            c.deactivate();
        }
        registrations.clear();
        frameworkProperties.clear();
        c.activate(context(), Map.of(Transport.NAME, "auto"));
        try {
            String expected = TransportKind.EPOLL.isAvailable() ? "epoll" : "nio";
            assertEquals(expected, registrations.get(0).properties.get(Transport.NAME));
        } finally {
            c.deactivate();
        }
    }

    @Test
    void threadCountDefaultsToProcessors() {
        int processors = Runtime.getRuntime().availableProcessors();
        assertEquals(processors, TcpListenerComponent.threads(null));
        assertEquals(processors, TcpListenerComponent.threads("0"));
        assertEquals(processors, TcpListenerComponent.threads("many"));
        assertEquals(5, TcpListenerComponent.threads(" 5 "));
    }
}
