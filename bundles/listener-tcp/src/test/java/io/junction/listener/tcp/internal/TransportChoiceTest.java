package io.junction.listener.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransportChoiceTest {

    /** Simulated hosts: which transports are available, what is requested, what runs. */
    @ParameterizedTest(name = "host [{0}], requested ''{1}'' -> {2}, fell back {3}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        // host has     | requested | runs     | fell back | reason contains
        "EPOLL IO_URING | null      | EPOLL    | false     | auto: epoll is available",
        "EPOLL IO_URING | auto      | EPOLL    | false     | auto",
        "EPOLL IO_URING | ' AUTO '  | EPOLL    | false     | auto",
        "EPOLL IO_URING | ''        | EPOLL    | false     | auto",
        "IO_URING       | auto      | NIO      | false     | epoll is unavailable: no epoll here",
        "EPOLL IO_URING | io_uring  | IO_URING | false     | io_uring was requested",
        "EPOLL          | io_uring  | NIO      | true      | io_uring was requested but is unavailable: no io_uring here",
        "EPOLL IO_URING | epoll     | EPOLL    | false     | epoll was requested",
        "''             | epoll     | NIO      | true      | epoll was requested but is unavailable: no epoll here",
        "EPOLL IO_URING | nio       | NIO      | false     | nio was requested",
        "EPOLL IO_URING | NIO       | NIO      | false     | nio was requested",
        "EPOLL          | kqueue    | EPOLL    | true      | 'kqueue' is not one of auto, epoll, io_uring, nio",
        "''             | kqueue    | NIO      | true      | epoll is unavailable",
    })
    void choosesAsDocumented(String host, String requested, TransportKind runs, boolean fellBack,
            String reasonContains) {
        Set<TransportKind> available = EnumSet.of(TransportKind.NIO);
        for (String k : host.trim().split("\\s+")) {
            if (!k.isEmpty()) {
                available.add(TransportKind.valueOf(k));
            }
        }
        TransportChoice c = TransportChoice.choose(requested, available::contains,
                k -> "no " + k.configName() + " here");
        assertEquals(runs, c.kind());
        assertEquals(fellBack, c.fellBack());
        assertTrue(c.reason().contains(reasonContains), c.reason());
    }

    @ParameterizedTest
    @CsvSource({"epoll", "io_uring"})
    void realHostReasonNamesTheCauseWhenUnavailable(String name) {
        TransportKind k = TransportKind.byName(name);
        TransportChoice c = TransportChoice.choose(name);
        if (k.isAvailable()) {
            assertEquals(k, c.kind());
            assertFalse(c.fellBack());
        } else {
            assertEquals(TransportKind.NIO, c.kind());
            assertTrue(c.reason().contains(k.unavailabilityReason()), c.reason());
        }
    }
}
