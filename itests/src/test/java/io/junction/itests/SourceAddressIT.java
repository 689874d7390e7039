package io.junction.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Issue 5, acceptance 3 (the loopback part; the remote {@code src_is_local} case runs in a
 * network namespace in the distribution's SrcIsLocalNamespaceIT): the seed's IPv6
 * configuration with {@code bind ipv4@} + {@code bind ipv6@} on one port, IPv4 clients never
 * seen as IPv6 on a dual-stack socket, {@code src_is_local}, and the seed's last configuration
 * with several {@code acl} lines of one name.
 *
 * <p>Addresses a client cannot have on loopback (203.0.113.7, 2001:db8::7, 0.0.0.1) are
 * claimed through an {@code accept-proxy} bind: the decoded source replaces the socket's for
 * every rule, which is what the seed's ACLs see behind a load balancer.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SourceAddressIT extends NetItSupport {

    @Configuration
    public Option[] configuration() {
        return netOptions(SourceAddressIT.class);
    }

    @Before
    public void setUp() throws Exception {
        installLeakGuard();
        assertNetBundlesActive();
    }

    @After
    public void tearDown() throws Exception {
        closeAllAndCheckLeaks();
    }

    /**
     * The article's IPv6 block as written, on loopback: both binds on one port (so the
     * {@code ipv6@} socket must be IPv6-only, or the pair cannot share the port), the v4src /
     * invalidv4 ACLs, IPv6 servers written bare ({@code ::1:PORT}). Two differences, both
     * outside this issue: {@code mode tcp} instead of {@code mode http} (the Host ACLs are then
     * served by the HTTP sniffer from the first request; mode http is junction-http's issue), and
     * no {@code source * usesrc client} on the servers (transparent proxying is the transparent
     * issue's).
     *
     * <p>{@code bind ipv4@:P} and {@code bind ipv6@:P} listen on every address, as the article
     * writes them; the clients connect to 127.0.0.1 and ::1 only.
     */
    @Test
    public void articleIpv6ConfigurationRoutesV4ClientsToV4ServersAndV6ClientsToV6Servers() throws Exception {
        Map<String, TaggedBackend> servers = new LinkedHashMap<>();
        for (String name : new String[] {"app1-v4", "app2-v4", "default-v4"}) {
            servers.put(name, taggedBackend(name, V4));
        }
        for (String name : new String[] {"app1-v6", "app2-v6", "default-v6"}) {
            servers.put(name, taggedBackend(name, V6));
        }
        int port = freePort(V4);
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen server",
                "    bind ipv4@:" + port,
                "    bind ipv6@:" + port,
                "    mode tcp",
                "    acl v4src src 0.0.0.0/0",
                "    acl invalidv4 src 0.0.0.0/8",
                "    acl app1-host hdr_dom(host) -i app1.example.com",
                "    acl app2-host hdr_dom(host) -i app2.example.com",
                "    use-server app1-v4 if app1-host v4src !invalidv4",
                "    use-server app1-v6 if app1-host",
                "    server app1-v4 " + servers.get("app1-v4").address() + " weight 0",
                "    server app1-v6 " + servers.get("app1-v6").address() + " weight 0",
                "    use-server app2-v4 if app2-host v4src !invalidv4",
                "    use-server app2-v6 if app2-host",
                "    server app2-v4 " + servers.get("app2-v4").address() + " weight 0",
                "    server app2-v6 " + servers.get("app2-v6").address() + " weight 0",
                "    use-server default-v4 if v4src !invalidv4",
                "    server default-v4 " + servers.get("default-v4").address() + " weight 0",
                "    server default-v6 " + servers.get("default-v6").address(),
                ""));
        awaitGreeting("IPv4 client, Host app1", servers.get("app1-v4"), () -> httpClient(V4, port, "app1.example.com"));

        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, String> actual = new LinkedHashMap<>();
        for (InetAddress client : new InetAddress[] {V4, V6}) {
            String family = client instanceof Inet6Address ? "v6" : "v4";
            for (String host : new String[] {"app1.example.com", "APP2.example.com:8080", "other.example.com"}) {
                String what = text(client) + " Host " + host;
                String server = (host.toLowerCase().startsWith("app1") ? "app1-" : host.toLowerCase()
                        .startsWith("app2") ? "app2-" : "default-") + family;
                expected.put(what, server);
                try (Socket s = httpClient(client, port, host)) {
                    String greeting = readLine(s);
                    actual.put(what, greeter(greeting));
                    if (server.equals(greeter(greeting))) {
                        // The router reached the server over the server's own family.
                        InetAddress peer = servers.get(server).peer(greetingId(greeting, servers.get(server))).getAddress();
                        assertEquals(what + ": peer family of the router's connection", client.getClass(), peer.getClass());
                    }
                }
            }
        }
        assertEquals("server per client family and Host", expected, actual);
    }

    /**
     * {@code bind ipv6@:P v4v6} alone: an IPv4 client arrives on the IPv6 socket as
     * ::ffff:127.0.0.1, and must still be IPv4 for the rules ({@code v4src} matches) and in the
     * PROXY header the router writes ({@code TCP4 127.0.0.1}, never {@code TCP6 ::ffff:...}).
     * The same for an IPv4-mapped source that an upstream proxy put in its own header
     * ({@code PROXY TCP6 ::ffff:203.0.113.7 ::1 ...}): it is IPv4 for the rules (as in HAProxy,
     * an IPv4 pattern matches a mapped address), and no mapped address goes on the wire.
     */
    @Test
    public void ipv4ClientOnADualStackSocketIsSeenAsIpv4() throws Exception {
        TaggedBackend v4 = taggedBackend("default-v4", V4);
        TaggedBackend v6 = taggedBackend("default-v6", V6);
        int port = freePort(V4);
        int proxied = freePort(V4);
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen dual",
                "    bind ipv6@:" + port + " v4v6",
                "    bind 127.0.0.1:" + proxied + " accept-proxy",
                "    mode tcp",
                "    acl v4src src 0.0.0.0/0",
                "    acl invalidv4 src 0.0.0.0/8",
                "    use-server default-v4 if v4src !invalidv4",
                "    server default-v4 " + v4.address() + " weight 0 send-proxy",
                "    server default-v6 " + v6.address() + " send-proxy",
                ""));
        awaitGreeting("IPv4 client on the dual-stack socket", v4, () -> connect(V4, 0, V4, port));

        for (InetAddress client : new InetAddress[] {V4, V6}) {
            TaggedBackend server = client instanceof Inet6Address ? v6 : v4;
            int clientPort = freePort(client);
            Socket s = connect(client, clientPort, client, port);
            int id = greetingId(readLine(s), server);
            String family = client instanceof Inet6Address ? "TCP6" : "TCP4";
            assertEquals("client " + text(client) + ": the router's PROXY header",
                    "PROXY " + family + " " + text(client) + " " + text(client) + " " + clientPort + " " + port + "\r",
                    server.awaitLine(id, RECORD_WAIT).split("\n", 2)[0]);
        }

        Socket mapped = claim(proxied, "::ffff:203.0.113.7");
        int id = greetingId(readLine(mapped), v4);
        String header = v4.awaitLine(id, RECORD_WAIT).split("\n", 2)[0];
        assertTrue("a PROXY header, without the IPv4-mapped form: " + quote(header),
                header.startsWith("PROXY ") && !header.toLowerCase(java.util.Locale.ROOT).contains("ffff"));
    }

    /**
     * {@code use-server local if src_is_local}: true for connections from this host (127.0.0.1,
     * another 127/8 address, ::1, and a PROXY header claiming one of them), false for a claimed
     * remote address, IPv4 or IPv6.
     */
    @Test
    public void srcIsLocalIsTrueFromThisHostAndFalseForARemoteSource() throws Exception {
        TaggedBackend local = taggedBackend("local", V4);
        TaggedBackend remote = taggedBackend("remote", V4);
        int port = freePort(V4);
        int proxied = freePort(V4);
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen local-check",
                "    bind 127.0.0.1:" + port,
                "    bind [::1]:" + port,
                "    bind 127.0.0.1:" + proxied + " accept-proxy",
                "    mode tcp",
                "    use-server local if src_is_local",
                "    server local " + local.address() + " weight 0",
                "    server remote " + remote.address(),
                ""));
        awaitGreeting("127.0.0.1", local, () -> connect(V4, 0, V4, port));
        awaitGreeting("PROXY header claiming 127.0.0.1", local, () -> claim(proxied, "127.0.0.1"));

        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, String> actual = new LinkedHashMap<>();
        for (String from : new String[] {"127.0.0.1", "127.0.0.3", "::1"}) {
            InetAddress address = literal(from);
            expected.put("from " + from, "local");
            actual.put("from " + from, greeter(readLine(connect(address, 0, sameFamilyLoopback(address), port))));
        }
        for (String[] c : new String[][] {
            {"127.0.0.9", "local"}, {"::1", "local"}, {"203.0.113.7", "remote"}, {"2001:db8::7", "remote"},
        }) {
            expected.put("PROXY header claiming " + c[0], c[1]);
            actual.put("PROXY header claiming " + c[0], greeter(readLine(claim(proxied, c[0]))));
        }
        assertEquals("src_is_local per source", expected, actual);
    }

    /**
     * The seed's last configuration (local sources skip transparency) with loopback servers:
     * three {@code acl localsrc} lines OR together, {@code v4src !invalidv4}; plus a two-line ACL
     * and {@code or} with an anonymous {@code { }} ACL, which each match one source only, so
     * that an ACL of several lines that kept only its last line would fail here.
     */
    @Test
    public void seedLocalSourceAclsOfSeveralLinesOrTogether() throws Exception {
        Map<String, TaggedBackend> servers = new LinkedHashMap<>();
        servers.put("doc", taggedBackend("doc", V4));
        servers.put("default-lo", taggedBackend("default-lo", V6));
        servers.put("default-v4", taggedBackend("default-v4", V4));
        servers.put("default-v6", taggedBackend("default-v6", V6));
        int port = freePort(V4);
        int proxied = freePort(V4);
        writeConfig(String.join("\n",
                "defaults",
                "    timeout connect 5s",
                "    timeout client 30s",
                "    timeout server 30s",
                "listen server",
                "    bind 127.0.0.1:" + port,
                "    bind [::1]:" + port,
                "    bind 127.0.0.1:" + proxied + " accept-proxy",
                "    mode tcp",
                "    acl v4src src 0.0.0.0/0",
                "    acl invalidv4 src 0.0.0.0/8",
                "    acl localsrc src 127.0.0.0/8",
                "    acl localsrc src ::1",
                "    acl localsrc src_is_local",
                "    acl doc src 198.51.100.7",
                "    acl doc src 2001:db8::77",
                "    use-server doc if doc or { src 192.0.2.99 }",
                "    use-server default-lo if localsrc",
                "    use-server default-v4 if v4src !invalidv4",
                "    server doc " + servers.get("doc").address() + " weight 0",
                // The article's default-lo and default-v6 are one address (2001:db8::30:80); two
                // backends here, to tell the rules apart. No 'source * usesrc client': not this issue.
                "    server default-lo " + servers.get("default-lo").address() + " weight 0",
                "    server default-v4 " + servers.get("default-v4").address() + " weight 0",
                "    server default-v6 " + servers.get("default-v6").address(),
                ""));
        awaitGreeting("PROXY header claiming 203.0.113.7", servers.get("default-v4"), () -> claim(proxied, "203.0.113.7"));
        awaitGreeting("PROXY header claiming 2001:db8::77", servers.get("doc"), () -> claim(proxied, "2001:db8::77"));

        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, String> actual = new LinkedHashMap<>();
        for (String from : new String[] {"127.0.0.1", "::1"}) {
            InetAddress address = literal(from);
            expected.put("from " + from, "default-lo");
            actual.put("from " + from, greeter(readLine(connect(address, 0, sameFamilyLoopback(address), port))));
        }
        for (String[] c : new String[][] {
            {"127.0.0.9", "default-lo"}, {"::1", "default-lo"},
            {"203.0.113.7", "default-v4"}, {"0.0.0.1", "default-v6"}, {"2001:db8::7", "default-v6"},
            {"198.51.100.7", "doc"}, {"2001:db8::77", "doc"}, {"192.0.2.99", "doc"}, {"198.51.100.8", "default-v4"},
        }) {
            expected.put("PROXY header claiming " + c[0], c[1]);
            actual.put("PROXY header claiming " + c[0], greeter(readLine(claim(proxied, c[0]))));
        }
        assertEquals("server per source", expected, actual);
    }

    // ------------------------------------------------------------------ helpers

    /** 127.0.0.1 for an IPv4 client (whatever 127/8 address it binds), ::1 for IPv6. */
    private static InetAddress sameFamilyLoopback(InetAddress client) {
        return client instanceof Inet6Address ? V6 : V4;
    }

    /** A client that sends an HTTP request head with {@code host}, from {@code client} to the same family. */
    private Socket httpClient(InetAddress client, int port, String host) throws IOException {
        Socket s = connect(client, 0, client, port);
        send(s, "GET / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: itest\r\n\r\n");
        return s;
    }

    /** A connection to an accept-proxy bind whose v1 header claims source {@code address}. */
    private Socket claim(int proxied, String address) throws IOException {
        boolean v6 = address.contains(":");
        Socket s = connect(V4, 0, V4, proxied);
        send(s, "PROXY " + (v6 ? "TCP6 " : "TCP4 ") + address + (v6 ? " ::1 " : " 127.0.0.1 ") + "40000 " + proxied
                + "\r\nafter the header\n");
        return s;
    }
}
