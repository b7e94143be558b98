package io.sessionstore.backend.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.SupportsRequestCounts;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The commands a fresh process (a new store instance) sends for what the CLI does most, on
 * databases of two sizes: the counts must not grow with the number of sessions.
 */
class MongoRequestBudgetTest {
  private static final int LONG_SESSION = 5_000;

  /** The sessions an export reads together from a backend that reads many at once. */
  private static final int EXPORT_BATCH = 32;

  @ParameterizedTest(name = "{0} sessions")
  @ValueSource(ints = {200, 1_000})
  void aFreshProcessAnswersInAFewCommandsWhateverTheNumberOfSessions(int sessions) {
    Map<String, String> config = MongoTestServer.freshStorage();
    String longId = populate(config, sessions);

    // start-up: the two collections' indexes, one command each
    assertEquals(Map.of("createIndexes", 2L), fresh(config, s -> {}));

    Map<String, Long> list =
        fresh(
            config,
            s ->
                assertEquals(
                    20,
                    s.search(SearchQuery.in(Scope.allProjects()).limit(20).build())
                        .items()
                        .size()));
    assertEquals(1L, list.get("find"), list.toString());
    assertTrue(total(list) <= 4, list.toString());

    Map<String, Long> tagged =
        fresh(
            config,
            s ->
                assertEquals(
                    20,
                    s.search(SearchQuery.in(Scope.allProjects()).tags("odd").limit(20).build())
                        .items()
                        .size()));
    assertEquals(1L, tagged.get("find"), tagged.toString());

    // info ID without a project: one lookup by id, then the head
    Map<String, Long> info =
        fresh(
            config,
            s -> {
              List<SessionMetadata> found = s.findSessions("s-17");
              assertEquals(1, found.size());
              assertEquals(3, s.getMetadata(found.get(0).key()).orElseThrow().messageCount());
            });
    assertEquals(2L, info.get("find"), info.toString());
    assertTrue(total(info) <= 2 + 3, info.toString());

    // a load is two queries whatever the session's length: its head, then its messages in one
    // cursor
    Map<String, Long> load =
        fresh(
            config,
            s ->
                assertEquals(
                    LONG_SESSION,
                    s.loadSession(new SessionKey("p-0", longId, null))
                        .orElseThrow()
                        .messages()
                        .size()));
    assertEquals(2L, load.get("find"), load.toString());

    // an export reads its sessions in batches: a query for their heads and one for their messages
    int exported = sessions / 5;
    Map<String, Long> export =
        fresh(
            config,
            s ->
                assertEquals(
                    exported,
                    s.exportSessions(
                            SearchQuery.in(Scope.project("p-1")).build(),
                            OutputStream.nullOutputStream())
                        .sessions()));
    long batches = (exported + EXPORT_BATCH - 1) / EXPORT_BATCH;
    assertEquals(1 + 2 * batches, export.get("find"), export.toString());
  }

  private static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The commands one new store instance sends, start-up included, to do {@code work}. */
  private static Map<String, Long> fresh(Map<String, String> config, Consumer<SessionStore> work) {
    StorageBackend backend = MongoTestServer.backend(config);
    try (SessionStore store =
        SessionStore.builder().config(SessionStoreConfig.of(config)).backend(backend).build()) {
      work.accept(store);
      return ((SupportsRequestCounts) backend).requestCounts();
    }
  }

  /** Sessions of three messages in five projects, every other one tagged, and one long session. */
  private static String populate(Map<String, String> config, int sessions) {
    try (SessionStore store =
        SessionStore.builder().config(SessionStoreConfig.of(config)).build()) {
      for (int i = 0; i < sessions; i++) {
        SessionKey key = new SessionKey("p-" + (i % 5), "s-" + i, null);
        store.saveSession(
            key,
            List.of(
                Message.of("{\"type\":\"user\",\"n\":" + i + "}"),
                Message.of("{\"type\":\"assistant\"}"),
                Message.of("{\"type\":\"user\"}")));
        if (i % 2 == 1) {
          store.updateTags(key, Set.of("odd"), Set.of());
        }
      }
      List<Message> many = new ArrayList<>();
      for (int i = 0; i < LONG_SESSION; i++) {
        many.add(
            Message.of("{\"type\":\"user\",\"i\":" + i + ",\"text\":\"" + "x".repeat(200) + "\"}"));
      }
      store.saveSession(new SessionKey("p-0", "long", null), many);
      return "long";
    }
  }
}
