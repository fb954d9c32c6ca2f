package dev.goloom.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonWriterTest {

    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertThat(JsonWriter.quote("say \"hi\" \\ bye")).isEqualTo("\"say \\\"hi\\\" \\\\ bye\"");
        assertThat(JsonWriter.quote("a\nb\rc\td\be\ff")).isEqualTo("\"a\\nb\\rc\\td\\be\\ff\"");
        assertThat(JsonWriter.quote("\u0000\u0001\u001f\u007f")).isEqualTo("\"\\u0000\\u0001\\u001f\\u007f\"");
    }

    @Test
    void escapesLineSeparatorsAndUnpairedSurrogatesButKeepsOtherUnicode() {
        assertThat(JsonWriter.quote("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
        assertThat(JsonWriter.quote("é µs 😀")).isEqualTo("\"é µs 😀\""); // a whole surrogate pair stays
        assertThat(JsonWriter.quote("x\uD800y\uDC00")).isEqualTo("\"x\\ud800y\\udc00\"");
    }

    @Test
    void writesNestedObjectsAndArraysIndented() {
        JsonWriter j = new JsonWriter().beginObject()
                .member("name", "ping\"pong")
                .member("n", 100_000L)
                .member("ok", true)
                .member("median", 1.5)
                .member("missing", Double.NaN)
                .member("problem", (String) null)
                .member("rounds", new double[] {1.0, 2.5, Double.POSITIVE_INFINITY});
        j.name("empty").beginObject().endObject();
        j.name("none").beginArray().endArray();
        j.name("sides").beginArray();
        j.beginObject().member("id", "go").endObject();
        j.beginObject().member("id", "jox").endObject();
        j.endArray();
        String json = j.endObject().toString();
        assertThat(json).isEqualTo("""
                {
                  "name": "ping\\"pong",
                  "n": 100000,
                  "ok": true,
                  "median": 1.5,
                  "missing": null,
                  "problem": null,
                  "rounds": [1.0, 2.5, null],
                  "empty": {},
                  "none": [],
                  "sides": [
                    {
                      "id": "go"
                    },
                    {
                      "id": "jox"
                    }
                  ]
                }
                """);
    }

    @Test
    void rejectsMisuse() {
        assertThatThrownBy(() -> new JsonWriter().beginObject().value("no name"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a name");
        assertThatThrownBy(() -> new JsonWriter().beginArray().name("x"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("outside an object");
        assertThatThrownBy(() -> new JsonWriter().beginObject().name("a").name("b"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("without a value");
        assertThatThrownBy(() -> new JsonWriter().beginObject().endArray())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not close");
        assertThatThrownBy(() -> new JsonWriter().beginObject().name("a").endObject())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("without a value");
        assertThatThrownBy(() -> new JsonWriter().beginObject().toString())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not complete");
        assertThatThrownBy(() -> new JsonWriter().beginObject().endObject().beginObject())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("second top-level");
    }
}
