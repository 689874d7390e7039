package io.junction.listener.tls.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.junction.api.ConfigException;
import io.junction.api.Fetch;
import io.junction.api.SampleType;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlsFetchProviderTest {
    private final TlsFetchProvider provider = new TlsFetchProvider();

    @Test
    void fetchesReadTheFactsTheGateStored() throws ConfigException {
        TestFacts facts = new TestFacts(new InetSocketAddress(1), new InetSocketAddress(2), true);
        var ctx = TestConfig.context(Path.of("."), "x.cfg:1");
        Fetch sni = provider.compile("ssl_fc_sni", List.of(), ctx);
        Fetch alpn = provider.compile("ssl_fc_alpn", List.of(), ctx);
        Fetch protocol = provider.compile("ssl_fc_protocol", List.of(), ctx);
        assertEquals(SampleType.STRING, sni.type());
        assertNull(sni.sample(facts));
        facts.put(TlsFacts.SNI, "app1.example.com");
        facts.put(TlsFacts.ALPN, "h2");
        facts.put(TlsFacts.PROTOCOL, "TLSv1.3");
        assertEquals("app1.example.com", sni.sample(facts));
        assertEquals("h2", alpn.sample(facts));
        assertEquals("TLSv1.3", protocol.sample(facts));
    }

    @Test
    void argumentsAndOtherKeywordsAreRefused() {
        var ctx = TestConfig.context(Path.of("."), "x.cfg:1");
        assertThrows(ConfigException.class, () -> provider.compile("ssl_fc_sni", List.of("x"), ctx));
        assertThrows(ConfigException.class, () -> provider.compile("ssl_fc", List.of(), ctx));
    }
}
