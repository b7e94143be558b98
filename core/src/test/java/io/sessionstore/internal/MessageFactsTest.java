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

  @Test
  void whatFollowsTheObjectAndEmptyTextAreNamedAsSuch() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> MessageFacts.of(List.of(Message.of("{\"a\":1} {\"b\":2}"))));
    assertEquals(
        "Invalid message 1: not valid JSON (Trailing token (of type START_OBJECT) found after the"
            + " value at column 9)",
        e.getMessage());
    e =
        assertThrows(
            InvalidInputException.class, () -> MessageFacts.of(List.of(Message.of("{} x"))));
    assertTrue(
        e.getMessage().startsWith("Invalid message 1: not valid JSON (Unrecognized"),
        e.getMessage());
    e = assertThrows(InvalidInputException.class, () -> MessageFacts.of(List.of(Message.of(" "))));
    assertEquals("Invalid message 1: it is empty", e.getMessage());
  }

  @Test
  void aTextOnSeveralLinesIsStoredOnOneAndItsErrorsNameTheLine() {
    String pretty = "{\r\n  \"type\": \"user\",\r\n  \"uuid\": \"a b\"\r\n}\n";
    assertEquals("{\"type\":\"user\",\"uuid\":\"a b\"}", MessageFacts.of(pretty, "message").text());
    assertEquals(
        "{\"type\":\"user\",\"uuid\":\"a b\"}",
        MessageFacts.ofUtf8(
                pretty.getBytes(java.nio.charset.StandardCharsets.UTF_8), "message", t -> {})
            .text());
    assertEquals("{\"a\":1,\r\"b\":2}", MessageFacts.of("{\"a\":1,\r\"b\":2}", "message").text());
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> MessageFacts.of("{\n  \"a\": 1,\n  \"b\": x\n}", "message"));
    assertTrue(e.getMessage().contains("at line 3, column 8"), e.getMessage());
  }
}
