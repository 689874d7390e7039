package io.junction.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Transparent proxying end to end, as the seed describes it, in network namespaces this test
 * creates and removes (root only; skipped by assumption elsewhere):
 * <pre>
 *   client ns                 router ns (bin/junction)                      backend ns
 *   c0 198.51.100.10/24 ---- rc 198.51.100.1/24   rb 192.0.2.1/24 ---- b0 192.0.2.10/24
 *      2001:db8:100::10/64      2001:db8:100::1/64    2001:db8:2::1/64      2001:db8:2::10/64
 *   default via the router    lo: 203.0.113.1/24 (the local-backend alias)  default via the router
 * </pre>
 * The router gets exactly the commands of docs/transparent.md (remote-backend case IPv4 and
 * IPv6, local-backend case), and no IP forwarding: an answer the interception missed is dropped,
 * so a passing test proves the interception. Addresses are documentation ranges only; no packet
 * leaves the namespaces.
 *
 * <p>Cleanup (processes, then namespaces, which takes their veths) runs in {@link AfterAll} and
 * in {@code finally} blocks, failures or not. Every wait is bounded.
 */
class TransparentNetnsIT {

    private static final Path DIST = Path.of(System.getProperty("junction.dist", "target/junction")).toAbsolutePath();
    private static final Path BIN = DIST.resolve("bin/junction");
    /** The repository's docs/ (distribution/target/junction -> the repository root). */
    private static final Path DOCS = DIST.getParent().getParent().getParent().resolve("docs/transparent.md");
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final long STEP_SECONDS = 60;

    /** The remote-backend commands of docs/transparent.md, IPv4. */
    static final List<String> REMOTE_V4 = List.of(
            "sysctl -w net.ipv4.ip_nonlocal_bind=1",
            "iptables -t mangle -N DIVERT",
            "iptables -t mangle -A PREROUTING -p tcp -m socket -j DIVERT",
            "iptables -t mangle -A DIVERT -j MARK --set-mark 1",
            "iptables -t mangle -A DIVERT -j ACCEPT",
            "ip rule add fwmark 1 lookup 100",
            "ip route add local 0.0.0.0/0 dev lo table 100");
    /** The same for IPv6. */
    static final List<String> REMOTE_V6 = List.of(
            "sysctl -w net.ipv6.ip_nonlocal_bind=1",
            "ip6tables -t mangle -N DIVERT",
            "ip6tables -t mangle -A PREROUTING -p tcp -m socket -j DIVERT",
            "ip6tables -t mangle -A DIVERT -j MARK --set-mark 1",
            "ip6tables -t mangle -A DIVERT -j ACCEPT",
            "ip -6 rule add fwmark 1 lookup 100",
            "ip -6 route add local ::/0 dev lo table 100");
    /** The local-backend commands (the route of table 100 is shared with the remote case). */
    static final List<String> LOCAL_V4 = List.of(
            "ip addr add 203.0.113.1/24 dev lo scope host",
            "ip rule add from 203.0.113.0/24 lookup 100");
    /** The same for IPv6 (its route is REMOTE_V6's last command). */
    static final List<String> LOCAL_V6 = List.of(
            "ip -6 addr add 2001:db8:7f::1/64 dev lo",
            "ip -6 addr add 2001:db8:7f::40/64 dev lo",
            "ip -6 rule add from 2001:db8:7f::/64 lookup 100");

    private static final String CLIENT_V4 = "198.51.100.10";
    private static final String CLIENT_V6 = "2001:db8:100::10";
    private static final String FRONT_V4 = "198.51.100.1";
    private static final String FRONT_V6 = "2001:db8:100::1";

    private static String suffix;
    private static String client;
    private static String router;
    private static String backend;
    private static final List<String> namespaces = Collections.synchronizedList(new ArrayList<>());
    private static final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
    private static Path tmp;
    private static Path junctionLog;
    private static Process junction;
    private static boolean iptables;
    private static boolean matcherNet;

    // ----------------------------------------------------------------------------- set-up

