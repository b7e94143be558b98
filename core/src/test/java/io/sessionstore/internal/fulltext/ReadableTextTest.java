package io.sessionstore.internal.fulltext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadableTextTest {
  private final ReadableText readable = new ReadableText(true, 40);

  /** The tool calls of one transcript, in memory. */
  private static final class Calls implements ReadableText.ToolNames {
    private final Map<String, String> names = new HashMap<>();

    @Override
    public void called(String callId, String tool) {
      names.put(callId, tool);
    }

    @Override
    public String of(String callId) {
      return names.get(callId);
    }
  }

  private List<ReadableText.Part> parts(String json) {
    return readable.read(json, new Calls()).parts();
  }

  @Test
  void promptsRepliesThinkingToolCallsAndResultsAreTheirOwnParts() {
    Calls tools = new Calls();
    ReadableText.Line call =
        readable.read(
            "{\"type\":\"assistant\",\"timestamp\":\"2026-02-01T10:00:00Z\",\"message\":{\"role\":"
                + "\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Looking.\"},"
                + "{\"type\":\"thinking\",\"thinking\":\"maybe grep\",\"signature\":\"abc\"},"
                + "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Grep\",\"input\":{\"pattern\":"
                + "\"TODO\",\"path\":\"src\",\"-n\":true}}]}}",
            tools);
    assertEquals("2026-02-01T10:00:00Z", call.timestamp());
    assertEquals(
        List.of(
            new ReadableText.Part("assistant", "text", null, null, "Looking."),
            new ReadableText.Part("assistant", "thinking", null, null, "maybe grep"),
            new ReadableText.Part("assistant", "tool_use", "Grep", "t1", "TODO\nsrc\ntrue")),
        call.parts());
    ReadableText.Line result =
        readable.read(
            "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"tool_result\",\"tool_use_id\":\"t1\",\"content\":[{\"type\":\"text\",\"text\":"
                + "\"a.java:3: TODO\"},{\"type\":\"image\",\"source\":{\"data\":\"AAAA\"}}]}]}}",
            tools);
    assertEquals(
        List.of(new ReadableText.Part("tool", "tool_result", "Grep", null, "a.java:3: TODO")),
        result.parts());
    assertNull(result.timestamp());
    assertEquals(
        List.of(new ReadableText.Part("user", "prompt", null, null, "fix the flaky test")),
        parts(
            "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"fix the flaky test\"}}"));
  }

  @Test
  void toolResultsAreCutAndBase64RunsAndUnreadableLinesGiveNothing() {
    String longResult = "word ".repeat(20);
    assertEquals(
        longResult.substring(0, 40).strip(),
        parts(
                "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\","
                    + "\"content\":\""
                    + longResult
                    + "\"}]}}")
            .get(0)
            .text());
    String base64 = "QUJD".repeat(100);
    assertEquals(
        "see   here",
        ReadableText.withoutBase64("see " + base64 + " here"),
        "a long run of base64 is left out");
    assertEquals("short QUJD stays", ReadableText.withoutBase64("short QUJD stays"));
    assertEquals(List.of(), parts("{\"type\":\"file-history-snapshot\",\"snapshot\":{}}"));
    assertEquals(List.of(), parts("not json"));
    assertEquals(
        List.of(new ReadableText.Part("assistant", "other", null, null, "new kind of block")),
        parts(
            "{\"type\":\"assistant\",\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":"
                + "\"future_block\",\"text\":\"new kind of block\"}]}}"),
        "an unknown block with text is read as text");
    assertEquals(
        List.of(),
        new ReadableText(false, 40)
            .read(
                "{\"type\":\"assistant\",\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":"
                    + "\"thinking\",\"thinking\":\"private musings\"}]}}",
                new Calls())
            .parts(),
        "thinking can be left out");
  }
}
