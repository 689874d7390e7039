package io.junction.api;

import java.util.List;

/**
 * A service that serves sample fetch keywords ({@code src}, {@code req.ssl_sni},
 * {@code hdr(host)}). Register it with the service property {@value #FETCHES} listing the
 * keywords. A fetch computed from the connection alone (addresses, ports) is a plain
 * FetchProvider; a fetch read from the client's first bytes comes from a {@link Sniffer}.
 */
public interface FetchProvider {

    /** Service property (String or String[]): the fetch keywords this service serves. */
    String FETCHES = "junction.fetch";

    /**
     * Config time: compiles one use of a fetch keyword.
     *
     * @param keyword one of the keywords listed in {@value #FETCHES}
     * @param args the arguments written in parentheses, e.g. {@code ["host"]} for
     *        {@code hdr(host)}; empty when none were written
     * @param context where the keyword stands, to resolve paths
     * @return the compiled fetch, typically a shared instance when there are no arguments
     * @throws ConfigException when the arguments are wrong; the message names the keyword
     */
    Fetch compile(String keyword, List<String> args, ConfigContext context) throws ConfigException;
}