    @BeforeAll
    static void buildTheHosts() throws Exception {
        assumeTrue(isRoot(), "needs root (network namespaces, IP_TRANSPARENT)");
        assumeTrue(find("ip") != null, "needs iproute2 (ip)");
        assumeTrue(Files.isExecutable(BIN), BIN + " is missing: run the package phase first");
        suffix = randomSuffix();
        assumeTrue(netnsWorks(), "'ip netns add' does not work here (no CAP_SYS_ADMIN, or no /run/netns)");
        iptables = find("iptables") != null && find("ip6tables") != null && find("iptables-save") != null;
        matcherNet = hasBundle("junction-matcher-net");
        tmp = Files.createTempDirectory("junction-netns-");

        client = newNamespace("c");
        router = newNamespace("r");
        backend = newNamespace("b");
        // veths created inside the router namespace: no interface ever appears in ours.
        ip("-n", router, "link", "add", "rc", "type", "veth", "peer", "name", "c0", "netns", client);
        ip("-n", router, "link", "add", "rb", "type", "veth", "peer", "name", "b0", "netns", backend);
        address(router, "rc", "198.51.100.1/24", "2001:db8:100::1/64");
        address(router, "rb", "192.0.2.1/24", "2001:db8:2::1/64");
        address(client, "c0", "198.51.100.10/24", "2001:db8:100::10/64");
        address(backend, "b0", "192.0.2.10/24", "2001:db8:2::10/64");
        ip("-n", client, "route", "add", "default", "via", "198.51.100.1");
        ip("-n", client, "-6", "route", "add", "default", "via", "2001:db8:100::1");
        // The remote backend's default route is the router: its answers go there.
        ip("-n", backend, "route", "add", "default", "via", "192.0.2.1");
        ip("-n", backend, "-6", "route", "add", "default", "via", "2001:db8:2::1");

        // The documented set-up, in the router only.
        List<String> setup = new ArrayList<>();
        if (iptables) {
            setup.addAll(REMOTE_V4);
            setup.addAll(REMOTE_V6);
        } else {
            setup.add("ip route add local 0.0.0.0/0 dev lo table 100");
            setup.add("ip -6 route add local ::/0 dev lo table 100");
        }
        setup.addAll(LOCAL_V4);
        setup.addAll(LOCAL_V6);
        for (String command : setup) {
            Output o = sh(router, command);
            assertEquals(0, o.code, command + ": " + o);
        }

        serve(backend, "192.0.2.10", 5000);
        serve(backend, "2001:db8:2::10", 5000);
        serve(router, "203.0.113.40", 5000);
        serve(router, "2001:db8:7f::40", 5000);
        startJunction();
    }

    @AfterAll
    static void removeTheHosts() {
        List<String> problems = new ArrayList<>();
        for (Process p : List.copyOf(processes)) {
            stop(p);
        }
        try {
            LeakCheck.assertNoReports(tmp);
        } catch (AssertionError leak) {
            problems.add(leak.getMessage()); // reported after the namespaces are gone
        }
        for (String ns : List.copyOf(namespaces)) {
            String problem = deleteNamespace(ns);
            if (problem != null) {
                problems.add(problem);
            }
        }
        if (tmp != null) {
            StateDirectory.deleteTree(tmp);
        }
        assertTrue(problems.isEmpty(), "cleanup: " + problems);
    }

