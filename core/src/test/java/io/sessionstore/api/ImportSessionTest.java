package io.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.internal.MemoryBackend;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link SessionStore#importSession}: a session given as values, merged as an archive's. */
class ImportSessionTest {
  private final SessionStore store =
      SessionStore.builder()
          .backend(new MemoryBackend())
          .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
          .build();
  private final SessionMetadata metadata =
      SessionMetadata.of(SessionKey.of("p", "s1"), Instant.parse("2026-03-01T10:00:00Z"))
          .withUpdatedAt(Instant.parse("2026-03-01T11:00:00Z"))
          .withTags(List.of("b", "a"));

  @AfterEach
  void close() {
    store.close();
  }

  private List<String> stored(SessionKey key) {
    try (Stream<Message> s = store.streamMessages(key)) {
      return s.map(Message::json).toList();
    }
  }

  @Test
  void createsThenExtendsThenLeavesAloneAndReportsADivergedSession() {
    Message a = Message.of("{\"type\":\"user\",\"uuid\":\"u1\"}");
    Message b = Message.of(" {\"type\":\"assistant\",\"uuid\":\"u2\"}\r");
    Message sub = Message.of("{\"type\":\"user\",\"uuid\":\"s1\"}");
    ImportResult created =
        store.importSession(
            metadata,
            List.of(a),
            Map.of("subagents/agent-1", List.of(sub)),
            ImportOptions.DEFAULTS);
    assertEquals(1, created.created());
    assertEquals(List.of(a.json()), stored(metadata.key()));
    assertEquals(List.of(sub.json()), stored(metadata.key().withSubpath("subagents/agent-1")));
    SessionMetadata m = store.getMetadata(metadata.key()).orElseThrow();
    assertEquals(metadata.createdAt(), m.createdAt());
    assertEquals(List.of("a", "b"), List.copyOf(m.tags()));

    ImportResult extended =
        store.importSession(
            metadata,
            List.of(a, b),
            Map.of("subagents/agent-1", List.of(sub)),
            ImportOptions.DEFAULTS);
    assertEquals(1, extended.extended());
    assertEquals(List.of(a.json(), b.json()), stored(metadata.key()), "exact text, kept as given");
    assertEquals(
        1,
        store
            .importSession(
                metadata,
                List.of(a, b),
                Map.of("subagents/agent-1", List.of(sub)),
                ImportOptions.DEFAULTS)
            .unchanged());
    ImportResult diverged =
        store.importSession(metadata, List.of(b), Map.of(), ImportOptions.DEFAULTS);
    assertEquals(List.of(metadata.key()), diverged.diverged());
  }

  @Test
  void aMessageThatIsNoObjectRejectsTheSessionAndAPrettyOneIsStoredOnOneLine() {
    ImportResult rejected =
        store.importSession(
            metadata,
            List.of(Message.of("{\"type\":\"user\"}"), Message.of("[1,2]")),
            Map.of(),
            ImportOptions.DEFAULTS);
    assertEquals(1, rejected.rejected().size());
    assertTrue(
        rejected.rejected().get(0).reason().contains("message 2 of messages"),
        rejected.rejected().get(0).reason());
    assertTrue(store.getMetadata(metadata.key()).isEmpty(), "nothing stored");
    // What the archive format could not hold: a message that would close the session's array.
    ImportResult injected =
        store.importSession(
            metadata,
            List.of(Message.of("{}],\"sessionId\":\"other\",\"messages\":[{}")),
            Map.of(),
            ImportOptions.DEFAULTS);
    assertEquals(1, injected.rejected().size());
    assertTrue(store.getMetadata(SessionKey.of("p", "other")).isEmpty());

    ImportResult pretty =
        store.importSession(
            metadata,
            List.of(Message.of("{\n  \"type\": \"user\",\n  \"uuid\": \"u1\"\n}")),
            Map.of(),
            ImportOptions.DEFAULTS);
    assertEquals(1, pretty.created());
    assertEquals(List.of("{\"type\":\"user\",\"uuid\":\"u1\"}"), stored(metadata.key()));
    assertThrows(
        InvalidInputException.class,
        () ->
            store.importSession(
                metadata,
                List.of(),
                Map.of("../escape", List.of(Message.of("{}"))),
                ImportOptions.DEFAULTS));
  }
}
