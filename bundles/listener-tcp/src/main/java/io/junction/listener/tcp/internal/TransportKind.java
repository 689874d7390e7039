package io.junction.listener.tcp.internal;

import java.util.Locale;

/** The transports this bundle can run, by their {@code junction.transport} name. */
enum TransportKind {
    EPOLL("epoll"),
    IO_URING("io_uring"),
    NIO("nio");

    private final String configName;

    TransportKind(String configName) {
        this.configName = configName;
    }

    /** The name used in {@code junction.transport}, both the setting and the service property. */
    String configName() {
        return configName;
    }

    /** Config time: the kind named {@code name} (case-insensitive), or {@code null}. */
    static TransportKind byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (TransportKind k : values()) {
            if (k.configName.equals(n)) {
                return k;
            }
        }
        return null;
    }

    /**
     * Config time: whether this host can run the kind. A missing epoll or io_uring classes
     * bundle (the bundle imports them optionally) counts as unavailable, not as a crash.
     */
    boolean isAvailable() {
        try {
            switch (this) {
                case EPOLL:
                    return EpollFlavor.isAvailable();
                case IO_URING:
                    return IoUringFlavor.isAvailable();
                default:
                    return true;
            }
        } catch (LinkageError e) {
            return false;
        }
    }

    /** Config time: why the kind is unavailable, for the log and for error messages. */
    String unavailabilityReason() {
        try {
            Throwable cause;
            switch (this) {
                case EPOLL:
                    cause = EpollFlavor.unavailabilityCause();
                    break;
                case IO_URING:
                    cause = IoUringFlavor.unavailabilityCause();
                    break;
                default:
                    cause = null;
            }
            return cause == null ? "no reason given" : describe(cause);
        } catch (LinkageError e) {
            return "its Netty classes bundle is not installed (" + e + ")";
        }
    }

    /** Config time: a new flavor of this kind. Call only when {@link #isAvailable()}. */
    Flavor newFlavor() {
        switch (this) {
            case EPOLL:
                return new EpollFlavor();
            case IO_URING:
                return new IoUringFlavor();
            default:
                return new NioFlavor();
        }
    }

    private static String describe(Throwable t) {
        // The root cause says why (missing native library, kernel too old, seccomp); the outer
        // exceptions only say that loading failed.
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? t.toString() : t + " (caused by " + root + ")";
    }
}
