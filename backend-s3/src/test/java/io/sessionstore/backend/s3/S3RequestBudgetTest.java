package io.sessionstore.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.SupportsRequestCounts;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The requests a fresh process (a new store instance, as a CLI command, a cron job or a web request
 * is) sends for what the CLI does most, on buckets of two sizes: the counts are exact and must not
 * grow with the number of sessions. Start-up is included: it reads the format marker, one GET.
 */
class S3RequestBudgetTest {
  @Test
  void aFreshProcessAnswersInAFewRequestsWhateverTheNumberOfSessions() {
    Map<String, Map<String, Long>> small = budgets(200);
    Map<String, Map<String, Long>> large = budgets(1_000);
    assertEquals(small, large, "the same requests for 200 and 1,000 sessions");

    assertEquals(Map.of("GET", 1L), small.get("start"));
    // start-up, one listing of the index, its snapshot
    assertEquals(Map.of("GET", 2L, "LIST", 1L), small.get("list"));
    assertEquals(Map.of("GET", 2L, "LIST", 1L), small.get("search"));
    // ... and the session's head: its newest marker (a LIST and a GET) and the SDK parts after ours
    // (a LIST)
    Map<String, Long> info = small.get("info");
    assertTrue(total(info) - 2 <= 3 + 1, info.toString());
    Map<String, Long> show = small.get("show");
    assertTrue(total(show) - 2 <= 3 + 2, show.toString());
  }

  @Test
  void aNewStoreFilledBySeveralThreadsReadsNoMarkerToRebuildItsIndex() {
    Map<String, String> config = S3TestServer.freshStorage();
    // The import works on many sessions at once: their markers are there before any index entry.
    Map<String, Long> filled = fresh(config, s -> importArchive(s, 64));
    // Only start-up's look for the format marker: no commit marker is read back, as rebuilding an
    // index thought lost would (one GET per session found, and a warning).
    assertEquals(1L, filled.get("GET"), filled.toString());
    // The format marker, then per session its commit marker, its part and its index entry.
    assertEquals(1L + 3 * 64, filled.get("PUT"), filled.toString());
    try (SessionStore store =
        SessionStore.builder().config(SessionStoreConfig.of(config)).build()) {
      assertEquals(
          64, store.search(SearchQuery.in(Scope.allProjects()).limit(100).build()).items().size());
    }
  }

  /**
   * The process that made the store still reads what another process wrote to the index before its
   * first look: here a snapshot of a rebuild holding a session whose own index entry is gone (its
   * writer died before it, or its append failed).
   */
  @Test
  void theProcessThatMadeTheStoreReadsTheIndexAnotherWroteBeforeItsFirstLook() {
    Map<String, String> config = S3TestServer.freshStorage();
    SessionStoreConfig c =
        SessionStoreConfig.of(config).with("sessionstore.cache.enabled", "false");
    try (S3Client raw = S3TestServer.rawClient(config);
        SessionStore maker = SessionStore.builder().config(c).build()) {
      try (SessionStore other = SessionStore.builder().config(c).build()) {
        other.appendMessages(SessionKey.of("p", "x"), List.of(Message.of("{\"type\":\"user\"}")));
      }
      List<String> entries = new RawBucket(raw, config).keys(".sessionstore/index/log/");
      raw.deleteObject(
          b -> b.bucket(config.get("sessionstore.s3.bucket")).key(entries.get(entries.size() - 1)));
      for (int i = 0; i < 3; i++) {
        maker.appendMessages(
            SessionKey.of("q", "a" + i), List.of(Message.of("{\"type\":\"user\"}")));
      }
      assertEquals(List.of("a0", "a1", "a2", "x"), allIds(maker));
    }
    try (SessionStore fresh = SessionStore.builder().config(c).build()) {
      assertEquals(List.of("a0", "a1", "a2", "x"), allIds(fresh));
    }
  }

  private static List<String> allIds(SessionStore store) {
    return store.search(SearchQuery.in(Scope.allProjects()).limit(100).build()).items().stream()
        .map(SessionMetadata::sessionId)
        .sorted()
        .toList();
  }

