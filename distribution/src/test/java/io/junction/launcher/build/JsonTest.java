package io.junction.launcher.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesTheShapesFeatureFilesUse() {
        Object v = Json.parse(" {\"a\": [1, -2.5e1, true, false, null, \"x\\\"\\u00e9\\n\"], \"b\": {}, \"c\": []} ");

        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("a", "b", "c"), List.copyOf(m.keySet()), "member order kept");
        assertEquals(Arrays.asList(1L, -25.0, true, false, null, "x\"é\n"), m.get("a"));
        assertEquals(Map.of(), m.get("b"));
        assertEquals(List.of(), m.get("c"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"a\" 1}", "{\"a\":1,}", "[1 2]", "{\"a\":1}x", "\"open", "tru",
        "{\"a\":1,\"a\":2}", "{\"s\":\"\\q\"}", "{a:1}", "[\"\u0001\"]"})
    void rejectsMalformedInput(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().startsWith("JSON line "), e.getMessage());
    }

    @Test
    void errorsNameTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Json.parse("{\n  \"a\": 1,\n  \"b\" 2\n}"));
        assertTrue(e.getMessage().startsWith("JSON line 3 "), e.getMessage());
    }
}