    private static void startJunction() throws Exception {
        List<String> cfg = new ArrayList<>(List.of(
                "global",
                "    maxconn 1000",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "# (a) remote backend, whose default route is the router",
                "listen remote-v4",
                "    bind " + FRONT_V4 + ":8080",
                "    mode tcp",
                "    server app-v4 192.0.2.10:5000 source * usesrc client",
                "listen remote-v6",
                "    bind [" + FRONT_V6 + "]:8080",
                "    mode tcp",
                "    server app-v6 [2001:db8:2::10]:5000 source * usesrc client",
                "# (b) local backend on the loopback alias, source-based rule",
                "listen local-v4",
                "    bind " + FRONT_V4 + ":8081",
                "    mode tcp",
                "    server app 203.0.113.40:5000 source 203.0.113.1 usesrc client",
                "listen local-v6",
                "    bind [" + FRONT_V6 + "]:8081",
                "    mode tcp",
                "    server app-v6 [2001:db8:7f::40]:5000 source 2001:db8:7f::1 usesrc client",
                "listen clientip-v4",
                "    bind " + FRONT_V4 + ":8082",
                "    mode tcp",
                "    server app-v4 192.0.2.10:5000 source * usesrc clientip",
                "# an IPv4 client on an IPv6 server: refused, never a mapped address",
                "listen mismatch",
                "    bind " + FRONT_V4 + ":8083",
                "    mode tcp",
                "    server app-v6 [2001:db8:2::10]:5000 source * usesrc client"));
        if (matcherNet) {
            cfg.addAll(List.of(
                    "# (c) connections from this host skip transparency (src_is_local)",
                    "listen srclocal",
                    "    bind " + FRONT_V4 + ":8084",
                    "    mode tcp",
                    "    acl localsrc src 127.0.0.0/8",
                    "    acl localsrc src ::1",
                    "    acl localsrc src_is_local",
                    "    use-server default-lo if localsrc",
                    "    server default-lo 192.0.2.10:5000 weight 0",
                    "    server default-v4 192.0.2.10:5000 source * usesrc client"));
        }
        cfg.add("");
        Path file = Files.writeString(tmp.resolve("transparent.cfg"), String.join("\n", cfg));
        junctionLog = tmp.resolve("junction.log");
        junction = start(List.of(ipBin(), "netns", "exec", router, BIN.toString(), "-f", file.toString()), junctionLog);
        // Routes go live as the plugins arrive: wait (bounded) until the local-backend route
        // answers transparently, which needs the transparent bundle and the routing set-up.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Exchange last = null;
        while (System.nanoTime() < deadline) {
            if (!junction.isAlive()) {
                fail("junction exited with " + junction.exitValue() + ":\n" + read(junctionLog));
            }
            last = connect(client, FRONT_V4, 8081);
            if (last.peerAddress != null && last.peerAddress.equals(last.localAddress)) {
                return;
            }
            Thread.sleep(300);
        }
        fail("junction did not route transparently within 120 s; last exchange " + last + "\n" + read(junctionLog));
    }

    // ------------------------------------------------------------------------------ cases

    @Test
    void aRemoteBackendSeesTheIpv4ClientsOwnAddressAndPort() throws Exception {
        assumeTrue(iptables, "the remote-backend case needs iptables (the socket match)");

        Exchange e = connect(client, FRONT_V4, 8080);

        assertEquals(InetAddress.getByName(CLIENT_V4), e.localAddress, e.toString());
        assertEquals(e.localAddress, e.peerAddress, "the backend sees the client's address: " + e + log());
        assertEquals(e.localPort, e.peerPort, "and its port (usesrc client): " + e);
    }

    @Test
    void aRemoteBackendSeesTheIpv6ClientsOwnAddressAndPort() throws Exception {
        assumeTrue(iptables, "the remote-backend case needs ip6tables (the socket match)");

        Exchange e = connect(client, FRONT_V6, 8080);

        assertEquals(InetAddress.getByName(CLIENT_V6), e.localAddress, e.toString());
        assertEquals(e.localAddress, e.peerAddress, "the backend sees the client's address: " + e + log());
        assertEquals(e.localPort, e.peerPort, "and its port (usesrc client): " + e);
    }

    @Test
    void aLocalBackendOnTheLoopbackAliasSeesTheClientsOwnAddressAndPort() throws Exception {
        Exchange e = connect(client, FRONT_V4, 8081);

        assertEquals(InetAddress.getByName(CLIENT_V4), e.localAddress, e.toString());
        assertEquals(e.localAddress, e.peerAddress, "the backend sees the client's address: " + e + log());
        assertEquals(e.localPort, e.peerPort, "and its port (usesrc client): " + e);
    }

    @Test
    void aLocalBackendOnAnIpv6LoopbackAliasSeesTheClientsOwnAddressAndPort() throws Exception {
        Exchange e = connect(client, FRONT_V6, 8081);

        assertEquals(InetAddress.getByName(CLIENT_V6), e.localAddress, e.toString());
        assertEquals(e.localAddress, e.peerAddress, "the backend sees the client's address: " + e + log());
        assertEquals(e.localPort, e.peerPort, "and its port (usesrc client): " + e);
    }

    @Test
    void clientipPresentsTheClientsAddress() throws Exception {
        assumeTrue(iptables, "the remote-backend case needs iptables (the socket match)");

        Exchange e = connect(client, FRONT_V4, 8082);

        assertEquals(e.localAddress, e.peerAddress, "the backend sees the client's address: " + e + log());
    }

