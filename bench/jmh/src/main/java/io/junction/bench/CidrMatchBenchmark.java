package io.junction.bench;

import io.junction.api.Matcher;
import io.junction.api.SampleType;
import io.junction.matcher.net.internal.IpMatcherFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code src -m ip} with {@code networks} CIDR patterns (e.g. an allow list read with {@code -f}),
 * compiled by the real network matcher; each call tests the next of 16 client addresses (half
 * inside a pattern, half outside), so that no per-address cache flatters IPv6.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class CidrMatchBenchmark {

    @Param({"1", "100", "10000"})
    public int networks;

    @Param({"ipv4", "ipv6"})
    public String family;

    private Matcher matcher;
    private InetAddress[] clients;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        boolean v4 = family.equals("ipv4");
        List<String> patterns = new ArrayList<>(networks);
        for (int i = 0; i < networks; i++) {
            // Every other /24 (or /48): the gaps are where the misses fall.
            patterns.add(v4 ? "10." + ((2 * i) >> 8 & 0xFF) + "." + ((2 * i) & 0xFF) + ".0/24"
                    : "2001:db8:" + Integer.toHexString(2 * i) + "::/48");
        }
        matcher = new IpMatcherFactory().compile("ip", SampleType.ADDRESS, patterns, false, null);
        clients = new InetAddress[16];
        int hits = 0;
        for (int k = 0; k < clients.length; k++) {
            int net = (k % 2 == 0) ? 2 * ((k * 7919) % networks) : 2 * ((k * 7919) % networks) + 1;
            clients[k] = InetAddress.getByName(v4 ? "10." + (net >> 8 & 0xFF) + "." + (net & 0xFF) + "." + (k + 1)
                    : "2001:db8:" + Integer.toHexString(net) + "::" + Integer.toHexString(k + 1));
            if (matcher.matches(clients[k])) {
                hits++;
            }
        }
        if (hits != clients.length / 2) {
            throw new IllegalStateException(hits + " of " + clients.length + " clients matched, expected half");
        }
    }

    @Benchmark
    public boolean match() {
        InetAddress a = clients[next];
        next = (next + 1) & 15;
        return matcher.matches(a);
    }
}
