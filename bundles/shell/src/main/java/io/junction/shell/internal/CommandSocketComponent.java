package io.junction.shell.internal;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the {@link CommandSocket} while Gogo's {@link CommandProcessor} is there.
 *
 * <p>Framework properties:
 * <ul>
 * <li>{@value #SOCKET}: the socket file; default {@code ${junction.state}/junction.sock}
 *     ({@value #STATE} is set by the launcher to the instance's state directory); {@code none}
 *     disables the socket. Without either property (e.g. a test framework) there is no socket;</li>
 * <li>{@value #TIMEOUT}: ms one connection may last, command included (default 60000);</li>
 * <li>{@code junction.check=true} (bin/junction -c): no socket, a check serves nobody.</li>
 * </ul>
 */
@Component(immediate = true)
public final class CommandSocketComponent {
    private static final Logger LOG = LoggerFactory.getLogger(CommandSocketComponent.class);

    static final String SOCKET = "junction.command.socket";
    static final String STATE = "junction.state";
    static final String TIMEOUT = "junction.command.timeout";
    static final String SOCKET_FILE = "junction.sock";
    static final long DEFAULT_TIMEOUT_MILLIS = 60_000;

    @Reference
    private CommandProcessor processor;

    private CommandSocket socket;

    /**
     * DS activation, on the SCR thread: binds the socket (blocks briefly). A failure is logged;
     * the router runs on without the socket.
     *
     * @param context this bundle's context, for the framework properties
     */
    @Activate
    void activate(BundleContext context) {
        if (Boolean.parseBoolean(context.getProperty("junction.check"))) {
            return;
        }
        Path path = socketPath(context.getProperty(SOCKET), context.getProperty(STATE));
        if (path == null) {
            LOG.info("junction: no command socket (framework property {} or {} not set, or {}=none)", SOCKET, STATE, SOCKET);
            return;
        }
        long timeout = timeout(context.getProperty(TIMEOUT));
        try {
            socket = CommandSocket.start(path, new GogoLineExecutor(processor), timeout);
            LOG.info("junction: command socket {} (bin/junction ctl COMMAND)", socket.path());
        } catch (IOException | RuntimeException e) {
            LOG.error("junction: cannot open the command socket {}: {}; bin/junction ctl will not reach this instance",
                    path, e.toString());
        }
    }

    /** DS deactivation, on the SCR thread: closes the socket and removes its file. */
    @Deactivate
    void deactivate() {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }

    /** @return the socket path for these property values, or null for none */
    static Path socketPath(String socketProperty, String stateProperty) {
        if (socketProperty != null && !socketProperty.isBlank()) {
            String v = socketProperty.strip();
            return v.equalsIgnoreCase("none") ? null : Path.of(v).toAbsolutePath();
        }
        if (stateProperty != null && !stateProperty.isBlank()) {
            return Path.of(stateProperty.strip()).resolve(SOCKET_FILE).toAbsolutePath();
        }
        return null;
    }

    static long timeout(String v) {
        if (v == null || v.isBlank()) {
            return DEFAULT_TIMEOUT_MILLIS;
        }
        try {
            long t = Long.parseLong(v.strip());
            return t > 0 ? t : DEFAULT_TIMEOUT_MILLIS;
        } catch (NumberFormatException e) {
            LOG.warn("junction: framework property {}='{}' is not a number; using {}", TIMEOUT, v, DEFAULT_TIMEOUT_MILLIS);
            return DEFAULT_TIMEOUT_MILLIS;
        }
    }
}