    @Test
    void anIpv4ClientOnAnIpv6ServerIsClosedWithTheReason() throws Exception {
        Exchange e = connect(client, FRONT_V4, 8083);

        assertEquals(null, e.peerAddress, "no server connection: " + e);
        awaitLog(text -> text.contains("IPv4 client cannot be bound transparently on an IPv6 server connection"));
    }

    @Test
    void aClientOnTheRouterItselfFallsBackToClientip() throws Exception {
        assumeTrue(iptables, "the remote-backend case needs iptables (the socket match)");

        // From the router's own address: binding that address and port again would collide.
        Exchange e = connect(router, FRONT_V4, 8080);

        assertEquals(InetAddress.getByName(FRONT_V4), e.localAddress, e.toString());
        assertEquals(e.localAddress, e.peerAddress, "the backend sees the router-side client's address: " + e + log());
        assertNotEquals(e.localPort, e.peerPort, "with a port of the system's choice: " + e);
        awaitLog(text -> text.contains("is on this host and holds that address and port itself"));
    }

    @Test
    void srcIsLocalSendsLocalConnectionsNonTransparently() throws Exception {
        assumeTrue(iptables, "the remote-backend case needs iptables (the socket match)");
        assumeTrue(matcherNet, "src_is_local needs the junction-matcher-net bundle, which this distribution lacks");

        Exchange remote = connect(client, FRONT_V4, 8084);
        Exchange local = connect(router, FRONT_V4, 8084);

        assertEquals(remote.localAddress, remote.peerAddress, "a remote client stays transparent: " + remote + log());
        assertEquals(remote.localPort, remote.peerPort, remote.toString());
        assertEquals(InetAddress.getByName("192.0.2.1"), local.peerAddress,
                "a local client reaches the server from the router's own address: " + local + log());
    }

    @Test
    void checkTransparentReportsAFreshNamespaceThenAllGoodAfterTheDocumentedCommands() throws Exception {
        assumeTrue(iptables, "the remote-backend case needs iptables");
        String ns = freshNamespace("f");
        try {
            Output before = sh(ns, BIN + " check-transparent --v6");
            assertEquals(1, before.code, before.toString());
            for (String piece : List.of("loopback interface lo is down", "net.ipv4.ip_nonlocal_bind = 0",
                    "mangle chain DIVERT does not exist", "no '-p tcp -m socket -j DIVERT' rule",
                    "rule 'fwmark 0x1 lookup TABLE' is missing", "table 100 has no 'local default dev lo' route",
                    "net.ipv6.ip_nonlocal_bind = 0")) {
                assertTrue(before.out.contains(piece), "names '" + piece + "':\n" + before);
            }
            List<String> fixes = fixes(before.out);
            List<String> expected = new ArrayList<>(List.of("ip link set lo up"));
            expected.addAll(REMOTE_V4);
            expected.addAll(REMOTE_V6);
            assertEquals(expected, fixes, before.toString());

            String docs = Files.readString(DOCS);
            for (String fix : fixes) {
                assertTrue(docs.contains(fix), "docs/transparent.md has the command '" + fix + "'");
                Output o = sh(ns, fix);
                assertEquals(0, o.code, fix + ": " + o);
            }

            Output after = sh(ns, BIN + " check-transparent --v6");
            assertEquals(0, after.code, after.toString());
            assertFalse(after.out.contains("MISSING"), after.toString());
            assertTrue(after.out.contains("result: everything is present for remote backends (IPv4 and IPv6)."),
                    after.toString());
        } finally {
            // A namespace that will not go stays listed: @AfterAll tries again and reports it.
            deleteNamespace(ns);
        }
    }

