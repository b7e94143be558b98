package io.sessionstore.claude.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.Message;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.claude.ClaudeCode;
import io.sessionstore.claude.view.ViewEntry.Kind;
import io.sessionstore.claude.view.ViewEntry.Notice;
import io.sessionstore.spi.JsonStreams;
import io.sessionstore.tck.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The view of the real Claude Code data of the fixtures: every message of every transcript, with
 * its sub-agents, and every stream-json message, in every format; golden files of the text and
 * Markdown views of three sessions.
 *
 * <p>The golden files are {@code src/test/resources/golden/*}. After an intended change of the
 * output, write them anew with {@code mvn -o -pl claude -am verify -Dtest=TranscriptViewTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dgolden.update=true} and review the diff.
 */
class TranscriptViewTest {
  /** A transcript with thinking, Write/Read/Edit calls, a rejected edit and a sub-agent. */
  static final String TOOLS = "c2fc3a3f-66d5-4c87-9f78-1a31dd719471";

  /** A transcript with two sub-agents, stop hooks and a Read. */
  static final String SUBAGENTS = "d266fdf5-b6a3-46aa-8627-920959a0109a";

  /** Every single stream-json message of the fixtures, one after the other. */
  static final String STREAM = "stream-messages";

  static final Path GOLDEN = Path.of("src/test/resources/golden");

  @TempDir static Path tmp;
  static SessionStore store;

  /** Every transcript stored: the session keys (subpaths come with their session). */
  static final List<SessionKey> sessions = new ArrayList<>();

  @BeforeAll
  static void load() {
    store =
        SessionStore.builder()
            .config(
                SessionStoreConfig.of(
                    Map.of("sessionstore.file.dir", tmp.resolve("store").toString())))
            .build();
    Path projects = Fixtures.writeClaudeProjects(tmp.resolve("projects"));
    new ClaudeCode(store, List.of("claude"), tmp.resolve("claude-config"))
        .importTranscripts(projects, ProgressListener.NONE);
    for (String f : Fixtures.jsonLinesFiles()) {
      if (f.startsWith("claude-projects/")) {
        if (!f.contains("/subagents/")) {
          String folder = f.substring("claude-projects/".length(), f.lastIndexOf('/'));
          String id = f.substring(f.lastIndexOf('/') + 1, f.length() - ".jsonl".length());
          sessions.add(SessionKey.of(folder, id));
        }
      } else {
        String id = f.substring(f.lastIndexOf('/') + 1, f.length() - ".jsonl".length());
        SessionKey key = SessionKey.of("fixtures", id);
        store.saveSession(key, Fixtures.messages(f));
        sessions.add(key);
      }
    }
    // The single messages are pretty-printed: stored as one line each.
    List<Message> singles =
        Fixtures.singleMessages().stream()
            .map(f -> Message.of(JsonStreams.write(Lines.parse(Fixtures.text(f)))))
            .toList();
    SessionKey stream = SessionKey.of("fixtures", STREAM);
    // Imported with fixed times, so that its header is the same on every run.
    store.importSession(
        SessionMetadata.of(stream, Instant.parse("2026-02-01T00:00:00Z")),
        singles,
        Map.of(),
        ImportOptions.DEFAULTS);
    sessions.add(stream);
  }

  @AfterAll
  static void close() {
    store.close();
  }

  static SessionKey key(String id) {
    return sessions.stream().filter(k -> k.sessionId().equals(id)).findFirst().orElseThrow();
  }

  static List<ViewEntry> entries(SessionKey key) {
    try (Stream<ViewEntry> s = TranscriptView.of(store).entries(key)) {
      return s.toList();
    }
  }

  static String render(SessionKey key, String format, boolean full) {
    StringBuilder out = new StringBuilder();
    TranscriptRenderer r =
        switch (format) {
          case "text" -> TranscriptRenderer.text(out, ZoneOffset.UTC, false, full);
          case "color" -> TranscriptRenderer.text(out, ZoneOffset.UTC, true, full);
          case "markdown" -> TranscriptRenderer.markdown(out, ZoneOffset.UTC, full);
          default -> TranscriptRenderer.html(out, ZoneOffset.UTC, full);
        };
    r.begin(key.sessionId());
    try (Stream<ViewEntry> s = TranscriptView.of(store).entries(key)) {
      r.session(key, store.getMetadata(key.main()).orElse(null), s);
    }
    r.end();
    return out.toString();
  }

  /** One entry alone, as a renderer writes it. */
  static String renderOne(ViewEntry e, String format) {
    StringBuilder out = new StringBuilder();
    TranscriptRenderer r =
        switch (format) {
          case "text" -> TranscriptRenderer.text(out, ZoneOffset.UTC, false, true);
          case "markdown" -> TranscriptRenderer.markdown(out, ZoneOffset.UTC, true);
          default -> TranscriptRenderer.html(out, ZoneOffset.UTC, true);
        };
    r.entry(e);
    return out.toString();
  }

  @ParameterizedTest
  @CsvSource({
    TOOLS + ", text, txt",
    TOOLS + ", markdown, md",
    TOOLS + ", html, html",
    SUBAGENTS + ", text, txt",
    SUBAGENTS + ", markdown, md",
    STREAM + ", text, txt",
    STREAM + ", markdown, md"
  })
  void matchesGoldenFile(String id, String format, String extension) throws IOException {
    String actual = render(key(id), format, false);
    Path golden = GOLDEN.resolve(id + "." + extension);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    assertTrue(
        Files.exists(golden), golden + " is missing: run the test with -Dgolden.update=true");
    assertEquals(Files.readString(golden, StandardCharsets.UTF_8), actual, golden.toString());
  }

  @Test
  void everyMessageOfEveryFixtureShowsInEveryFormat() {
    int messages = 0;
    for (SessionKey key : sessions) {
      List<ViewEntry> entries = entries(key);
      // Every message of the transcript and of each sub-transcript gives an entry.
      Set<String> seen = new HashSet<>();
      entries.forEach(e -> seen.add(e.source().subpath() + "#" + e.source().messageIndex()));
      List<String> transcripts = new ArrayList<>();
      transcripts.add(null);
      transcripts.addAll(store.listSubpaths(key));
      for (String subpath : transcripts) {
        long count =
            store.loadMessages(subpath == null ? key : key.withSubpath(subpath), 0, 100_000).size();
        for (long i = 0; i < count; i++) {
          assertTrue(seen.contains(subpath + "#" + i), key + " " + subpath + " message " + i);
          messages++;
        }
      }
      // And every entry shows in every format.
      for (ViewEntry e : entries) {
        for (String format : List.of("text", "markdown", "html")) {
          assertFalse(renderOne(e, format).isBlank(), format + " of " + e);
        }
      }
      for (String format : List.of("text", "color", "markdown", "html")) {
        assertFalse(render(key, format, false).isBlank());
        assertFalse(render(key, format, true).isBlank());
      }
    }
    assertTrue(messages >= 255, "messages: " + messages);
  }

  @Test
  void unknownTypesShowAsAShortGenericLine() {
    List<String> unknown =
        entries(key(STREAM)).stream()
            .filter(e -> e instanceof Notice n && n.kind() == Kind.UNKNOWN)
            .map(e -> ((Notice) e).text())
            .toList();
    assertTrue(unknown.contains("[unknown block: future_block_type]"), unknown.toString());
    assertTrue(unknown.contains("[unknown block: unknown_future_type]"), unknown.toString());
    assertTrue(unknown.contains("[unknown message: future_message_type]"), unknown.toString());
    assertTrue(unknown.contains("[message without a type]"), unknown.toString());
    assertTrue(render(key(STREAM), "text", false).contains("· [unknown block: future_block_type]"));
  }

  @Test
  void subAgentsShowWhereTheyRanInsideTheirTurn() {
    List<ViewEntry> entries = entries(key(SUBAGENTS));
    List<String> order = entries.stream().map(TranscriptViewTest::describe).toList();
    int answer = order.indexOf("Answer:4");
    int start = order.indexOf("SubagentStart:subagents/agent-aprompt_suggestion-637414");
    int end = order.indexOf("SubagentEnd:subagents/agent-aprompt_suggestion-637414");
    int secondPrompt = order.indexOf("Prompt:2");
    assertTrue(
        answer >= 0 && answer < start && start < end && end < secondPrompt, order.toString());
    entries.stream()
        .filter(e -> "subagents/agent-aprompt_suggestion-637414".equals(e.source().subpath()))
        .forEach(e -> assertEquals(1, e.source().depth(), e.toString()));
    assertTrue(
        entries.stream().noneMatch(e -> e instanceof ViewEntry.SubagentStart s && !s.linked()));
  }

  @Test
  void turnsCountEachApiMessageOnceAndAddUpToTheSession() {
    List<ViewEntry> entries = entries(key(TOOLS));
    List<ViewEntry.Tokens> turns =
        entries.stream()
            .filter(e -> e instanceof ViewEntry.TurnUsage)
            .map(e -> ((ViewEntry.TurnUsage) e).tokens())
            .toList();
    ViewEntry.Tokens total =
        entries.stream()
            .filter(e -> e instanceof ViewEntry.TotalUsage)
            .map(e -> ((ViewEntry.TotalUsage) e).tokens())
            .findFirst()
            .orElseThrow();
    ViewEntry.Tokens sum = turns.stream().reduce(ViewEntry.Tokens.NONE, ViewEntry.Tokens::plus);
    var usage = store.getMetadata(key(TOOLS)).orElseThrow().usage();
    // The session's sub-agent is counted in the total, as the store counts the session's usage.
    assertEquals(usage.inputTokens(), total.inputTokens());
    assertEquals(usage.outputTokens(), total.outputTokens());
    assertEquals(usage.cacheCreationTokens(), total.cacheCreationTokens());
    assertEquals(usage.cacheReadTokens(), total.cacheReadTokens());
    assertEquals(
        store.getMetadata(key(TOOLS)).orElseThrow().totalCostUsd().doubleValue(),
        total.costUsd().doubleValue(),
        1e-9);
    assertTrue(sum.total() <= total.total());
    assertEquals(2, turns.size(), turns.toString());
  }

  @Test
  void aTaskCallsAgentShowsBeforeItsResultAndAnUnlinkedOneAtTheEnd() {
    SessionKey key = SessionKey.of("synthetic", "task-call");
    store.saveSession(
        key,
        List.of(
            Message.of(
                "{\"type\":\"user\",\"uuid\":\"u1\",\"message\":{\"role\":\"user\","
                    + "\"content\":\"find the flaky test\"}}"),
            Message.of(
                "{\"type\":\"assistant\",\"uuid\":\"a1\",\"message\":{\"content\":["
                    + "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"Task\",\"input\":"
                    + "{\"description\":\"Search tests\",\"subagent_type\":\"Explore\","
                    + "\"prompt\":\"look\"}}]}}"),
            Message.of(
                "{\"type\":\"user\",\"uuid\":\"u2\",\"message\":{\"content\":["
                    + "{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"content\":"
                    + "[{\"type\":\"text\",\"text\":\"PaymentTest is flaky\"}]}]},"
                    + "\"toolUseResult\":{\"agentId\":\"abc\",\"status\":\"completed\"}}")));
    store.saveSession(
        key.withSubpath("subagents/agent-abc"),
        List.of(
            Message.of(
                "{\"type\":\"user\",\"isSidechain\":true,\"parentUuid\":null,"
                    + "\"message\":{\"role\":\"user\",\"content\":\"look\"}}"),
            Message.of(
                "{\"type\":\"assistant\",\"isSidechain\":true,\"message\":{\"content\":"
                    + "[{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"Grep\",\"input\":"
                    + "{\"pattern\":\"@Flaky\",\"path\":\"src/test\"}}]}}")));
    store.saveSession(
        key.withSubpath("subagents/agent-orphan"),
        List.of(Message.of("{\"type\":\"user\",\"message\":{\"content\":\"alone\"}}")));
    List<ViewEntry> entries = entries(key);
    List<String> order = entries.stream().map(TranscriptViewTest::describe).toList();
    assertEquals(
        List.of(
            "Prompt:1",
            "ToolCall",
            "SubagentStart:subagents/agent-abc",
            "Task",
            "ToolCall",
            "SubagentEnd:subagents/agent-abc",
            "ToolResult",
            "SubagentStart:subagents/agent-orphan",
            "Task",
            "SubagentEnd:subagents/agent-orphan"),
        order);
    ViewEntry.ToolCall task = (ViewEntry.ToolCall) entries.get(1);
    assertEquals("Search tests (Explore)", task.summary());
    assertEquals("@Flaky in src/test", ((ViewEntry.ToolCall) entries.get(4)).summary());
    assertEquals("Task", ((ViewEntry.ToolResult) entries.get(6)).toolName());
    assertTrue(((ViewEntry.SubagentStart) entries.get(2)).linked());
    assertFalse(((ViewEntry.SubagentStart) entries.get(7)).linked());
  }

  static String describe(ViewEntry e) {
    Function<ViewEntry, String> what =
        x -> {
          if (x instanceof ViewEntry.Prompt p) {
            return p.source().depth() == 0 ? "Prompt:" + p.turn() : "Task";
          } else if (x instanceof ViewEntry.Answer a) {
            return "Answer:" + a.text();
          } else if (x instanceof ViewEntry.SubagentStart s) {
            return "SubagentStart:" + s.subpath();
          } else if (x instanceof ViewEntry.SubagentEnd s) {
            return "SubagentEnd:" + s.subpath();
          }
          return x.getClass().getSimpleName();
        };
    return what.apply(e);
  }
}