  @Test
  void anAppendByAWriterThatHasTheHeadIsThreePuts() {
    Map<String, String> config = S3TestServer.freshStorage();
    StorageBackend backend = S3TestServer.backend(config);
    try (SessionStore store =
        SessionStore.builder().config(SessionStoreConfig.of(config)).backend(backend).build()) {
      SessionKey key = SessionKey.of("p", "recorded");
      store.appendMessages(key, List.of(Message.of("{\"type\":\"user\",\"n\":0}")));
      SupportsRequestCounts counted = (SupportsRequestCounts) backend;
      for (int i = 1; i <= 3; i++) {
        Map<String, Long> before = counted.requestCounts();
        store.appendMessages(key, List.of(Message.of("{\"type\":\"user\",\"n\":" + i + "}")));
        // the commit marker, the part with the message, the index entry
        assertEquals(Map.of("PUT", 3L), RawBucket.difference(counted.requestCounts(), before));
      }
      assertEquals(4, store.loadSession(key).orElseThrow().messages().size());
    }
  }

  @Test
  void anImportedSessionWithSubTranscriptsCostsAFewRequestsPerTranscript() {
    Map<String, String> config = S3TestServer.freshStorage();
    fresh(config, s -> {});
    String archive =
        "{\"format\":\"sessionstore-archive\",\"version\":1}\n"
            + "{\"project\":\"p\",\"sessionId\":\"imported\",\"createdAt\":\"2026-01-01T00:00:00Z\","
            + "\"updatedAt\":\"2026-01-02T00:00:00Z\",\"messages\":[{\"type\":\"user\",\"n\":0}],"
            + "\"subpaths\":{\"subagents/a\":[{\"type\":\"user\",\"n\":1}],"
            + "\"subagents/b\":[{\"type\":\"user\",\"n\":2}]}}\n";
    Map<String, Long> imported =
        fresh(
            config,
            s ->
                assertEquals(
                    1,
                    s.importSessions(
                            new ByteArrayInputStream(archive.getBytes(StandardCharsets.UTF_8)),
                            ImportOptions.DEFAULTS)
                        .created()));
    // Start-up, then per transcript its head read and commit (marker, part), the sub-transcripts'
    // discovery once, the session's index entry once after them, the index checkpoint at close:
    // 26 to 27 requests; 43 when the session's head followed each sub-transcript's commit.
    assertTrue(total(imported) <= 30, imported.toString());
    assertTrue(imported.get("PUT") <= 12, imported.toString());
    try (SessionStore store =
        SessionStore.builder().config(SessionStoreConfig.of(config)).build()) {
      SessionMetadata m = store.getMetadata(SessionKey.of("p", "imported")).orElseThrow();
      assertEquals(List.of("subagents/a", "subagents/b"), m.subpaths());
    }
  }

  @Test
  void aSessionOfFiveHundredCommitsLoadsColdInAFewGetsOnceCompacted() {
    Map<String, String> config = S3TestServer.freshStorage();
    SessionKey key = SessionKey.of("p", "long");
    List<String> written = new java.util.ArrayList<>();
    int mostParts = 0;
    try (SessionStore store = SessionStore.builder().config(SessionStoreConfig.of(config)).build();
        S3Client raw = S3TestServer.rawClient(config)) {
      // 500 commits, then on until a compaction has just merged the parts into one.
      for (int i = 0; i < 500 || parts(raw, config, key) > 1; i++) {
        String line = "{\"type\":\"user\",\"n\":" + i + ",\"text\":\"" + "x".repeat(100) + "\"}";
        store.appendMessages(key, List.of(Message.of(line)));
        written.add(line);
        mostParts = Math.max(mostParts, parts(raw, config, key));
        assertTrue(i < 2_000, "no compaction after " + i + " commits");
      }
      assertTrue(mostParts <= Compaction.MAX_PARTS, "at most " + Compaction.MAX_PARTS + " parts");
    }
    Map<String, Long> load =
        fresh(
            config,
            s ->
                assertEquals(
                    written,
                    s.loadSession(key).orElseThrow().messages().stream()
                        .map(Message::json)
                        .toList()));
    // start-up, the newest marker, the one part (and LISTs of the markers and the parts)
    assertTrue(load.get("GET") <= 5, load.toString());
  }