    @Test
    void checkTransparentCoversTheLocalAliasCase() throws Exception {
        String ns = freshNamespace("g");
        try {
            Output before = sh(ns, BIN + " check-transparent --alias 203.0.113.1/24");
            assertEquals(1, before.code, before.toString());
            List<String> fixes = fixes(before.out);
            assertEquals(List.of("ip link set lo up", "ip addr add 203.0.113.1/24 dev lo scope host",
                    "ip rule add from 203.0.113.0/24 lookup 100", "ip route add local 0.0.0.0/0 dev lo table 100"),
                    fixes, before.toString());

            String docs = Files.readString(DOCS);
            for (String fix : fixes) {
                assertTrue(docs.contains(fix), "docs/transparent.md has the command '" + fix + "'");
                assertEquals(0, sh(ns, fix).code, fix);
            }

            Output after = sh(ns, BIN + " check-transparent --alias 203.0.113.1/24");
            assertEquals(0, after.code, after.toString());
        } finally {
            // A namespace that will not go stays listed: @AfterAll tries again and reports it.
            deleteNamespace(ns);
        }
    }

    @Test
    void withoutCapNetAdminTheConfigurationCheckNamesTheCapability() throws Exception {
        assumeTrue(find("setpriv") != null, "needs setpriv (util-linux) to drop the capability");
        Path cfg = Files.writeString(tmp.resolve("needs-cap.cfg"), String.join("\n",
                "listen remote-v4",
                "    bind " + FRONT_V4 + ":8090",
                "    mode tcp",
                "    server app-v4 192.0.2.10:5000 source * usesrc client",
                ""));
        // As root but with CAP_NET_ADMIN gone from the bounding set, so the JVM never has it.
        String drop = "setpriv --inh-caps=-all --bounding-set=-net_admin ";

        Output check = sh(router, drop + BIN + " -c -f " + cfg);

        assertEquals(1, check.code, check.toString());
        assertTrue(check.err.contains(cfg + ":4: source * usesrc client: usesrc needs CAP_NET_ADMIN"), check.toString());
        assertTrue(check.err.contains("setcap cap_net_admin+ep"), check.toString());
        assertFalse(check.out.contains("Configuration file is valid"), check.toString());

        Output host = sh(router, drop + BIN + " check-transparent --alias 203.0.113.1/24");
        assertEquals(1, host.code, host.toString());
        assertTrue(host.out.contains("MISSING  CAP_NET_ADMIN is missing"), host.toString());

        // With the capability, the same file is valid.
        Output ok = sh(router, BIN + " -c -f " + cfg);
        assertEquals(0, ok.code, ok.toString());
    }

    @Test
    void theTestedCommandsAreTheDocumentedOnes() throws Exception {
        String docs = Files.readString(DOCS);
        List<String> all = new ArrayList<>(REMOTE_V4);
        all.addAll(REMOTE_V6);
        all.addAll(LOCAL_V4);
        all.addAll(LOCAL_V6);
        for (String command : all) {
            assertTrue(docs.contains(command), "docs/transparent.md has '" + command + "'");
        }
        assertTrue(docs.contains("server app 203.0.113.40:5000 source 203.0.113.1 usesrc client"), "the local server line");
    }

    // ------------------------------------------------------------------------------ helpers

    /** What the probe client saw: its own address and the peer the server reported. */
    record Exchange(InetAddress localAddress, int localPort, InetAddress peerAddress, int peerPort, String raw) {
        @Override
        public String toString() {
            return raw.strip().replace('\n', '|');
        }
    }

    private static Exchange connect(String ns, String address, int port) throws Exception {
        Output o = run(List.of(ipBin(), "netns", "exec", ns, java(), "-cp", testClasses(), NetnsProbe.class.getName(),
                "connect", address, Integer.toString(port)));
        InetAddress local = null;
        int localPort = -1;
        InetAddress peer = null;
        int peerPort = -1;
        for (String line : o.out.split("\n")) {
            String[] w = line.strip().split(" ");
            if (w.length == 3 && w[0].equals("local")) {
                local = InetAddress.getByName(w[1]);
                localPort = Integer.parseInt(w[2]);
            } else if (w.length == 3 && w[0].equals("peer")) {
                peer = InetAddress.getByName(w[1]);
                peerPort = Integer.parseInt(w[2]);
            }
        }
        return new Exchange(local, localPort, peer, peerPort, o.out + o.err);
    }

    private static void serve(String ns, String address, int port) throws Exception {
        Path log = tmp.resolve("serve-" + ns + "-" + address.replace(':', '_') + ".log");
        Process p = start(List.of(ipBin(), "netns", "exec", ns, java(), "-cp", testClasses(), NetnsProbe.class.getName(),
                "serve", address, Integer.toString(port)), log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_SECONDS);
        while (System.nanoTime() < deadline) {
            if (read(log).contains("listening")) {
                return;
            }
            if (!p.isAlive()) {
                fail("probe server " + address + " exited: " + read(log));
            }
            Thread.sleep(100);
        }
        fail("probe server " + address + " did not listen within " + STEP_SECONDS + " s: " + read(log));
    }

