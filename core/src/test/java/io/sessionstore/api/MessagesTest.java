package io.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessagesTest {
  private static List<String> read(String text) {
    return Messages.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))).stream()
        .map(Message::json)
        .toList();
  }

  @Test
  void jsonLinesKeepEachLinesTextWithoutItsTerminator() {
    assertEquals(
        List.of("{\"a\":1e2}", "{ \"b\" : \"\\/\" }", "{\"c\":3}"),
        read("\ufeff{\"a\":1e2}\r\n\n{ \"b\" : \"\\/\" }\n   \n{\"c\":3}"));
  }

  @Test
  void aJsonArrayGivesItsElements() {
    assertEquals(
        List.of("{\"a\":1e2}", "{\"b\":[1,2]}"),
        read("  [\n {\n  \"a\": 1e2\n },\n {\"b\":[1,2]}\n]\n"));
    assertEquals(List.of(), read("[]"));
  }

  @Test
  void theFirstBadLineOrElementIsNamed() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> read("{}\n{}\n{\"x\": tru}\n"));
    assertTrue(e.getMessage().startsWith("Invalid line 3:"), e.getMessage());
    e = assertThrows(InvalidInputException.class, () -> read("{}\n[1]\n"));
    assertTrue(
        e.getMessage().startsWith("Invalid line 2: a message must be a JSON object"),
        e.getMessage());
    e = assertThrows(InvalidInputException.class, () -> read("[{}, 3]"));
    assertTrue(e.getMessage().contains("element 2"), e.getMessage());
    assertThrows(InvalidInputException.class, () -> read("[{}] {}"));
    assertThrows(
        InvalidInputException.class,
        () ->
            Messages.read(
                new ByteArrayInputStream(
                    new byte[] {'{', '"', (byte) 0xc3, '"', ':', '1', '}', '\n'})));
  }
}
