package io.junction.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.RouterAdmin.ConnectionInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminCommandsTest {

    private final FakeRouterAdmin admin = new FakeRouterAdmin();
    private final AdminCommands commands = new AdminCommands(() -> admin);
    private final AdminCommands noCore = new AdminCommands(() -> null);

    @Test
    void routesAreTheCoresLines() {
        admin.routes = List.of("frontend https-server  inspect-delay 10000 ms", "  server default 127.0.0.1:9443 weight 1");

        Output out = commands.routes();

        assertTrue(out.ok());
        assertEquals(admin.routes, out.lines());
    }

    @Test
    void everyRouterCommandSaysSoWhenTheCoreIsAbsent() {
        for (Output out : List.of(noCore.routes(), noCore.connections(10), noCore.counters(), noCore.problems(),
                noCore.reload(), noCore.check(List.of()))) {
            assertFalse(out.ok(), out.toString());
            assertEquals(List.of(AdminCommands.NO_CORE), out.lines());
        }
    }

    @Test
    void connectionsOnePerLineWithFrontendClientServerAndAge() {
        admin.connections = List.of(
                new ConnectionInfo("https-server", "/127.0.0.1:50000", "app1-tls", 1500),
                new ConnectionInfo("https-server", "/127.0.0.1:50001", null, 20));

        Output out = commands.connections(100);

        assertTrue(out.ok());
        assertEquals(100, admin.lastLimit);
        assertEquals(List.of("https-server /127.0.0.1:50000 -> app1-tls 1.5 s",
                "https-server /127.0.0.1:50001 -> (no server yet) 20 ms"), out.lines());
    }

    @Test
    void connectionsSaysWhenTheLimitCutTheList() {
        List<ConnectionInfo> many = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            many.add(new ConnectionInfo("f", "/127.0.0.1:" + (40000 + i), "s", i));
        }
        admin.connections = many;

        Output out = commands.connections(3);

        assertEquals(3, admin.lastLimit);
        assertEquals(4, out.lines().size(), out.toString());
        assertTrue(out.lines().get(3).contains("first 3 shown"), out.toString());
    }

    @Test
    void connectionsWithoutAnySaysSo() {
        assertEquals(List.of("no live connections"), commands.connections(100).lines());
    }

    @Test
    void connectionsRefusesALimitOutOfRangeWithoutAskingTheCore() {
        assertFalse(commands.connections(0).ok());
        assertFalse(commands.connections(AdminCommands.MAX_CONNECTIONS + 1).ok());
        assertEquals(-1, admin.lastLimit);
    }

    @Test
    void countersSortedByName() {
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("routed", 7L);
        c.put("accepted", 9L);
        c.put("no_server", 0L);
        admin.counters = c;

        assertEquals(List.of("accepted 9", "no_server 0", "routed 7"), commands.counters().lines());
    }

    @Test
    void problemsOrNone() {
        assertEquals(List.of("no problems"), commands.problems().lines());

        admin.problems = List.of("/etc/j.cfg:12: pending: req.ssh_proto needs a bundle");
        assertEquals(admin.problems, commands.problems().lines());
    }

    @Test
    void reloadSucceedsOnlyWhenTheLastLineSaysApplied() {
        admin.reload = List.of("/etc/j.cfg:3: warning: log ignored", "configuration applied: 1 frontends, generation 4");
        Output applied = commands.reload();
        assertTrue(applied.ok());
        assertEquals(admin.reload, applied.lines());

        admin.reload = List.of("/etc/j.cfg:3: unknown keyword 'frobnicate'", "configuration rejected; the running configuration stays");
        Output rejected = commands.reload();
        assertFalse(rejected.ok());
        assertEquals(admin.reload, rejected.lines());

        admin.reload = List.of("reload did not complete: java.util.concurrent.TimeoutException");
        assertFalse(commands.reload().ok());
    }

    @Test
    void checkOfGivenFilesFailsOnErrors() {
        admin.check = List.of("/tmp/a.cfg:3: unknown keyword 'frobnicate'");

        Output out = commands.check(List.of("/tmp/a.cfg", "/tmp/b.cfg"));

        assertFalse(out.ok());
        assertEquals(List.of(List.of(Path.of("/tmp/a.cfg"), Path.of("/tmp/b.cfg"))), admin.checked);
        assertEquals(admin.check, out.lines());
    }

    @Test
    void checkWithPendingRulesAndWarningsIsValid() {
        admin.check = List.of("/tmp/a.cfg:5: pending: req.ssh_proto (bundle io.junction.sniffer.ssh)",
                "/tmp/a.cfg:1: warning: option httplog ignored");

        Output out = commands.check(List.of("/tmp/a.cfg"));

        assertTrue(out.ok());
        assertEquals("Configuration file is valid", out.lines().get(2));
    }

    @Test
    void checkWithoutFilesChecksTheRunningConfiguration() {
        admin.configFiles = List.of(Path.of("/etc/junction/junction.cfg"));

        Output out = commands.check(List.of());

        assertTrue(out.ok());
        assertEquals(List.of(List.of(Path.of("/etc/junction/junction.cfg"))), admin.checked);
        assertEquals(List.of("Configuration file is valid"), out.lines());
    }

    @Test
    void checkWithoutAnyFileFails() {
        assertFalse(commands.check(List.of()).ok());
        assertTrue(admin.checked.isEmpty());
    }

    @Test
    void ageIsReadable() {
        assertEquals("999 ms", AdminCommands.age(999));
        assertEquals("12.3 s", AdminCommands.age(12_345));
        assertEquals("4 min 2 s", AdminCommands.age(242_000));
        assertEquals("3 h 5 min", AdminCommands.age(3 * 3_600_000L + 5 * 60_000L + 7_000));
    }
}
