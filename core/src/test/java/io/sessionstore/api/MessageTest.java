package io.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MessageTest {
  @Test
  void theTextIsKeptExactlyAndFieldsAreDerivedFromIt() {
    String json = "{\"type\":\"assistant\",\"uuid\":\"u-1\",\"n\":1e2}";
    Message m = Message.of(json);
    assertEquals(json, m.json());
    assertEquals("assistant", m.type());
    assertEquals(Optional.of("u-1"), m.uuid());
    assertEquals(Message.of(json), m);
    assertNotEquals(Message.of("{\"type\":\"assistant\",\"uuid\":\"u-1\",\"n\":100}"), m);
  }

  @Test
  void theTreeIsAFreshCopy() {
    Message m = Message.of("{\"type\":\"user\"}");
    m.tree().put("type", "changed");
    assertEquals("user", m.type());
    assertEquals("{\"type\":\"user\"}", m.json());
  }

  @Test
  void parseValidatesAtOnceAndOfWhenStored() {
    assertThrows(InvalidInputException.class, () -> Message.parse("{\"a\":"));
    assertThrows(InvalidInputException.class, () -> Message.parse("[1]"));
    Message lazy = Message.of("not json");
    assertThrows(InvalidInputException.class, lazy::type);
    Message noType = Message.parse("{\"uuid\":\"\"}");
    assertNull(noType.type());
    assertTrue(noType.uuid().isEmpty(), "an empty uuid is no uuid");
  }

  @Test
  void parseRejectsWhatTheStoreRejectsBeforeTheCallerReadsAnything() {
    List<String> read = new ArrayList<>();
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> Message.parse("{\"text\":\"\ud800\"}", tree -> read.add(tree.toString())));
    assertTrue(e.getMessage().contains("unpaired surrogate (U+D800"), e.getMessage());
    assertThrows(
        InvalidInputException.class, () -> Message.parse("[1]", tree -> read.add("array")));
    assertEquals(List.of(), read);
  }

  @Test
  void parseGivesTheCallerTheTreeAndTheMessageKeepsItsExactText() {
    String pretty = "{\n  \"type\": \"user\",\n  \"cwd\": \"/w\"\n}";
    Message.Parsed<String> p = Message.parse(pretty, tree -> tree.path("cwd").asText());
    assertEquals("/w", p.read());
    assertEquals(pretty, p.message().json());
    assertEquals("user", p.message().type());
    assertEquals(Message.of(pretty), p.message());
  }

  @Test
  void parseOfUtf8BytesIsParseOfTheirText() {
    String json = "{\"type\":\"user\",\"uuid\":\"u\",\"text\":\"é😀\"}";
    Message.Parsed<String> p =
        Message.parse(
            json.getBytes(StandardCharsets.UTF_8),
            tree -> tree.put("type", "changed by the reader").path("text").asText());
    assertEquals("é😀", p.read());
    assertEquals(Message.parse(json), p.message());
    assertEquals("user", p.message().type(), "the store's facts are read before the caller's");
    List<String> read = new ArrayList<>();
    List<byte[]> refused =
        List.of(
            new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'},
            // U+D800 encoded as if it were a character: UTF-8 has no form for it
            new byte[] {
              '{', '"', 'a', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'
            },
            "[1]".getBytes(StandardCharsets.UTF_8),
            // what Jackson would read as a byte-order mark, or as UTF-16: "{}" in UTF-16LE
            "\uFEFF{}".getBytes(StandardCharsets.UTF_8),
            new byte[] {'{', 0, '}', 0},
            " ".getBytes(StandardCharsets.UTF_8));
    List<String> errors = new ArrayList<>();
    for (byte[] bad : refused) {
      errors.add(
          assertThrows(
                  InvalidInputException.class, () -> Message.parse(bad, tree -> read.add("read")))
              .getMessage());
    }
    assertEquals(
        List.of(
            "Invalid message: it is not valid UTF-8",
            "Invalid message: it is not valid UTF-8",
            "Invalid message: a message must be a JSON object, this is an array",
            "Invalid message: not valid JSON (Unexpected character ('\uFEFF' (code 65279 / 0xfeff)):"
                + " expected a valid value (JSON String, Number, Array, Object or token 'null', 'true'"
                + " or 'false') at column 1)",
            "Invalid message: not valid JSON (Illegal character ((CTRL-CHAR, code 0)): only regular"
                + " white space (\\r, \\n, \\t) is allowed between tokens at column 3)",
            "Invalid message: it is empty"),
        errors);
    assertEquals(List.of(), read);
    String accented = "{\"cwd\":\"/home/josé\",\"a\":1é}";
    assertEquals(
        assertThrows(InvalidInputException.class, () -> Message.parse(accented)).getMessage(),
        assertThrows(
                InvalidInputException.class,
                () -> Message.parse(accented.getBytes(StandardCharsets.UTF_8), tree -> "read"))
            .getMessage(),
        "an error is told in characters, not bytes");
  }

  @Test
  void keysValidateEveryName() {
    SessionKey k = SessionKey.of("p", "s", "subagents/agent-1");
    assertTrue(k.isSubpath());
    assertEquals(SessionKey.of("p", "s"), k.main());
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> SessionKey.of("p", "a\nb"));
    assertTrue(
        e.getMessage().contains("\\u000a") && !e.getMessage().contains("\n"), e.getMessage());
    assertThrows(InvalidInputException.class, () -> SessionKey.of("p", "\u00a0nbsp"));
    assertThrows(InvalidInputException.class, () -> SessionKey.of("p", "bad\ud800"));
  }
}
