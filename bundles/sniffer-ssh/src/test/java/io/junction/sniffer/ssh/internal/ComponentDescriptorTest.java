package io.junction.sniffer.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The DS descriptors bnd generated from the annotations (in target/classes before the tests run)
 * announce what the core looks for: the fetch keywords, the protocols, the match method.
 */
class ComponentDescriptorTest {

    private record Descriptor(String name, String provides, Map<String, List<String>> properties) {
    }

    private static Descriptor parse(String name) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document xml = factory.newDocumentBuilder().parse(Path.of("target/classes/OSGI-INF/" + name + ".xml").toFile());
        Element component = xml.getDocumentElement();
        Map<String, List<String>> properties = new HashMap<>();
        NodeList list = component.getElementsByTagNameNS("*", "property");
        for (int i = 0; i < list.getLength(); i++) {
            Element p = (Element) list.item(i);
            List<String> values = p.hasAttribute("value") ? List.of(p.getAttribute("value"))
                    : Arrays.stream(p.getTextContent().split("\n")).map(String::trim).filter(s -> !s.isEmpty())
                            .collect(Collectors.toList());
            properties.put(p.getAttribute("name"), values);
        }
        NodeList provides = component.getElementsByTagNameNS("*", "provide");
        assertEquals(1, provides.getLength(), name + " registers one service");
        return new Descriptor(component.getAttribute("name"), ((Element) provides.item(0)).getAttribute("interface"),
                properties);
    }

    @Test
    void threeComponentsAndNothingElse() throws Exception {
        try (var files = Files.list(Path.of("target/classes/OSGI-INF"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".xml")).sorted()
                    .collect(Collectors.toList());
            assertEquals(List.of(BinMatcherFactory.NAME + ".xml", PayloadSniffer.NAME + ".xml", SshSniffer.NAME + ".xml"),
                    names);
        }
    }

    @Test
    void sshSnifferServesTheIdentificationFetches() throws Exception {
        Descriptor d = parse(SshSniffer.NAME);
        assertEquals(SshSniffer.NAME, d.name());
        assertEquals("io.junction.api.Sniffer", d.provides());
        List<String> keywords = new ArrayList<>();
        for (SshFetch f : SshFetch.values()) {
            keywords.add(f.keyword());
        }
        assertEquals(keywords, d.properties().get("junction.fetch"), "junction.fetch lists exactly what compile() accepts");
        assertEquals(List.of("req.ssh_proto", "req.ssh_software", "req.ssh_comments"), keywords);
        assertEquals(List.of("ssh"), d.properties().get("junction.protocol"));
    }

    @Test
    void payloadSnifferServesPayloadAndLen() throws Exception {
        Descriptor d = parse(PayloadSniffer.NAME);
        assertEquals("io.junction.api.Sniffer", d.provides());
        assertEquals(PayloadSniffer.KEYWORDS, d.properties().get("junction.fetch"));
        assertEquals(List.of("payload"), d.properties().get("junction.protocol"));
        PayloadSniffer sniffer = new PayloadSniffer();
        for (String keyword : PayloadSniffer.KEYWORDS) {
            List<String> args = keyword.endsWith("payload") ? List.of("0", "1") : List.of();
            sniffer.compile(keyword, args, null); // throws if a listed keyword is not served
        }
    }

    @Test
    void binMatcherServesBin() throws Exception {
        Descriptor d = parse(BinMatcherFactory.NAME);
        assertEquals("io.junction.api.MatcherFactory", d.provides());
        assertEquals(List.of("bin"), d.properties().get("junction.match"));
        assertEquals(1, d.properties().size());
    }
}
