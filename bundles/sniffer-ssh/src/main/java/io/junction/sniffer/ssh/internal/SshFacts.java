package io.junction.sniffer.ssh.internal;

import io.junction.api.FactKey;

/**
 * The facts the SSH sniffer stores for a connection, one key per fetch keyword, read by
 * {@link SshFetch}. Keys are compared by identity (see {@link FactKey}), so these constants are
 * the only way to read them. All are stored together, once, when {@link SshSniffer#sniff}
 * returns {@link io.junction.api.SniffResult#DONE}; before that (and after NOT_APPLICABLE) none
 * is known. Every value is a String copied out of the client's bytes.
 */
final class SshFacts {

    /**
     * {@code req.ssh_proto}: the identification string's protoversion (RFC 4253 section 4.2),
     * e.g. {@code 2.0}, or {@code 1.99} from software that also speaks SSH-1 (section 5.1).
     */
    static final FactKey<String> PROTO = FactKey.of("req.ssh_proto", String.class);

    /** {@code req.ssh_software}: the softwareversion, e.g. {@code OpenSSH_9.2p1}. */
    static final FactKey<String> SOFTWARE = FactKey.of("req.ssh_software", String.class);

    /**
     * {@code req.ssh_comments}: what follows the SP after softwareversion, e.g. {@code Debian-2}
     * from {@code SSH-2.0-OpenSSH_9.2p1 Debian-2}; {@code ""} when the line ends right after the
     * SP; absent when there is no SP (the comments are OPTIONAL).
     */
    static final FactKey<String> COMMENTS = FactKey.of("req.ssh_comments", String.class);

    private SshFacts() {
    }
}
