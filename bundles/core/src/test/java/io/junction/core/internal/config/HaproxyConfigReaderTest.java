package io.junction.core.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HaproxyConfigReaderTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "bind :443                         | bind,:443",
        "  use-server a if b   # comment   | use-server,a,if,b",
        "acl x hdr(host) -i \"a b\"         | acl,x,hdr(host),-i,a b",
        "acl x str 'a \\\\ \"b'            | acl,x,str,a \\\\ \"b",
        "acl x str a\\ b                    | acl,x,str,a b",
        "acl x str a\"b c\"d               | acl,x,str,ab cd",
        "acl x str \\#notacomment          | acl,x,str,#notacomment",
        "\t\tserver\ts1\t127.0.0.1:80      | server,s1,127.0.0.1:80",
    })
    void tokenizes(String line, String expected) {
        assertEquals(List.of(expected.split(",")), HaproxyConfigReader.tokenize(line));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"acl x str \"open | unterminated double quote", "acl x str 'open | unterminated single quote",
        "bind :80 \\ | backslash at end of line"})
    void rejectsBadQuoting(String line, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HaproxyConfigReader.tokenize(line));
        assertTrue(e.getMessage().contains(message.strip()), e.getMessage());
    }

    @Test
    void readsSectionsWithLines(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.cfg");
        Files.writeString(f, "# top comment\nglobal\n    maxconn 10\n\nlisten https-server\n  bind :443\n  mode tcp\n"
                + "backend b\n  server s 127.0.0.1:1\n");
        HaproxyConfigReader.Result r = HaproxyConfigReader.read(List.of(f));
        assertEquals(List.of(), r.problems());
        assertEquals(3, r.sections().size());
        ConfigSection listen = r.sections().get(1);
        assertEquals("listen", listen.kind());
        assertEquals("https-server", listen.name());
        assertEquals(2, listen.lines().size());
        assertEquals(6, listen.lines().get(0).number());
        assertEquals(f + ":6", listen.lines().get(0).location());
    }

    @Test
    void reportsEveryProblemWithFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.cfg");
        Files.writeString(f, "bind :80\nlisten\nlisten x extra words here\n  acl a str \"x\nfrontend f\n");
        HaproxyConfigReader.Result r = HaproxyConfigReader.read(List.of(f, dir.resolve("missing.cfg")));
        List<String> got = r.problems().stream().map(ConfigProblem::toString).toList();
        assertEquals(5, got.size(), got.toString());
        assertTrue(got.get(0).startsWith(f + ":1: 'bind' outside of any section"), got.get(0));
        assertTrue(got.get(1).startsWith(f + ":2: 'listen' needs a name"), got.get(1));
        assertTrue(got.get(2).startsWith(f + ":3: unexpected words"), got.get(2));
        assertTrue(got.get(3).startsWith(f + ":4: unterminated double quote"), got.get(3));
        assertTrue(got.get(4).contains("missing.cfg") && got.get(4).contains("cannot read"), got.get(4));
    }

    @Test
    void severalFilesKeepTheirOwnLineNumbers(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.cfg");
        Path b = dir.resolve("b.cfg");
        Files.writeString(a, "global\n  maxconn 5\n");
        Files.writeString(b, "\n\nbackend x\n  server s 127.0.0.1:1\n");
        HaproxyConfigReader.Result r = HaproxyConfigReader.read(List.of(a, b));
        assertEquals(b + ":4", r.sections().get(1).lines().get(0).location());
    }
}
