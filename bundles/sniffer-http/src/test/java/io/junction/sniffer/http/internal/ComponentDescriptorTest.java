package io.junction.sniffer.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The DS descriptor bnd generated from the annotations (in target/classes before the tests run)
 * announces what the core looks for: the fetch keywords, the protocol, the configuration PID.
 */
class ComponentDescriptorTest {

    private static Document parse(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(file.toFile());
    }

    @Test
    void componentRegistersTheSnifferWithItsFetchesAndProtocol() throws Exception {
        Document xml = parse(Path.of("target/classes/OSGI-INF/" + HttpSniffer.PID + ".xml"));
        Element component = xml.getDocumentElement();
        assertEquals(HttpSniffer.PID, component.getAttribute("name"));
        assertEquals(HttpSniffer.PID, component.getAttribute("configuration-pid"));
        assertEquals("optional", component.getAttribute("configuration-policy"));

        List<String> fetches = null;
        String protocol = null;
        NodeList properties = component.getElementsByTagNameNS("*", "property");
        for (int i = 0; i < properties.getLength(); i++) {
            Element property = (Element) properties.item(i);
            if (property.getAttribute("name").equals("junction.fetch")) {
                fetches = Arrays.stream(property.getTextContent().split("\n"))
                        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toList());
            } else if (property.getAttribute("name").equals("junction.protocol")) {
                protocol = property.getAttribute("value");
            }
        }
        assertEquals(HttpFetches.KEYWORDS, fetches, "junction.fetch lists exactly the keywords compile() accepts");
        assertEquals("http", protocol);

        NodeList provides = component.getElementsByTagNameNS("*", "provide");
        assertEquals(1, provides.getLength());
        assertEquals("io.junction.api.Sniffer", ((Element) provides.item(0)).getAttribute("interface"));
    }

    @Test
    void metatypeDescribesMaxHeadBytes() throws Exception {
        Path dir = Path.of("target/classes/OSGI-INF/metatype");
        List<Path> files;
        try (var list = Files.list(dir)) {
            files = list.collect(Collectors.toList());
        }
        assertEquals(1, files.size(), files.toString());
        Document xml = parse(files.get(0));
        NodeList designates = xml.getElementsByTagNameNS("*", "Designate");
        assertEquals(HttpSniffer.PID, ((Element) designates.item(0)).getAttribute("pid"));
        NodeList attributes = xml.getElementsByTagNameNS("*", "AD");
        assertEquals(1, attributes.getLength());
        Element ad = (Element) attributes.item(0);
        assertEquals("max.head.bytes", ad.getAttribute("id"));
        assertEquals("16384", ad.getAttribute("default"));
        assertTrue(ad.getAttribute("type").equalsIgnoreCase("Integer"));
    }
}
