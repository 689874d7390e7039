package io.junction.matcher.net.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The DS descriptors bnd generated from the annotations (in target/classes before the tests run)
 * announce what the core looks for: the service interface and the keyword property.
 */
class ComponentDescriptorTest {

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
    void ipMatcherFactory() throws Exception {
        Element c = component(IpMatcherFactory.class);
        assertEquals("io.junction.api.MatcherFactory", provides(c));
        assertEquals(List.of("ip"), property(c, "junction.match"));
    }

    @Test
    void srcIsLocalFetch() throws Exception {
        Element c = component(LocalAddressFetch.class);
        assertEquals("io.junction.api.FetchProvider", provides(c));
        assertEquals(List.of("src_is_local"), property(c, "junction.fetch"));
        assertEquals("activate", c.getAttribute("activate"));
        assertEquals("deactivate", c.getAttribute("deactivate"));
    }
}
