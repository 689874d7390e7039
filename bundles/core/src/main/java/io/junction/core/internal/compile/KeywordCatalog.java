package io.junction.core.internal.compile;

import java.util.Map;

/**
 * Which bundle serves which keyword, for keywords that no installed bundle serves right now. A
 * keyword listed here makes its rule <em>pending</em> (it goes live when the bundle starts); a
 * keyword found nowhere is an error, so a typo is never mistaken for a missing plugin.
 */
final class KeywordCatalog {

    private KeywordCatalog() {
    }

    private static final String TLS_SNIFFER = "junction-sniffer-tls";
    private static final String HTTP = "junction-http";
    private static final String HTTP_SNIFFER = "junction-sniffer-http";
    private static final String SSH = "junction-sniffer-ssh";
    private static final String NET = "junction-matcher-net";
    private static final String TEXT = "junction-matcher-text";
    private static final String BACKEND_TLS = "junction-backend-tls";
    private static final String PROXY = "junction-backend-proxy-protocol";
    private static final String TRANSPARENT = "junction-backend-transparent";
    private static final String LISTENER = "junction-listener-tcp";
    private static final String LISTENER_TLS = "junction-listener-tls";

    static final Map<String, String> FETCHES = Map.ofEntries(
            Map.entry("req.ssl_sni", TLS_SNIFFER), Map.entry("req.ssl_hello_type", TLS_SNIFFER),
            Map.entry("req.ssl_alpn", TLS_SNIFFER), Map.entry("req.ssl_ver", TLS_SNIFFER),
            Map.entry("req.ssl_ec_ext", TLS_SNIFFER), Map.entry("req.ssl_ech", TLS_SNIFFER),
            Map.entry("hdr", HTTP_SNIFFER), Map.entry("req.hdr", HTTP_SNIFFER), Map.entry("hdr_cnt", HTTP_SNIFFER),
            Map.entry("req.hdr_cnt", HTTP_SNIFFER), Map.entry("req.fhdr", HTTP_SNIFFER),
            Map.entry("req.fhdr_cnt", HTTP_SNIFFER), Map.entry("path", HTTP_SNIFFER),
            Map.entry("method", HTTP_SNIFFER), Map.entry("url", HTTP_SNIFFER), Map.entry("base", HTTP_SNIFFER),
            Map.entry("ssl_fc_sni", LISTENER_TLS), Map.entry("ssl_fc_alpn", LISTENER_TLS),
            Map.entry("ssl_fc_protocol", LISTENER_TLS),
            Map.entry("req.ssh_proto", SSH), Map.entry("req.ssh_software", SSH), Map.entry("req.ssh_comments", SSH),
            Map.entry("req.payload", SSH), Map.entry("payload", SSH), Map.entry("req.len", SSH), Map.entry("req_len", SSH),
            Map.entry("src_is_local", NET));

    static final Map<String, String> METHODS = Map.ofEntries(
            Map.entry("str", TEXT), Map.entry("beg", TEXT), Map.entry("end", TEXT), Map.entry("sub", TEXT),
            Map.entry("dom", TEXT), Map.entry("reg", TEXT), Map.entry("len", TEXT), Map.entry("found", TEXT),
            Map.entry("dir", TEXT), Map.entry("ip", NET), Map.entry("bin", SSH));

    static final Map<String, String> SERVER_OPTIONS = Map.ofEntries(
            Map.entry("ssl", BACKEND_TLS), Map.entry("ca-file", BACKEND_TLS), Map.entry("verify", BACKEND_TLS),
            Map.entry("sni", BACKEND_TLS), Map.entry("alpn", BACKEND_TLS), Map.entry("crt", BACKEND_TLS),
            Map.entry("verifyhost", BACKEND_TLS), Map.entry("no-ssl", BACKEND_TLS),
            Map.entry("send-proxy", PROXY), Map.entry("send-proxy-v2", PROXY), Map.entry("send-proxy-v2-ssl", PROXY),
            Map.entry("send-proxy-v2-ssl-cn", PROXY),
            Map.entry("proxy-v2-options", PROXY),
            // usesrc only ever follows source, whose parser consumes it; alone it is an error.
            Map.entry("source", TRANSPARENT));

    static final Map<String, String> BIND_OPTIONS = Map.ofEntries(
            Map.entry("ssl", LISTENER_TLS), Map.entry("crt", LISTENER_TLS), Map.entry("alpn", LISTENER_TLS),
            Map.entry("ca-file", LISTENER_TLS), Map.entry("verify", LISTENER_TLS), Map.entry("ciphers", LISTENER_TLS),
            Map.entry("ssl-min-ver", LISTENER_TLS), Map.entry("strict-sni", LISTENER_TLS),
            Map.entry("ciphersuites", LISTENER_TLS), Map.entry("ssl-max-ver", LISTENER_TLS),
            Map.entry("no-alpn", LISTENER_TLS),
            Map.entry("accept-proxy", PROXY),
            Map.entry("v4v6", LISTENER), Map.entry("v6only", LISTENER), Map.entry("backlog", LISTENER),
            Map.entry("transparent", LISTENER));

    static final Map<String, String> CONNECTION_ACTIONS = Map.of("expect-proxy", PROXY);

    static final Map<String, String> HTTP_ACTIONS = Map.of("set-header", HTTP, "add-header", HTTP, "del-header", HTTP,
            "deny", HTTP, "return", HTTP, "redirect", HTTP, "replace-header", HTTP, "set-path", HTTP);

    /** Words that stand for match methods when written as a fetch suffix ({@code hdr_dom}). */
    static boolean isMethodSuffix(String s) {
        return METHODS.containsKey(s) || s.equals("int") || s.equals("bool");
    }
}
