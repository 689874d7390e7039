package io.junction.backend.tls.internal;

import io.netty.util.NetUtil;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Whether a server certificate is valid for a name, as RFC 6125 section 6 (and RFC 9525, its
 * successor) says, for {@code verifyhost NAME}: the JDK's own check ("HTTPS" endpoint
 * identification) tries the SNI name first and the peer host second, so it would accept a
 * certificate for the SNI alone, while {@code verifyhost} must pin the name whatever the SNI.
 *
 * <ul>
 *   <li>an IP address matches an iPAddress subjectAltName of the same bytes;</li>
 *   <li>a DNS name matches a dNSName subjectAltName case-insensitively, or a wildcard
 *       {@code *.rest} whose {@code *} stands for exactly the first label of the name (no
 *       partial wildcards such as {@code f*.example.com}, and not {@code *.com});</li>
 *   <li>the subject CN is consulted only when the certificate has no dNSName at all (legacy
 *       certificates; the JDK does the same).</li>
 * </ul>
 * Any thread; pure computation.
 */
final class HostnameCheck {
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    private HostnameCheck() {
    }

    static boolean matches(String name, X509Certificate cert) {
        String host = normalize(name);
        if (host.isEmpty()) {
            return false;
        }
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host.startsWith("[") && host.endsWith("]")
                ? host.substring(1, host.length() - 1) : host);
        boolean sawDns = false;
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() < 2 || !(san.get(0) instanceof Integer type) || !(san.get(1) instanceof String value)) {
                    continue;
                }
                if (type == SAN_IP && ip != null) {
                    byte[] other = NetUtil.createByteArrayFromIpAddressString(value);
                    if (other != null && Arrays.equals(ip, other)) {
                        return true;
                    }
                } else if (type == SAN_DNS) {
                    sawDns = true;
                    if (ip == null && dnsMatches(host, normalize(value))) {
                        return true;
                    }
                }
            }
        }
        if (ip != null || sawDns) {
            return false;
        }
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType()) && rdn.getValue() instanceof String cn
                        && dnsMatches(host, normalize(cn))) {
                    return true;
                }
            }
        } catch (InvalidNameException e) {
            return false;
        }
        return false;
    }

    private static boolean dnsMatches(String host, String pattern) {
        if (pattern.equals(host)) {
            return true;
        }
        if (!pattern.startsWith("*.") || pattern.indexOf('.', 2) < 0) {
            return false;
        }
        int dot = host.indexOf('.');
        return dot > 0 && host.substring(dot + 1).equals(pattern.substring(2));
    }

    private static String normalize(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
