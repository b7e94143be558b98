package io.sessionstore.backend.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.spi.HeadCodec;
import io.sessionstore.spi.StoredHead;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index reads of each head only what keeping it needs, and decodes the rest when asked. */
class IndexHeadsTest {
  @TempDir Path tmp;

  private static StoredHead head(SessionKey key, long messages, long generation) {
    SessionMetadata m =
        SessionMetadata.of(key, Instant.parse("2026-11-01T10:00:00Z"))
            .withCounts(messages, java.math.BigDecimal.ONE, 3)
            .withTags(java.util.Set.of("t"))
            .withAttributes(Map.of("metadata", "\"metadata\":{\"messageCount\":7}"))
            .withVersion(4);
    return new StoredHead(key, m, generation, "{\"v\":2,\"metadata\":{\"messageCount\":9}}");
  }

  @Test
  void aRecordedHeadIsWhatItsDecodingIsWhateverTheFieldsOrder() {
    for (StoredHead h :
        List.of(
            head(SessionKey.of("p", "s"), 12, 77),
            head(SessionKey.of("p", "s", "subagents/a"), 0, -5),
            head(SessionKey.of("-home-me-x", "s2"), Long.MAX_VALUE, Long.MIN_VALUE))) {
      String json = HeadCodec.encode(h);
      IndexLog.RecordedHead read = IndexLog.RecordedHead.read(json);
      assertEquals(h.key(), read.key());
      assertEquals(h.generation(), read.generation());
      assertEquals(h.messageCount(), read.messageCount());
      assertEquals(h, read.head());

      // Fields in another order, as another writer might put them: decoded whole, the same.
      String metadataFirst =
          "{\"metadata\":"
              + json.substring(json.indexOf("\"metadata\":") + 11, json.length() - 1)
              + ","
              + json.substring(1, json.indexOf(",\"metadata\":"))
              + "}";
      IndexLog.RecordedHead reordered = IndexLog.RecordedHead.read(metadataFirst);
      assertEquals(h.key(), reordered.key());
      assertEquals(h, reordered.head());
    }
    assertThrows(
        BackendUnavailableException.class, () -> IndexLog.RecordedHead.read("{\"project\":"));
  }

  /**
   * Saves two sessions, then rewrites one's head in the log (its record's checksum made anew, as
   * only a faulty or older writer leaves it): {@code from} replaced by {@code to}.
   */
  private static void twoSessionsOneRewritten(Path dir, SessionStore store, String from, String to)
      throws IOException {
    store.saveSession(
        SessionKey.of("p", "damaged"), List.of(Message.of("{\"type\":\"user\",\"n\":1}")));
    store.saveSession(
        SessionKey.of("p", "intact"), List.of(Message.of("{\"type\":\"user\",\"n\":2}")));
    store.close();
    Path log = dir.resolve("index.log");
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      String record = IndexLog.record(line);
      if (record.contains("\"sessionId\":\"damaged\"")) {
        record = record.replaceFirst(from, to);
        assertTrue(record.contains(to), record);
      }
      lines.add(IndexLog.line(record));
    }
    Files.writeString(log, String.join("", lines), StandardCharsets.UTF_8);
  }

  private static void twoSessionsOneDamaged(Path dir, SessionStore store) throws IOException {
    twoSessionsOneRewritten(dir, store, "\"createdAt\":\"[^\"]+\"", "\"createdAt\":\"yesterday\"");
  }

  /**
   * A head damaged past what the index reads of it (its record's checksum intact, as only a faulty
   * writer leaves it) fails only the reads of its own session; so does a damaged update time, which
   * the index reads.
   */
  @Test
  void aHeadIsDecodedOnlyWhenItsSessionIsRead() throws IOException {
    for (String field : List.of("createdAt", "updatedAt")) {
      Path dir = tmp.resolve("store-" + field);
      twoSessionsOneRewritten(
          dir,
          SessionStore.builder().backend(new FileBackend(dir)).build(),
          "\"" + field + "\":\"[^\"]+\"",
          "\"" + field + "\":\"yesterday\"");
      try (SessionStore store = SessionStore.builder().backend(new FileBackend(dir)).build()) {
        assertEquals(
            1, store.loadSession(SessionKey.of("p", "intact")).orElseThrow().messages().size());
        assertEquals(List.of("intact"), ids(store.findSessions("intact")));
        BackendUnavailableException e =
            assertThrows(
                BackendUnavailableException.class,
                () -> store.getMetadata(SessionKey.of("p", "damaged")));
        assertTrue(e.getMessage().startsWith("Damaged stored head"), e.getMessage());
      }
    }
  }

  /**
   * A head written before times were kept to the millisecond (its update time finer) is read,
   * listed in order and loaded as its decoding gives it.
   */
  @Test
  void aHeadWithAFinerUpdateTimeReadsAsItsDecodingGivesIt() throws IOException {
    Path dir = tmp.resolve("store");
    twoSessionsOneRewritten(
        dir,
        SessionStore.builder().backend(new FileBackend(dir)).build(),
        "\"updatedAt\":\"[^\"]+\"",
        "\"updatedAt\":\"2030-01-01T00:00:00.123456Z\"");
    try (SessionStore store = SessionStore.builder().backend(new FileBackend(dir)).build()) {
      assertEquals(
          Instant.parse("2030-01-01T00:00:00.123Z"),
          store.getMetadata(SessionKey.of("p", "damaged")).orElseThrow().updatedAt());
      assertEquals(
          List.of("damaged", "intact"),
          store.search(SearchQuery.in(Scope.allProjects()).build()).items().stream()
              .map(SessionMetadata::sessionId)
              .toList());
      assertEquals(
          1, store.loadSession(SessionKey.of("p", "damaged")).orElseThrow().messages().size());
    }
  }

  /** Such a head is carried over as it is when the log is compacted, and can be deleted. */
  @Test
  void aDamagedHeadNeitherStopsCompactionNorItsDelete() throws IOException {
    Path dir = tmp.resolve("store");
    twoSessionsOneDamaged(dir, SessionStore.builder().backend(new FileBackend(dir, 20)).build());
    try (SessionStore store = SessionStore.builder().backend(new FileBackend(dir, 20)).build()) {
      for (int i = 0; i < 100; i++) {
        store.appendMessages(
            SessionKey.of("p", "intact"),
            List.of(Message.of("{\"type\":\"user\",\"i\":" + i + "}")));
      }
      assertTrue(Files.readAllLines(dir.resolve("index.log")).size() < 50, "compacted");
      assertTrue(store.deleteSession(SessionKey.of("p", "damaged")));
      assertEquals(List.of(), ids(store.findSessions("damaged")));
      assertEquals(
          101, store.loadSession(SessionKey.of("p", "intact")).orElseThrow().messages().size());
    }
  }

  private static List<String> ids(List<SessionMetadata> found) {
    return found.stream().map(SessionMetadata::sessionId).toList();
  }
}
