package io.junction.matcher.net.internal;

import io.junction.api.ConfigContext;
import io.junction.api.ConfigException;
import io.junction.api.Matcher;
import io.junction.api.MatcherFactory;
import io.junction.api.SampleType;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * HAProxy's {@code ip} match method (configuration manual 7.1.6 "Matching IPv4 and IPv6
 * addresses"), the default method of address fetches ({@code src}, {@code dst}): e.g.
 * {@code acl localsrc src 127.0.0.0/8}, {@code acl v4src src 0.0.0.0/0},
 * {@code acl trusted src -f /etc/junction/lb.lst}. Patterns are written inline or come from
 * {@code -f} files (the core reads the files and passes their lines as patterns); several
 * patterns match when any does. The pattern forms and where Junction is stricter than HAProxy
 * are described on {@link IpPatterns}.
 *
 * <p>The patterns are compiled once into sorted, disjoint ranges per address family; a match is a
 * binary search over primitive arrays and allocates nothing. {@code -i} is accepted and ignored
 * (addresses have no case).
 */
@Component(service = MatcherFactory.class, property = MatcherFactory.METHODS + "=ip")
public final class IpMatcherFactory implements MatcherFactory {

    /**
     * Config time (the core's configuration thread); may allocate, does not block (no name is
     * ever resolved). The returned matcher is immutable, shared by every event loop.
     *
     * @throws ConfigException for a method other than {@code ip}, a fetch that does not yield
     *         addresses, no pattern, or a pattern that is not an address or network (the
     *         message names it)
     */
    @Override
    public Matcher compile(String method, SampleType sampleType, List<String> patterns, boolean ignoreCase,
            ConfigContext context) throws ConfigException {
        if (!"ip".equals(method)) {
            throw new ConfigException("-m " + method + ": not served by the network matcher (it serves -m ip)");
        }
        if (sampleType != SampleType.ADDRESS) {
            throw new ConfigException("-m ip matches addresses, but this fetch yields "
                    + sampleType.name().toLowerCase(java.util.Locale.ROOT) + " samples: use -m "
                    + sampleType.defaultMethod());
        }
        if (patterns == null || patterns.isEmpty()) {
            throw new ConfigException("-m ip needs at least one address or network, e.g. 10.0.0.0/8 or 2001:db8::/32");
        }
        return new IpMatcher(IpPatterns.compile(patterns));
    }
}
