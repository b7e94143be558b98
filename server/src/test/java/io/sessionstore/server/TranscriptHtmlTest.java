package io.sessionstore.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.SessionKey;
import io.sessionstore.claude.view.ViewEntry;
import io.sessionstore.claude.view.ViewEntry.Source;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chunks of a transcript: where they start and end, sub-agents cut by a chunk, turns' usage with
 * the turn they close, the hostile text escaped.
 */
class TranscriptHtmlTest {
  static final SessionKey KEY = SessionKey.of("p", "s");

  /**
   * Two turns: message 0 a prompt, 1 an answer and a Task call whose sub-agent (4 entries) runs
   * before message 2, its result; message 3 the next prompt, 4 an answer; then the usage.
   */
  static List<ViewEntry> entries() {
    List<ViewEntry> e = new ArrayList<>();
    ViewEntry.Tokens t = new ViewEntry.Tokens(1, 2, 3, 4, new BigDecimal("0.5"), false);
    e.add(new ViewEntry.Prompt(main(0), 1, "first <b>prompt</b>"));
    e.add(new ViewEntry.Answer(main(1), "m", "an answer"));
    e.add(new ViewEntry.ToolCall(main(1), "t1", "Task", "look around", "{\"a\":1}"));
    e.add(new ViewEntry.SubagentStart(main(1), "subagents/agent-x", true));
    for (int i = 0; i < 4; i++) {
      e.add(new ViewEntry.Answer(new Source("subagents/agent-x", i, 1, null), "m", "agent " + i));
    }
    e.add(new ViewEntry.SubagentEnd(main(1), "subagents/agent-x"));
    e.add(new ViewEntry.ToolResult(main(2), "t1", "Task", List.of("ok"), 3, 40, false));
    e.add(new ViewEntry.TurnUsage(main(3), 1, t));
    e.add(new ViewEntry.Prompt(main(3), 2, "second"));
    e.add(new ViewEntry.Notice(main(3), ViewEntry.Kind.BOOKKEEPING, "progress", false));
    e.add(new ViewEntry.Answer(main(4), "m", "last answer"));
    e.add(new ViewEntry.TurnUsage(main(4), 2, t));
    e.add(new ViewEntry.TotalUsage(main(4), t.plus(t)));
    return e;
  }

  static int count(String s, String part) {
    return s.split(java.util.regex.Pattern.quote(part), -1).length - 1;
  }

  static Source main(long i) {
    return new Source(null, i, 0, null);
  }

  static TranscriptHtml.Chunk chunk(int messages, int maxEntries, TranscriptHtml.Position at) {
    return new TranscriptHtml(KEY, messages, maxEntries).chunk(entries().stream(), at);
  }

  @Test
  void aChunkIsItsMessagesWithTheirSubAgentsAndATurnsUsageGoesWithIt() {
    TranscriptHtml.Chunk first = chunk(3, 100, TranscriptHtml.Position.START);
    assertEquals(new TranscriptHtml.Position(3, 0), first.next());
    assertTrue(first.html().contains("agent 3"), "the sub-agent called at message 1");
    assertTrue(first.html().contains("Turn 1: 10 tokens"), "the usage of the turn that ended");
    assertFalse(first.html().contains("second"));
    assertTrue(first.html().contains("first &lt;b&gt;prompt&lt;/b&gt;"));
    assertTrue(first.html().contains("… 3 more lines, 40 characters not shown"));
    TranscriptHtml.Chunk second = chunk(3, 100, first.next());
    assertNull(second.next(), "the end");
    assertTrue(second.html().startsWith("<article class=\"msg user\" id=\"m3\">"));
    assertFalse(second.html().contains("progress"), "bookkeeping left out");
    assertTrue(second.html().contains("Turn 2: 10 tokens"));
    assertTrue(second.html().contains("Total: 20 tokens"));
    assertEquals(entries().size() - 1, first.entries() + second.entries());
  }

  @Test
  void aLongSubAgentEndsAChunkAndTheNextGoesOnInsideIt() {
    List<String> chunks = new ArrayList<>();
    TranscriptHtml.Position at = TranscriptHtml.Position.START;
    int shown = 0;
    while (at != null) {
      TranscriptHtml.Chunk c = chunk(200, 4, at);
      chunks.add(c.html());
      shown += c.entries();
      at = c.next();
    }
    assertEquals(entries().size() - 1, shown, "every entry once");
    assertEquals(4, chunks.size());
    for (String c : chunks) {
      assertEquals(count(c, "<details"), count(c, "</details>"), "balanced: " + c);
    }
    assertTrue(
        chunks.get(1).startsWith("<details class=\"agent\" open><summary>Sub-agent (continued)"));
    assertTrue(
        String.join("", chunks).contains("agent 0") && String.join("", chunks).contains("agent 3"));
  }
}
