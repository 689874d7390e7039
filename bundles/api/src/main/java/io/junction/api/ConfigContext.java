package io.junction.api;

import java.nio.file.Path;

/**
 * What a plugin may ask of the configuration being compiled. Config time only.
 *
 * <p>The core passes one instance per configuration line to every option parsed from that
 * line, so options of one {@code server} or {@code bind} line may recognise each other by the
 * identity of their context (e.g. to merge {@code send-proxy-v2} and {@code proxy-v2-options}
 * into one header, or {@code ssl} and {@code crt} into one TLS context).
 */
public interface ConfigContext {

    /** Where the keyword being compiled stands, as {@code file:line}, for messages and logs. */
    String location();

    /**
     * Resolves a path written in the configuration: an absolute path as is, a relative one
     * against the folder of the configuration file that contains it (as HAProxy resolves
     * certificates relative to its {@code crt-base}, we resolve against the file's folder).
     */
    Path resolve(String path);

    /**
     * Compiles a sample fetch expression written as an option argument, e.g. the
     * {@code req.hdr(host)} of {@code sni req.hdr(host)}, against the fetches installed.
     *
     * @throws ConfigException when no installed bundle serves the fetch or its arguments are wrong
     */
    Fetch fetch(String expression) throws ConfigException;
}
