/**
 * The SSH sniffer bundle's implementation: three DS components, reached by the core only through
 * their services.
 * <ul>
 *   <li>{@link io.junction.sniffer.ssh.internal.SshSniffer} ({@code junction.protocol=ssh}): the
 *       client's SSH identification string (RFC 4253 section 4.2) for {@code req.ssh_proto},
 *       {@code req.ssh_software}, {@code req.ssh_comments};</li>
 *   <li>{@link io.junction.sniffer.ssh.internal.PayloadSniffer} ({@code junction.protocol=payload}):
 *       {@code req.payload(OFFSET,LENGTH)} / {@code payload(...)} and {@code req.len} /
 *       {@code req_len}, protocol-agnostic, a separate sniffer because it must keep reading after
 *       the SSH sniffer gave up on a TLS hello;</li>
 *   <li>{@link io.junction.sniffer.ssh.internal.BinMatcherFactory} ({@code junction.match=bin}):
 *       HAProxy's hex-pattern match method, the default for BINARY samples.</li>
 * </ul>
 * Not exported.
 */
package io.junction.sniffer.ssh.internal;
