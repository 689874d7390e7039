package io.junction.bench;

import io.junction.api.SniffResult;
import io.junction.api.Sniffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The TLS sniffer's {@code sniff()} on a whole ClientHello, as the core calls it once the hello
 * has arrived: a pooled-style direct buffer, a reused {@link io.junction.api.Facts}.
 *
 * <p>{@code names=sni+alpn}: a browser-like hello (SNI and ALPN h2, http/1.1); the sniffer must
 * allocate the facts themselves (the SNI String, the ALPN list), as the SPI stores them as
 * values. {@code names=none}: no SNI and no ALPN, so that every byte allocated is the parser's own
 * (the target: 0 bytes per op).
 *
 * <p>Sizes are wire bytes: 1 KB (a classic hello), 2 KB (a post-quantum X25519MLKEM768 key share
 * makes hellos about this big; one record, two TCP segments), 16 KB (two records).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class ClientHelloBenchmark {

    @Param({"1024", "2048", "16384"})
    public int bytes;

    @Param({"sni+alpn", "none"})
    public String names;

    private Sniffer sniffer;
    private ByteBuf hello;
    private ArrayFacts facts;

    @Setup(Level.Trial)
    public void setUp() {
        sniffer = Components.tlsSniffer();
        byte[] wire = names.equals("none")
                ? ClientHellos.hello(bytes, null)
                : ClientHellos.hello(bytes, "app1.example.com", "h2", "http/1.1");
        hello = Unpooled.directBuffer(wire.length).writeBytes(wire);
        facts = new ArrayFacts(new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 443));
        SniffResult r = sniffer.sniff(hello, facts);
        if (r != SniffResult.DONE || facts.size() == 0) {
            throw new IllegalStateException("the sniffer did not read the " + wire.length + "-byte hello: " + r);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        hello.release();
    }

    @Benchmark
    public SniffResult sniff() {
        facts.clear();
        return sniffer.sniff(hello, facts);
    }
}
