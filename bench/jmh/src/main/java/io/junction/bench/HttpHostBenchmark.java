package io.junction.bench;

import io.junction.api.Fetch;
import io.junction.api.SniffResult;
import io.junction.api.Sniffer;
import io.junction.sniffer.http.internal.HttpSniffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP sniffer (TCP listeners' {@code hdr(host)}) on a whole request head, then the compiled
 * {@code hdr(host)} fetch on what it stored: what the core runs before it can route a plain HTTP
 * connection by Host. {@code head=curl}: a minimal request (3 header fields); {@code
 * head=browser}: a browser's (11 fields, about 600 bytes).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class HttpHostBenchmark {

    @Param({"curl", "browser"})
    public String head;

    private Sniffer sniffer;
    private Fetch host;
    private ByteBuf request;
    private ArrayFacts facts;

    static String head(String kind) {
        if (kind.equals("curl")) {
            return "GET /index.html HTTP/1.1\r\nHost: app1.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";
        }
        return "GET /app/dashboard?tab=overview HTTP/1.1\r\n"
                + "Host: app1.example.com\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                + "Accept-Language: en-US,en;q=0.5\r\n"
                + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
                + "Referer: https://app1.example.com/app/\r\n"
                + "Connection: keep-alive\r\n"
                + "Cookie: session=4f1c2a9e8b7d6c5f4e3d2c1b0a998877; theme=dark\r\n"
                + "Upgrade-Insecure-Requests: 1\r\n"
                + "Sec-Fetch-Dest: document\r\n"
                + "Sec-Fetch-Mode: navigate\r\n"
                + "\r\n";
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        HttpSniffer http = Components.httpSniffer();
        sniffer = http;
        host = http.compile("hdr", List.of("host"), null);
        byte[] bytes = head(head).getBytes(StandardCharsets.ISO_8859_1);
        request = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        facts = new ArrayFacts(new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 80));
        if (sniff() == null) {
            throw new IllegalStateException("no Host read");
        }
        Object sample = host.sample(facts);
        if (!String.valueOf(sample).contains("app1.example.com")) {
            throw new IllegalStateException("hdr(host) gave " + sample);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        request.release();
    }

    @Benchmark
    public Object sniff() {
        facts.clear();
        if (sniffer.sniff(request, facts) != SniffResult.DONE) {
            return null;
        }
        return host.sample(facts);
    }
}
