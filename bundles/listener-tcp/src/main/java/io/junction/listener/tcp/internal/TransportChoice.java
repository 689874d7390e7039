package io.junction.listener.tcp.internal;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which transport to run and why: the outcome of the {@code junction.transport} setting
 * against what the host offers. Config time only.
 *
 * <p>Rules: {@code auto} (the default) takes epoll when it is available and NIO otherwise;
 * io_uring is never chosen automatically (it is newer and often disabled by container seccomp
 * profiles or {@code kernel.io_uring_disabled}), only when asked for. An explicitly requested
 * transport that the host lacks falls back to NIO; the reason is kept so that the log and any
 * later error ({@code transparent} on NIO) can say why.
 */
final class TransportChoice {
    private final TransportKind kind;
    private final String reason;
    private final boolean fellBack;

    private TransportChoice(TransportKind kind, String reason, boolean fellBack) {
        this.kind = kind;
        this.reason = reason;
        this.fellBack = fellBack;
    }

    TransportKind kind() {
        return kind;
    }

    /** Why this transport runs, e.g. "epoll was requested but is unavailable: ...". */
    String reason() {
        return reason;
    }

    /** Whether the setting asked for something else that the host could not provide. */
    boolean fellBack() {
        return fellBack;
    }

    /** Config time: chooses with the host's real capabilities. */
    static TransportChoice choose(String requested) {
        return choose(requested, TransportKind::isAvailable, TransportKind::unavailabilityReason);
    }

    /**
     * Config time: chooses with the given capabilities (tests simulate hosts without epoll).
     *
     * @param requested the setting; {@code null} or blank means {@code auto}
     */
    static TransportChoice choose(String requested, Predicate<TransportKind> available,
            Function<TransportKind, String> whyNot) {
        if (requested == null || requested.isBlank() || requested.trim().equalsIgnoreCase("auto")) {
            if (available.test(TransportKind.EPOLL)) {
                return new TransportChoice(TransportKind.EPOLL, "auto: epoll is available", false);
            }
            return new TransportChoice(TransportKind.NIO,
                    "auto: epoll is unavailable: " + whyNot.apply(TransportKind.EPOLL), false);
        }
        TransportKind wanted = TransportKind.byName(requested);
        if (wanted == null) {
            TransportChoice auto = choose(null, available, whyNot);
            return new TransportChoice(auto.kind, "junction.transport='" + requested
                    + "' is not one of auto, epoll, io_uring, nio; using " + auto.reason, true);
        }
        if (wanted == TransportKind.NIO) {
            return new TransportChoice(TransportKind.NIO, "nio was requested", false);
        }
        if (available.test(wanted)) {
            return new TransportChoice(wanted, wanted.configName() + " was requested", false);
        }
        return new TransportChoice(TransportKind.NIO, wanted.configName()
                + " was requested but is unavailable: " + whyNot.apply(wanted), true);
    }
}
