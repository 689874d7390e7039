package io.junction.backend.transparent.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.ServerOption;
import io.junction.api.ServerOptionProvider;
import io.junction.api.Transport;
import io.junction.api.Words;
import io.netty.channel.ChannelOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Serves the {@code source} server keyword ({@code junction.server.option=source}), with its
 * {@code usesrc} argument: {@code usesrc} only ever follows {@code source ADDR}, so this parser
 * consumes it and it is not registered on its own.
 *
 * <p>What the host must provide for {@code usesrc} is checked here, at config time, so that
 * {@code junction -c} and a reload report it instead of the first connection failing:
 * <ul>
 *   <li>the transport must have IP_TRANSPARENT ({@link Transport#ipTransparent()}: epoll or
 *       io_uring; NIO cannot set it);</li>
 *   <li>the process must hold CAP_NET_ADMIN in its effective set ({@code /proc/self/status}).</li>
 * </ul>
 * The routing and netfilter set-up that makes the server's answers come back is outside the
 * process: {@code junction check-transparent} inspects it.
 *
 * <p>The reference to the Transport is static and mandatory: its IP_TRANSPARENT option is
 * baked into the compiled options, and a new transport restarts this component (and the core
 * compiles again).
 */
@Component(service = ServerOptionProvider.class, property = ServerOptionProvider.KEYWORDS + "=source")
public final class TransparentSourceProvider implements ServerOptionProvider {
    private final Transport transport;
    private final Supplier<String> procStatus;
    private final LocalAddresses localAddresses = new LocalAddresses();

    /** SCR thread: binds the transport whose IP_TRANSPARENT option the outbound sockets get. */
    @Activate
    public TransparentSourceProvider(@Reference(name = "transport") Transport transport) {
        this(transport, Capabilities::readProcStatus);
    }

    /** Tests: with a given {@code /proc/self/status} text (null: unreadable). */
    TransparentSourceProvider(Transport transport, Supplier<String> procStatus) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.procStatus = Objects.requireNonNull(procStatus, "procStatus");
    }

    /** SCR thread: stops the local-address refresh thread, if one was started. */
    @Deactivate
    void deactivate() {
        localAddresses.close();
    }

    /**
     * Config thread; may block briefly (reads /proc/self/status and, for the first
     * {@code usesrc client}, the network interfaces). Consumes the address and an optional
     * {@code usesrc X}.
     *
     * @throws ConfigException for a malformed option, or for {@code usesrc} on a transport
     *         without IP_TRANSPARENT or in a process without CAP_NET_ADMIN (the message says
     *         which and how to fix it)
     */
    @Override
    public ServerOption parse(String keyword, Words args, ConfigContext context) throws ConfigException {
        if (!"source".equals(keyword)) {
            throw new ConfigException("'" + keyword + "' is not served by junction-backend-transparent (it serves"
                    + " 'source ADDR [usesrc client|clientip|ADDR]')");
        }
        SourceSpec spec = SourceSpec.parse(args);
        if (!spec.transparent()) {
            return new TransparentSource(spec, null, localAddresses, context.location());
        }
        ChannelOption<Boolean> option = transport.ipTransparent();
        List<String> problems = new ArrayList<>(2);
        if (option == null) {
            problems.add("usesrc needs IP_TRANSPARENT, which the " + transport.name() + " transport cannot set:"
                    + " run the epoll or io_uring transport (junction.transport=epoll; the log says why "
                    + transport.name() + " was chosen)");
        }
        String capabilityProblem = capabilityProblem(procStatus.get());
        if (capabilityProblem != null) {
            problems.add(capabilityProblem);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(spec.text() + ": " + String.join("; and ", problems));
        }
        if (spec.mode() == SourceSpec.Mode.CLIENT) {
            localAddresses.start();
        }
        return new TransparentSource(spec, option, localAddresses, context.location());
    }

    /**
     * Any thread: why the process described by {@code procStatus} cannot set IP_TRANSPARENT, or
     * null when it can (or when the text does not say: not Linux, nothing to check).
     */
    static String capabilityProblem(String procStatus) {
        Long effective = Capabilities.effective(procStatus);
        if (effective == null || Capabilities.has(effective, Capabilities.CAP_NET_ADMIN)) {
            return null;
        }
        String java = ProcessHandle.current().info().command().orElse("/path/to/bin/java");
        return "usesrc needs CAP_NET_ADMIN, which this process lacks (effective capabilities "
                + Capabilities.format(effective) + "): run as root or grant it: setcap cap_net_admin+ep " + java
                + " / AmbientCapabilities=CAP_NET_ADMIN in the systemd unit";
    }

    /** Tests: the shared local-address cache. */
    LocalAddresses localAddresses() {
        return localAddresses;
    }
}
