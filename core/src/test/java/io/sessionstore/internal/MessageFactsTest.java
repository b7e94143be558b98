package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.spi.Json;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageFactsTest {
  @Test
  void prettyPrintedTextBecomesOneLineWithEverySpellingKept() {
    String pretty =
        "{\n  \"a\" : 1e2,\n  \"s\" : \"two  spaces \\\" and \\\\\",\n  \"u\" : \"\\u001b\"\n}";
    assertEquals(
        "{\"a\":1e2,\"s\":\"two  spaces \\\" and \\\\\",\"u\":\"\\u001b\"}", Json.oneLine(pretty));
    String oneLine = "{ \"kept\" :  \"as is\" }";
    assertEquals(oneLine, Json.oneLine(oneLine));
  }

  @Test
  void costComesFromTotalCostElseCostAndFromTranscriptAssistantLines() {
    assertEquals(
        new BigDecimal("0.25"),
        MessageFacts.of("{\"type\":\"result\",\"total_cost_usd\":0.25,\"cost_usd\":9}", "m")
            .cost());
    assertEquals(
        new BigDecimal("9"), MessageFacts.of("{\"type\":\"result\",\"cost_usd\":9}", "m").cost());
    assertNull(MessageFacts.of("{\"type\":\"result\",\"total_cost_usd\":\"<COST>\"}", "m").cost());
    assertEquals(
        new BigDecimal("0.5"),
        MessageFacts.of("{\"type\":\"assistant\",\"costUSD\":0.5}", "m").cost());
    assertNull(MessageFacts.of("{\"type\":\"user\",\"costUSD\":0.5}", "m").cost());
  }

  @Test
  void derivationCountsTurnsFromResultsElseDistinctAssistantIds() {
    List<MessageFacts> transcript =
        List.of(
            MessageFacts.of("{\"type\":\"assistant\",\"message\":{\"id\":\"A\"}}", "m"),
            MessageFacts.of("{\"type\":\"assistant\",\"message\":{\"id\":\"A\"}}", "m"),
            MessageFacts.of("{\"type\":\"assistant\",\"message\":{\"id\":\"B\"}}", "m"),
            MessageFacts.of("{\"type\":\"assistant\",\"message\":{}}", "m"));
    Derivation d = Derivation.EMPTY.plus(transcript);
    assertEquals(3, d.turns());
    Derivation withResult =
        d.plus(List.of(MessageFacts.of("{\"type\":\"result\",\"num_turns\":7}", "m")));
    assertEquals(7, withResult.turns());
    assertEquals(withResult, Derivation.decode(withResult.encode()));
    Derivation split =
        Derivation.EMPTY.plus(transcript.subList(0, 1)).plus(transcript.subList(1, 2));
    assertEquals(1, split.turns(), "a line of the same API message appended later adds no turn");
  }

  @Test
  void invalidMessagesAreNamedByPosition() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> MessageFacts.of(List.of(Message.of("{}"), Message.of("{\"a\":"))));
    assertTrue(e.getMessage().startsWith("Invalid message 2: not valid JSON"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), "one line");
    e = assertThrows(InvalidInputException.class, () -> MessageFacts.of(List.of(Message.of("[]"))));
    assertTrue(e.getMessage().contains("must be a JSON object"), e.getMessage());
  }

  /** What reading only the needed fields finds, against reading the whole line as a tree. */
  private static void sameAsWholeTree(String text) {
    String what = "message 1";
    InvalidInputException whole = null;
    MessageFacts expected = null;
    try {
      expected = MessageFacts.fromTree(text, Json.parseObject(text, what));
    } catch (InvalidInputException e) {
      whole = e;
    }
    if (whole != null) {
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> MessageFacts.of(text, what), text);
      assertEquals(whole.getMessage(), e.getMessage());
    } else {
      assertEquals(expected, MessageFacts.of(text, what), text);
    }
  }

  @Test
  void readingOnlyTheNeededFieldsFindsAndRefusesWhatReadingTheWholeLineDoes()
      throws java.io.IOException {
    // The real Claude Code and stream-json lines the conformance kit bundles (core cannot depend
    // on the kit, so they are read from its sources).
    java.nio.file.Path fixtures =
        java.nio.file.Path.of("..", "tck", "src", "main", "resources", "io", "sessionstore", "tck")
            .resolve("fixtures");
    List<java.nio.file.Path> files;
    try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(fixtures)) {
      files = walk.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
    }
    assertTrue(files.size() > 20, "the kit's fixtures at " + fixtures.toAbsolutePath());
    long lines = 0;
    for (java.nio.file.Path file : files) {
      for (String line : java.nio.file.Files.readAllLines(file)) {
        if (!line.isBlank()) {
          sameAsWholeTree(line);
          lines++;
        }
      }
    }
    assertTrue(lines > 200, lines + " lines");
    String assistant =
        "{\"type\":\"assistant\",\"requestId\":\"r\",\"message\":{\"id\":\"m\","
            + "\"model\":\"claude-haiku-4-5\",\"content\":[%s],\"usage\":{\"input_tokens\":3}}}";
    List<String> odd =
        List.of(
            String.format(assistant, "{\"type\":\"text\",\"text\":\"fine\"}"),
            String.format(assistant, "1e99999999999999999999"),
            String.format(assistant, "123456789012345678901234567890"),
            String.format(assistant, "\"bad \\x escape\""),
            String.format(assistant, "\"raw \u0001 control\""),
            String.format(assistant, "[[[[]]]]"),
            String.format(assistant, "{\"a\":"),
            "{\"type\":\"assistant\",\"message\":{\"id\":\"m\"},\"message\":\"later\"}",
            "{\"type\":\"assistant\",\"type\":\"user\",\"costUSD\":0.50}",
            "{\"type\":\"result\",\"num_turns\":99999999999999999999,\"total_cost_usd\":1.0}",
            "{\"type\":\"result\",\"modelUsage\":{\"m\":{\"inputTokens\":1.5}}}",
            "{\"isSidechain\":\"true\",\"type\":\"assistant\",\"requestId\":\"r\","
                + "\"message\":{\"id\":\"m\",\"model\":\"x\",\"usage\":{}}}",
            "{\"a\":1} {\"b\":2}",
            "{\"a\":1}x",
            "[1,2]",
            "\"text\"",
            "",
            "{\"a\":"
                + "[".repeat(Json.MAX_MESSAGE_DEPTH + 5)
                + "]".repeat(Json.MAX_MESSAGE_DEPTH + 5)
                + "}",
            "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}",
            "{\"a\":1e5,\"timestamp\":\"2026-01-01T00:00:00Z\",\"uuid\":\"\"}");
    for (String text : odd) {
      sameAsWholeTree(text);
    }
  }
}
