package io.junction.matcher.net.internal;

import io.junction.api.Matcher;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.List;

/**
 * The compiled {@code ip} match: an {@link AddressSet} tested against an address sample. IPv4
 * samples are looked up among the IPv4 patterns only and IPv6 samples among the IPv6 patterns
 * only; an IPv6 sample that is IPv4-mapped (which the core never produces, but a plugin might)
 * is treated as the IPv4 address it carries, as IPv4-mapped patterns are.
 *
 * <p>Immutable; shared by every event loop. {@link #matches} does not allocate (see
 * {@link SampleAddresses} for the one-copy-per-connection IPv6 caveat).
 */
final class IpMatcher implements Matcher {
    private final AddressSet set;

    IpMatcher(AddressSet set) {
        this.set = set;
    }

    /**
     * Event loop, does not block: whether the sample, an {@link java.net.InetAddress} or a
     * {@link List} of them, is in one of the networks. Anything else does not match.
     */
    @Override
    public boolean matches(Object sample) {
        if (sample instanceof Inet4Address a) {
            return set.hasV4() && set.containsV4(SampleAddresses.v4(a));
        }
        if (sample instanceof Inet6Address a) {
            SampleAddresses.V6 v = SampleAddresses.v6(a);
            if (v.isV4Mapped()) {
                return set.hasV4() && set.containsV4(v.mappedV4());
            }
            return set.hasV6() && set.containsV6(v.hi, v.lo);
        }
        if (sample instanceof List<?> list) {
            // Indexed loop: an iterator would allocate.
            for (int i = 0, n = list.size(); i < n; i++) {
                Object element = list.get(i);
                if (element != null && !(element instanceof List) && matches(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    AddressSet set() {
        return set;
    }
}
