package io.junction.backend.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.ConfigException;
import io.junction.api.ConnectionAction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Parsing of {@code accept-proxy} and {@code expect-proxy layer4}, and the DS descriptors bnd
 * generated (in target/classes before the tests run), which announce the keywords the core looks
 * for.
 */
class ProvidersTest {

    @Test
    void acceptProxyTakesNoWordAndDefersInspection() throws Exception {
        SendProxyTest.LineWords words = new SendProxyTest.LineWords("ssl crt x.pem");
        var option = new AcceptProxyProvider().parse("accept-proxy", words, SendProxyTest.context());
        assertTrue(option.defersInspection());
        assertEquals("ssl", words.peek(), "the next bind option's words are left alone");
    }

    @Test
    void expectProxyNeedsLayer4() throws Exception {
        ExpectProxyProvider provider = new ExpectProxyProvider();
        ConnectionAction action = provider.parse("expect-proxy", new SendProxyTest.LineWords("layer4"),
                SendProxyTest.context());
        assertTrue(action.defersInspection());
        assertSame(ExpectProxyProvider.EXPECT_PROXY, action);
        ConfigException other = assertThrows(ConfigException.class,
                () -> provider.parse("expect-proxy", new SendProxyTest.LineWords("layer7"), SendProxyTest.context()));
        assertTrue(other.getMessage().contains("'layer7'"), other.getMessage());
        assertThrows(ConfigException.class,
                () -> provider.parse("expect-proxy", new SendProxyTest.LineWords(""), SendProxyTest.context()));
    }

    private static Element component(Class<?> type) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document xml = factory.newDocumentBuilder()
                .parse(Path.of("target/classes/OSGI-INF/" + type.getName() + ".xml").toFile());
        return xml.getDocumentElement();
    }

    private static List<String> property(Element component, String name) {
        List<String> values = new ArrayList<>();
        NodeList properties = component.getElementsByTagNameNS("*", "property");
        for (int i = 0; i < properties.getLength(); i++) {
            Element p = (Element) properties.item(i);
            if (p.getAttribute("name").equals(name)) {
                if (p.hasAttribute("value")) {
                    values.add(p.getAttribute("value"));
                } else {
                    for (String v : p.getTextContent().split("\n")) {
                        if (!v.isBlank()) {
                            values.add(v.trim());
                        }
                    }
                }
            }
        }
        return values;
    }

    private static String provides(Element component) {
        NodeList provides = component.getElementsByTagNameNS("*", "provide");
        assertEquals(1, provides.getLength());
        return ((Element) provides.item(0)).getAttribute("interface");
    }

    @Test
    void descriptors() throws Exception {
        Element send = component(SendProxyProvider.class);
        assertEquals("io.junction.api.ServerOptionProvider", provides(send));
        assertEquals(List.of("send-proxy", "send-proxy-v2", "send-proxy-v2-ssl", "send-proxy-v2-ssl-cn", "proxy-v2-options"),
                property(send, "junction.server.option"));
        Element accept = component(AcceptProxyProvider.class);
        assertEquals("io.junction.api.BindOptionProvider", provides(accept));
        assertEquals(List.of("accept-proxy"), property(accept, "junction.bind.option"));
        Element expect = component(ExpectProxyProvider.class);
        assertEquals("io.junction.api.ConnectionActionProvider", provides(expect));
        assertEquals(List.of("expect-proxy"), property(expect, "junction.connection.action"));
    }
}
