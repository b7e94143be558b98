package io.sessionstore.server;

import io.sessionstore.api.Message;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.claude.ClaudeCode;
import io.sessionstore.tck.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real file store for the browser's tests: the kit's real Claude Code projects imported as {@code
 * import-claude} does, plus hostile sessions (markup, script, a {@code javascript:} link, a huge
 * line, bidirectional controls, a hostile id and tag) and a long session.
 */
final class TestArchive {
  static final String EVIL =
      "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";

  /** The hostile session's key. */
  static final SessionKey HOSTILE = SessionKey.of("default", "hostile-1");

  /** A session whose id and tag are markup. */
  static final SessionKey HOSTILE_ID = SessionKey.of("default", "\"><svg onload=alert(1)>");

  /** A session of {@link #LONG_COUNT} messages. */
  static final SessionKey LONG = SessionKey.of("default", "long-1");

  static final int LONG_COUNT = 450;

  /** The transcript the fixtures hold with subagents, and its key. */
  static final String WITH_SUBAGENTS = Fixtures.transcriptWithSubagents();

  private TestArchive() {}

  static SessionStore open(Path dir) {
    SessionStore store =
        SessionStore.builder()
            .config(
                SessionStoreConfig.of(
                    Map.of("sessionstore.file.dir", dir.resolve("store").toString())))
            .build();
    Path projects = Fixtures.writeClaudeProjects(dir.resolve("projects"));
    new ClaudeCode(store, List.of("claude"), dir.resolve("claude-config"))
        .importTranscripts(projects, ProgressListener.NONE);
    String bidi = "access granted\u202E // \u2066admin\u2069 \u200F";
    String huge = "x".repeat(30_000) + "THE-END-OF-THE-HUGE-LINE";
    List<Message> hostile =
        List.of(
            user("h-1", "2026-03-01T10:00:00Z", "show me " + EVIL),
            assistant(
                "h-2",
                "2026-03-01T10:00:05Z",
                "Here: " + EVIL + " [click me](javascript:alert(1)) " + bidi),
            user("h-3", "2026-03-01T10:00:09Z", huge));
    store.saveSession(HOSTILE, hostile, SaveOptions.tags("hostile").withSummary("hostile markup"));
    store.saveSession(
        HOSTILE_ID,
        List.of(user("i-1", "2026-03-02T10:00:00Z", "an id of markup")),
        SaveOptions.tags("<b>tag</b>").withSummary("<i>summary</i> " + EVIL));
    List<Message> many = new ArrayList<>();
    for (int i = 0; i < LONG_COUNT; i++) {
      many.add(
          i % 2 == 0
              ? user("l-" + i, "2026-03-03T10:00:00Z", "question number " + i)
              : assistant("l-" + i, "2026-03-03T10:00:01Z", "answer number " + i));
    }
    store.saveSession(LONG, many, SaveOptions.NONE.withSummary("a long session"));
    return store;
  }

  static Message user(String uuid, String ts, String text) {
    return Message.of(
        json(
            Map.of(
                "type",
                "user",
                "uuid",
                uuid,
                "timestamp",
                ts,
                "message",
                Map.of("role", "user", "content", text))));
  }

  static Message assistant(String uuid, String ts, String text) {
    return Message.of(
        json(
            Map.of(
                "type",
                "assistant",
                "uuid",
                uuid,
                "timestamp",
                ts,
                "message",
                Map.of(
                    "id",
                    "msg_" + uuid,
                    "role",
                    "assistant",
                    "model",
                    "claude-haiku-4-5-20251001",
                    "content",
                    List.of(Map.of("type", "text", "text", text)),
                    "usage",
                    Map.of("input_tokens", 5, "output_tokens", 7)))));
  }

  private static String json(Object o) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