    private static void awaitLog(Predicate<String> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (condition.test(read(junctionLog))) {
                return;
            }
            Thread.sleep(100);
        }
        fail("the junction log does not say what was expected:\n" + read(junctionLog));
    }

    private static String log() {
        return "\n--- junction log\n" + read(junctionLog);
    }

    private static List<String> fixes(String report) {
        return report.lines().map(String::strip).filter(l -> l.startsWith("fix: ")).map(l -> l.substring(5)).toList();
    }

    /** A host with lo up, as every real one has. */
    private static String newNamespace(String role) throws Exception {
        String ns = freshNamespace(role);
        ip("-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    /** A namespace as {@code ip netns add} leaves it: even lo is down. */
    private static String freshNamespace(String role) throws Exception {
        String ns = "junction-" + role + "-" + suffix;
        ip("netns", "add", ns);
        namespaces.add(ns);
        return ns;
    }

    /** Kills what still runs inside {@code ns} (all started by this test) and deletes it. */
    private static String deleteNamespace(String ns) {
        try {
            Output pids = run(List.of(ipBin(), "netns", "pids", ns));
            for (String pid : pids.out.split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            Output del = run(List.of(ipBin(), "netns", "del", ns));
            if (del.code != 0) {
                return "ip netns del " + ns + ": " + del;
            }
            namespaces.remove(ns);
            return null;
        } catch (Exception e) {
            return "ip netns del " + ns + ": " + e;
        }
    }

    private static void address(String ns, String dev, String v4, String v6) throws Exception {
        ip("-n", ns, "addr", "add", v4, "dev", dev);
        // nodad: usable at once, no 1-2 s of duplicate address detection to wait for.
        ip("-n", ns, "-6", "addr", "add", v6, "dev", dev, "nodad");
        ip("-n", ns, "link", "set", dev, "up");
    }

    private static void ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ipBin());
        cmd.addAll(List.of(args));
        Output o = run(cmd);
        assertEquals(0, o.code, String.join(" ", cmd) + ": " + o);
    }

    /** A shell command inside {@code ns}, with the sbin folders on the PATH. */
    private static Output sh(String ns, String command) throws Exception {
        return run(List.of(ipBin(), "netns", "exec", ns, "/bin/sh", "-c", command));
    }

    record Output(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private static ProcessBuilder builder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PATH", PATH + ":" + pb.environment().getOrDefault("PATH", ""));
        pb.environment().put("LC_ALL", "C");
        LeakCheck.paranoid(pb);
        if (tmp != null) {
            pb.environment().put("TMPDIR", tmp.toString());
            pb.directory(tmp.toFile());
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return pb;
    }

    private static Output run(List<String> command) throws IOException, InterruptedException {
        Path dir = tmp != null ? tmp : Path.of(System.getProperty("java.io.tmpdir"));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        try {
            Process p = builder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish within 120 s:\n" + read(out) + read(err));
            }
            return new Output(p.exitValue(), read(out), read(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static Process start(List<String> command, Path log) throws IOException {
        Process p = builder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private static void stop(Process p) {
        p.destroy(); // SIGTERM: junction stops its framework cleanly
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean netnsWorks() {
        String probe = "junction-probe-" + suffix;
        try {
            Output add = run(List.of(ipBin(), "netns", "add", probe));
            if (add.code != 0) {
                return false;
            }
            run(List.of(ipBin(), "netns", "del", probe));
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static boolean hasBundle(String artifact) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(DIST.resolve("bundle"), artifact + "-*.jar")) {
            return s.iterator().hasNext();
        }
    }

    private static String ipBin() {
        return find("ip");
    }

    private static String find(String name) {
        String path = PATH + ":" + System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String testClasses() {
        try {
            return Path.of(NetnsProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String randomSuffix() {
        return Integer.toHexString(new SecureRandom().nextInt(0x1000000) | 0x1000000).substring(1).toLowerCase(Locale.ROOT);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
