package io.junction.api;

import java.nio.file.Path;

/**
 * What a plugin may ask of the configuration being compiled. Config time only.
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
