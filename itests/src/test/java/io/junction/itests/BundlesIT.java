package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.junction.testkit.LeakGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * The framework boots with the real bundles: every Junction bundle is ACTIVE, the plugins
 * registered their services with the properties the core looks them up by, and the core
 * actually uses them once a config needs them.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundlesIT extends JunctionItSupport {

    @Configuration
    public Option[] configuration() {
        return junctionOptions(BundlesIT.class);
    }

    @Before
    public void setUp() {
        installLeakGuard();
    }

    @After
    public void tearDown() throws Exception {
        closeAllAndCheckLeaks();
    }

    @Test
    public void everyJunctionBundleIsActive() {
        for (String symbolicName : JUNCTION_BUNDLES) {
            Bundle bundle = bundle(symbolicName);
            assertEquals(symbolicName + " state (32 = ACTIVE)", Bundle.ACTIVE, bundle.getState());
        }
        // The epoll natives are a fragment: attached (RESOLVED), never started.
        Bundle natives = null;
        for (Bundle b : context().getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.netty.transport-native-epoll")) {
                natives = b;
            }
        }
        assertNotNull("the netty epoll native fragment is installed", natives);
        assertEquals("epoll native fragment state (4 = RESOLVED)", Bundle.RESOLVED, natives.getState());
        List<String> notResolved = new ArrayList<>();
        for (Bundle b : context().getBundles()) {
            if (b.getState() == Bundle.INSTALLED) {
                notResolved.add(b.getSymbolicName());
            }
        }
        assertEquals("bundles left unresolved", List.of(), notResolved);
    }

    @Test
    public void pluginsRegisterTheirServicesAndTheCoreUsesThem() throws Exception {
        ServiceReference<?> sniffer = service("io.junction.api.Sniffer", "junction.fetch",
                "io.junction.sniffer.tls", "req.ssl_sni", "req.ssl_hello_type");
        ServiceReference<?> matcher = service("io.junction.api.MatcherFactory", "junction.match",
                "io.junction.matcher.text", "str", "dom");
        ServiceReference<?> connector = service("io.junction.api.Connector", "junction.connector",
                "io.junction.backend.plain", "tcp");
        ServiceReference<?> listener = service("io.junction.api.ListenerFactory", null,
                "io.junction.listener.tcp");

        // Make the core need every one of them: a bind (listener), req.ssl_sni (sniffer),
        // -i with the default string match (matcher), tcp servers (connector).
        TlsBackend app1 = tlsBackend("app1");
        TlsBackend app2 = tlsBackend("app2");
        TlsBackend fallback = tlsBackend("default");
        int routerPort = freePort();
        writeConfig(articleConfig(routerPort, "10s", "app1-tls", app1.port(), "app2-tls", app2.port(),
                "default", fallback.port()));
        awaitTlsRoute(routerPort, "app1.example.com", app1);
        awaitTlsRoute(routerPort, null, fallback);

        Bundle core = bundle("io.junction.core");
        for (ServiceReference<?> ref : List.of(sniffer, matcher, connector, listener)) {
            Bundle[] users = ref.getUsingBundles();
            assertTrue("the core uses " + Arrays.toString((String[]) ref.getProperty("objectClass"))
                    + " from " + ref.getBundle().getSymbolicName() + "; users: " + names(users),
                    users != null && Arrays.asList(users).contains(core));
        }
    }

    /**
     * The leak check is not vacuous: a buffer dropped without release() inside the framework
     * (same netty-buffer bundle the router uses) makes LeakGuard.check() fail.
     */
    @Test
    public void leakGuardSeesALeakInsideTheFramework() throws Exception {
        leakOneBuffer();
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                LeakGuard.check();
            } catch (AssertionError expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("leak"));
                return; // consumed: the @After check starts clean
            }
        }
        fail("a ByteBuf dropped without release() was never reported");
    }

    private static void leakOneBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42); // deliberately never released
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context().getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        fail("bundle " + symbolicName + " is not installed");
        return null;
    }

    /**
     * The service of {@code objectClass} registered by {@code bundle} whose property {@code key}
     * (String, comma-separated String, String[] or collection) lists all {@code values}.
     */
    private ServiceReference<?> service(String objectClass, String key, String bundle, String... values)
            throws Exception {
        ServiceReference<?>[] refs = context().getServiceReferences(objectClass, null);
        List<String> seen = new ArrayList<>();
        if (refs != null) {
            for (ServiceReference<?> ref : refs) {
                List<String> listed = key == null ? List.of() : values(ref.getProperty(key));
                seen.add(ref.getBundle().getSymbolicName() + " " + key + "=" + listed);
                if (bundle.equals(ref.getBundle().getSymbolicName()) && listed.containsAll(List.of(values))) {
                    return ref;
                }
            }
        }
        fail("no " + objectClass + " from " + bundle + " with " + key + " listing " + Arrays.toString(values)
                + "; registered: " + seen);
        return null;
    }

    private static List<String> values(Object property) {
        List<String> out = new ArrayList<>();
        if (property instanceof String) {
            for (String part : ((String) property).split(",")) {
                out.add(part.trim());
            }
        } else if (property instanceof String[]) {
            out.addAll(Arrays.asList((String[]) property));
        } else if (property instanceof Collection) {
            for (Object o : (Collection<?>) property) {
                out.add(String.valueOf(o));
            }
        }
        return out;
    }

    private static List<String> names(Bundle[] bundles) {
        List<String> out = new ArrayList<>();
        if (bundles != null) {
            for (Bundle b : bundles) {
                out.add(b.getSymbolicName());
            }
        }
        return out;
    }
}