  private static int parts(S3Client raw, Map<String, String> config, SessionKey key) {
    String folder =
        S3Settings.normalisePrefix(config.getOrDefault("sessionstore.s3.prefix", ""))
            + key.project()
            + "/"
            + key.sessionId()
            + "/";
    return (int)
        raw
            .listObjectsV2Paginator(
                b -> b.bucket(config.get("sessionstore.s3.bucket")).prefix(folder).delimiter("/"))
            .contents()
            .stream()
            .filter(o -> S3Layout.isPart(o.key().substring(folder.length())))
            .count();
  }

  private static Map<String, Map<String, Long>> budgets(int sessions) {
    Map<String, String> config = S3TestServer.freshStorage();
    populate(config, sessions);
    Map<String, Map<String, Long>> out = new TreeMap<>();
    out.put("start", fresh(config, s -> {}));
    out.put(
        "list",
        fresh(
            config,
            s ->
                assertEquals(
                    20,
                    s.search(SearchQuery.in(Scope.allProjects()).limit(20).build())
                        .items()
                        .size())));
    out.put(
        "search",
        fresh(
            config,
            s ->
                assertEquals(
                    20,
                    s.search(SearchQuery.in(Scope.allProjects()).tags("odd").limit(20).build())
                        .items()
                        .size())));
    // what `sessionstore info ID` and `show ID` do without a project: one lookup by id, then the
    // session
    out.put(
        "info",
        fresh(
            config,
            s -> {
              List<SessionMetadata> found = s.findSessions("s-17");
              assertEquals(1, found.size());
              assertEquals(3, s.getMetadata(found.get(0).key()).orElseThrow().messageCount());
            }));
    out.put(
        "show",
        fresh(
            config,
            s ->
                assertEquals(
                    3,
                    s.loadSession(s.findSessions("s-17").get(0).key())
                        .orElseThrow()
                        .messages()
                        .size())));
    System.out.println("requests of a fresh process, " + sessions + " sessions: " + out);
    return out;
  }

  private static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The requests one new store instance sends, start-up included, to do {@code work}. */
  private static Map<String, Long> fresh(Map<String, String> config, Consumer<SessionStore> work) {
    StorageBackend backend = S3TestServer.backend(config);
    try (SessionStore store =
        SessionStore.builder().config(SessionStoreConfig.of(config)).backend(backend).build()) {
      work.accept(store);
      return ((SupportsRequestCounts) backend).requestCounts();
    }
  }

  private static void populate(Map<String, String> config, int sessions) {
    try (SessionStore store =
        SessionStore.builder().config(SessionStoreConfig.of(config)).build()) {
      importArchive(store, sessions);
    }
  }

  /**
   * Imports sessions of three messages in five projects, every other one tagged, as one archive.
   */
  private static void importArchive(SessionStore store, int sessions) {
    StringBuilder archive =
        new StringBuilder("{\"format\":\"sessionstore-archive\",\"version\":1}\n");
    for (int i = 0; i < sessions; i++) {
      archive
          .append("{\"project\":\"p-")
          .append(i % 5)
          .append("\",\"sessionId\":\"s-")
          .append(i)
          .append("\",\"createdAt\":\"2026-11-01T10:00:00Z\",\"updatedAt\":\"2026-11-0")
          .append(1 + i % 9)
          .append("T10:00:00Z\",\"tags\":[")
          .append(i % 2 == 1 ? "\"odd\"" : "")
          .append("],\"messages\":[")
          .append("{\"type\":\"user\",\"n\":")
          .append(i)
          .append("},{\"type\":\"assistant\"},{\"type\":\"user\"}]}\n");
    }
    ImportResult r =
        store.importSessions(
            new ByteArrayInputStream(archive.toString().getBytes(StandardCharsets.UTF_8)),
            ImportOptions.DEFAULTS);
    assertEquals(sessions, r.created(), r.rejected().toString());
  }
}
