package io.sessionstore.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.CleanupResult;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.CostSource;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.NotFoundException;
import io.sessionstore.api.Page;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionHit;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.api.TextMatch;
import io.sessionstore.api.Usage;
import io.sessionstore.api.WriteResult;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.SupportsAtomicCommits;
import io.sessionstore.spi.SupportsBatchCommits;
import io.sessionstore.spi.SupportsBatchReads;
import io.sessionstore.spi.SupportsHousekeeping;
import io.sessionstore.spi.SupportsOrderedListing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link StorageBackend} must meet, tested through the public {@link
 * SessionStore} built on it. Extend it with a few lines to test a backend:
 *
 * <pre>{@code
 * class MyBackendTest extends StorageBackendContractTest {
 *   protected StorageBackend createBackend() { return new MyBackend(freshStorage()); }
 *   protected StorageBackend openAnother() { return new MyBackend(sameStorageAsLastCreated()); }
 * }
 * }</pre>
 *
 * <p>The tests are {@link Nested} groups, one per contract, so a failure names the contract a
 * backend breaks:
 *
 * <ul>
 *   <li>{@link AppendAndLoad}: append then load, absent keys, order across appends, empty appends,
 *       ranges and streams (the Claude Agent SDK's session-store conformance suite covers these
 *       too);
 *   <li>{@link LosslessJson}: messages come back byte for byte, on real Claude Code data and a 10
 *       MB session;
 *   <li>{@link Keys}: odd but valid names work, and keys that differ in a project or subpath stay
 *       apart;
 *   <li>{@link SubTranscripts}: isolated from their session, listed and costed in its head, which
 *       catches up after an outage between the two commits;
 *   <li>{@link Metadata}: derived from the messages, changed by updates, never moving back in time;
 *   <li>{@link IdempotentAppends}: a retried append stores nothing twice, across instances and
 *       replacements;
 *   <li>{@link CompareAndSet}: every commit is a compare-and-set on the version, so stale writers
 *       are refused and concurrent ones (threads, instances, processes) all land;
 *   <li>{@link ReplaceAndGenerations}: a save replaces a transcript with a new generation, and
 *       nothing written or read for an old generation reaches the new one;
 *   <li>{@link Delete}: cascading and single deletes, and deletes conditioned on a version;
 *   <li>{@link Listing}: listing without sub-transcripts, pagination, and {@link
 *       SupportsOrderedListing} when declared;
 *   <li>{@link Search}: filters and order, on non-ASCII text as the core does them, also for a
 *       backend that implements {@link io.sessionstore.spi.SupportsSearch};
 *   <li>{@link DurabilityAndCaching}: what one instance wrote another reads, and a caching store
 *       never falls behind its own writes;
 *   <li>{@link Archives}: export and import, merging with what is stored;
 *   <li>{@link HostileInput}: absurd values, the deepest message, damaged archives, the store
 *       staying usable;
 *   <li>{@link CleanupAndHousekeeping}: removal of old sessions, and {@link SupportsHousekeeping}
 *       when declared;
 *   <li>{@link BatchReads}: {@link SupportsBatchReads}, when declared;
 *   <li>{@link AtomicCommits}: {@link SupportsAtomicCommits}, when declared;
 *   <li>{@link BatchCommits}: {@link SupportsBatchCommits}, when declared;
 *   <li>{@link ChangeToken}: the store's change token moves with every write, from any instance,
 *       and with nothing else (or the backend has none).
 * </ul>
 *
 * <p>Input the core refuses before any backend call (invalid names, tags or messages, archives that
 * are not archives) is tested once in the core module, not here for every backend.
 */
public abstract class StorageBackendContractTest {
  protected static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A temporary folder per test, for backends that need one. */
  @TempDir protected Path tempDir;

  protected MutableClock clock;
  protected SessionStore store;

  /** The backend under {@link #store}, for the few contracts tested on the SPI directly. */
  protected StorageBackend backend;

  private final List<SessionStore> opened = new ArrayList<>();

  /** A backend (not started) on new, empty storage. Called once per test, before anything else. */
  protected abstract StorageBackend createBackend();

  /**
   * Another backend instance (not started) on the same storage as the one {@link #createBackend()}
   * returned.
   */
  protected abstract StorageBackend openAnother();

  /**
   * The configuration ({@code sessionstore.*} keys) with which another process reaches the same
   * storage as the one {@link #createBackend()} returned, or null when the backend cannot be shared
   * between processes; then the two-process test is skipped.
   */
  protected Map<String, String> otherProcessConfig() {
    return null;
  }

  @BeforeEach
  void openStore() {
    clock = new MutableClock(START);
    backend = createBackend();
    store = open(backend, false);
  }

  @AfterEach
  void closeStores() {
    opened.forEach(SessionStore::close);
  }

  /** A store on a backend, with or without the cache, on the test's clock. */
  protected SessionStore open(StorageBackend backend, boolean cache) {
    SessionStore s =
        SessionStore.builder()
            .backend(backend)
            .config(
                SessionStoreConfig.of(
                    Map.of(
                        "sessionstore.cache.enabled",
                        Boolean.toString(cache),
                        // Every store of a test shares one full-text index, as processes on one
                        // machine do.
                        "sessionstore.search.index-dir",
                        tempDir.resolve("search-index").toString())))
            .clock(clock)
            .build();
    opened.add(s);
    return s;
  }

  // ---- helpers
  // ------------------------------------------------------------------------------------------------

  protected static SessionKey key(String id) {
    return SessionKey.of("tck", id);
  }

  protected static Message user(String uuid, String text) {
    return Message.of(
        "{\"type\":\"user\",\"uuid\":\""
            + uuid
            + "\",\"message\":{\"role\":\"user\",\"content\":\""
            + text
            + "\"}}");
  }

  protected static List<Message> users(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> user(prefix + "-" + i, prefix + " " + i)).toList();
  }

  protected List<String> texts(SessionKey key) {
    return store
        .loadSession(key)
        .orElseThrow(() -> new AssertionError("no session " + key))
        .messages()
        .stream()
        .map(Message::json)
        .toList();
  }

  private static List<String> texts(List<Message> messages) {
    return messages.stream().map(Message::json).toList();
  }

  private List<String> listedIds(Scope scope) {
    return store.listSessions(scope, SearchQuery.MAX_LIMIT, null).items().stream()
        .map(SessionMetadata::sessionId)
        .toList();
  }

  private List<String> ids(SearchQuery query) {
    return store.search(query).items().stream().map(SessionMetadata::sessionId).toList();
  }

  private byte[] export(Scope scope) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    store.exportSessions(SearchQuery.in(scope).build(), out);
    return out.toByteArray();
  }

  private ImportResult importBytes(byte[] archive) {
    return store.importSessions(new ByteArrayInputStream(archive), ImportOptions.DEFAULTS);
  }

  // ---- the contracts
  // ------------------------------------------------------------------------------------------

  /** What is appended loads back, in order; what was never written is absent. */
  @Nested
  public class AppendAndLoad {
    @Test
    void appendThenLoadGivesTheSameMessagesInTheSameOrder() {
      List<Message> messages = users("m", 5);
      store.appendMessages(key("s"), messages);
      assertEquals(texts(messages), texts(key("s")));
    }

    @Test
    void anUnknownKeyLoadsAsAbsent() {
      assertTrue(store.loadSession(key("nope")).isEmpty());
      assertTrue(store.getMetadata(key("nope")).isEmpty());
      assertTrue(store.loadSession(key("nope").withSubpath("subagents/a")).isEmpty());
      assertThrows(NotFoundException.class, () -> store.streamMessages(key("nope")));
      assertTrue(store.listSubpaths(key("nope")).isEmpty());
      assertFalse(store.deleteSession(key("nope")));
    }

    @Test
    void orderHoldsAcrossManyAppends() {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        List<Message> batch = users("b" + i, 1 + i % 3);
        store.appendMessages(key("s"), batch);
        expected.addAll(texts(batch));
      }
      assertEquals(expected, texts(key("s")));
      assertEquals(expected.size(), store.getMetadata(key("s")).orElseThrow().messageCount());
    }

    @Test
    void anEmptyAppendIsANoOp() {
      WriteResult r = store.appendMessages(key("s"), List.of());
      assertEquals(0, r.stored());
      assertTrue(
          store.loadSession(key("s")).isEmpty(), "an empty append must not create the session");
      store.appendMessages(key("s"), users("m", 2));
      long version = store.getMetadata(key("s")).orElseThrow().version();
      store.appendMessages(key("s"), List.of());
      assertEquals(version, store.getMetadata(key("s")).orElseThrow().version());
      assertEquals(2, texts(key("s")).size());
    }

    @Test
    void messagesCanBeReadInRangesAndStreamed() {
      List<Message> all = users("m", 20);
      store.appendMessages(key("s"), all.subList(0, 10));
      store.appendMessages(key("s"), all.subList(10, 20));
      assertEquals(texts(all.subList(5, 12)), texts(store.loadMessages(key("s"), 5, 7)));
      assertEquals(texts(all.subList(18, 20)), texts(store.loadMessages(key("s"), 18, 100)));
      assertTrue(store.loadMessages(key("s"), 20, 5).isEmpty());
      try (Stream<Message> s = store.streamMessages(key("s"))) {
        assertEquals(texts(all), texts(s.toList()));
      }
      assertThrows(NotFoundException.class, () -> store.loadMessages(key("none"), 0, 1));
    }
  }

  /**
   * A message is stored as the exact text it was given: no JSON encoder's spelling, no lost value.
   */
  @Nested
  public class LosslessJson {
    @Test
    void realClaudeCodeTranscriptsRoundTripByteForByte() {
      int n = 0;
      for (String file : Fixtures.jsonLinesFiles()) {
        SessionKey key = SessionKey.of("fixtures", "f" + n++);
        store.saveSession(key, Fixtures.messages(file));
        assertEquals(Fixtures.lines(file), texts(key), file);
      }
      assertTrue(n >= 30, "the fixtures hold at least 30 transcripts");
    }

    /**
     * Messages read as UTF-8 reach the backend as those bytes ({@link Commit#utf8(int)}, its {@link
     * Commit#messages()} a view decoding them): stored the same.
     */
    @Test
    void realTranscriptsReadAsBytesRoundTripByteForByte() {
      int n = 0;
      for (String file : Fixtures.jsonLinesFiles()) {
        SessionKey key = SessionKey.of("fixtures", "b" + n++);
        List<String> lines = Fixtures.lines(file);
        store.saveSession(
            key,
            lines.stream()
                .map(l -> Message.parse(l.getBytes(StandardCharsets.UTF_8), tree -> null))
                .map(Message.Parsed::message)
                .toList());
        assertEquals(lines, texts(key), file);
      }
      assertTrue(n >= 30, "the fixtures hold at least 30 transcripts");
    }

    @Test
    void aTranscriptWithSubagentsRoundTripsWithItsSubpaths() {
      String transcript = Fixtures.transcriptWithSubagents();
      SessionKey key = key("with-subagents");
      store.saveSession(key, Fixtures.messages(transcript));
      List<String> subpaths = new ArrayList<>();
      for (String[] sub : Fixtures.subagentsOf(transcript)) {
        store.saveSession(key.withSubpath(sub[0]), Fixtures.messages(sub[1]));
        subpaths.add(sub[0]);
      }
      assertEquals(Fixtures.lines(transcript), texts(key));
      for (String[] sub : Fixtures.subagentsOf(transcript)) {
        assertEquals(Fixtures.lines(sub[1]), texts(key.withSubpath(sub[0])));
      }
      assertEquals(subpaths.stream().sorted().toList(), store.listSubpaths(key));
    }

    @Test
    void prettyPrintedMessagesKeepEveryValue() throws IOException {
      List<Message> messages = new ArrayList<>();
      for (String file : Fixtures.singleMessages()) {
        messages.add(Message.of(Fixtures.text(file)));
      }
      store.saveSession(key("pretty"), messages);
      List<Message> loaded = store.loadSession(key("pretty")).orElseThrow().messages();
      assertEquals(messages.size(), loaded.size());
      for (int i = 0; i < messages.size(); i++) {
        assertEquals(JSON.readTree(messages.get(i).json()), JSON.readTree(loaded.get(i).json()));
        assertFalse(loaded.get(i).json().contains("\n"), "a stored message is one line");
      }
    }

    @Test
    void spellingsAJsonEncoderWouldChangeSurvive() {
      String odd =
          "{\"type\":\"user\",\"uuid\":\"odd\",\"message\":{\"content\":\"caf\\u00e9 \\/ \\u001b[31mred\\u001b[0m "
              + "日本 🎉\",\"n\":1e2,\"f\":1.50,\"big\":123456789012345678901234567890,\"neg\":-0.0,\"esc\":\"\\\"q\\\"\\t\"},"
              + "\"unknown_field\":{\"nested\":[1,{\"deep\":null}]},  \"spaced\" : true,\r\"cr\":1 }";
      store.appendMessages(key("odd"), List.of(Message.of(odd)));
      assertEquals(List.of(odd), texts(key("odd")));
      assertEquals(odd, store.streamMessages(key("odd")).findFirst().orElseThrow().json());
    }

    @Test
    void aTenMegabyteSessionRoundTrips() {
      String chunk = "x".repeat(1000);
      List<Message> messages = new ArrayList<>();
      for (int i = 0; i < 10_500; i++) {
        messages.add(
            Message.of(
                "{\"type\":\"assistant\",\"uuid\":\"u"
                    + i
                    + "\",\"message\":{\"id\":\"m"
                    + i
                    + "\",\"content\":\""
                    + chunk
                    + "\"}}"));
      }
      store.saveSession(key("big"), messages);
      store.appendMessages(key("big"), List.of(user("last", "one more")));
      List<String> loaded = texts(key("big"));
      assertEquals(10_501, loaded.size());
      assertEquals(texts(messages), loaded.subList(0, 10_500));
      assertTrue(loaded.stream().mapToLong(String::length).sum() > 10_000_000);
      assertEquals(10_501, store.getMetadata(key("big")).orElseThrow().messageCount());
      assertEquals(
          texts(messages.subList(5000, 5003)), texts(store.loadMessages(key("big"), 5000, 3)));
      try (Stream<Message> s = store.streamMessages(key("big"))) {
        assertEquals(10_501, s.count());
      }
    }
  }

  /** Every valid name is stored as itself: keys that differ anywhere are different transcripts. */
  @Nested
  public class Keys {
    @Test
    void projectsAreIsolated() {
      store.appendMessages(SessionKey.of("p1", "s"), users("one", 1));
      store.appendMessages(SessionKey.of("p2", "s"), users("two", 2));
      assertEquals(1, store.loadSession(SessionKey.of("p1", "s")).orElseThrow().messages().size());
      assertEquals(2, store.loadSession(SessionKey.of("p2", "s")).orElseThrow().messages().size());
      assertEquals(List.of("s"), listedIds(Scope.project("p1")));
      store.deleteSession(SessionKey.of("p1", "s"));
      assertTrue(store.loadSession(SessionKey.of("p1", "s")).isEmpty());
      assertEquals(2, store.loadSession(SessionKey.of("p2", "s")).orElseThrow().messages().size());
    }

    @Test
    void subpathsThatShareAPrefixOrHoldSeparatorsStayApart() {
      SessionKey main = key("s");
      List<String> subs = List.of("a", "a|b", "a|c", "|x", "a/b", "a b", "a%2Fb", "a.b");
      store.appendMessages(main, users("main", 1));
      for (String sub : subs) {
        store.appendMessages(main.withSubpath(sub), List.of(user(sub, sub)));
      }
      store.saveSession(main, users("main2", 2));
      store.saveSession(main.withSubpath("a"), users("a2", 2));
      store.deleteSession(main.withSubpath("a.b"));
      for (String sub : subs) {
        if (sub.equals("a.b")) {
          assertTrue(store.loadSession(main.withSubpath(sub)).isEmpty());
        } else if (!sub.equals("a")) {
          assertEquals(List.of(user(sub, sub).json()), texts(main.withSubpath(sub)), sub);
        }
      }
      assertEquals(texts(users("a2", 2)), texts(main.withSubpath("a")));
      assertEquals(texts(users("main2", 2)), texts(main));
    }

    @Test
    void unusualButValidNamesWorkAndStayDistinct() {
      List<String> names =
          List.of(
              "A",
              "a",
              "%41",
              "-home-me-repo",
              "with space",
              "日本語",
              "🎉",
              "x".repeat(255),
              "é".repeat(127),
              "a.b",
              "...",
              "CON",
              "nul",
              "%",
              "%%2F",
              "a%00b",
              "a+b",
              "a&b=c",
              "a?b#c",
              "a;b",
              "a:b",
              "a*b",
              "~",
              "$x",
              "{x}",
              "<script>",
              "'`",
              "a\u00a0b",
              "\u202eevil",
              "a\ufeffb",
              "\u0627\u0644\u0639",
              "a\u0301",
              "\ud83d\ude00\ud83d\ude00",
              "..a",
              "a..",
              ".a",
              "a.",
              "-",
              "_",
              "a b  c");
      for (String name : names) {
        store.appendMessages(SessionKey.of(name, name), List.of(user("u", name)));
        store.appendMessages(key(name).withSubpath(name + "/" + name), List.of(user("u", name)));
      }
      for (String name : names) {
        assertEquals(List.of(user("u", name).json()), texts(SessionKey.of(name, name)), name);
        assertEquals(List.of(name + "/" + name), store.listSubpaths(key(name)), name);
      }
      assertEquals(
          names.size(),
          store.search(SearchQuery.in(Scope.allProjects()).limit(1000).build()).items().stream()
              .filter(m -> m.project().equals(m.sessionId()))
              .count());
    }
  }

  /**
   * A session's sub-transcripts are transcripts of their own that its head lists and counts the
   * cost of.
   */
  @Nested
  public class SubTranscripts {
    @Test
    void subpathsAreIsolatedFromTheMainTranscriptAndEachOther() {
      SessionKey main = key("s");
      store.appendMessages(main, users("main", 2));
      store.appendMessages(main.withSubpath("subagents/a"), users("a", 3));
      store.appendMessages(main.withSubpath("subagents/b"), users("b", 1));
      assertEquals(2, texts(main).size());
      assertEquals(texts(users("a", 3)), texts(main.withSubpath("subagents/a")));
      assertEquals(texts(users("b", 1)), texts(main.withSubpath("subagents/b")));
      assertEquals(
          2, store.getMetadata(main).orElseThrow().messageCount(), "subpaths are not counted");
    }

    @Test
    void listingSubTranscriptsExcludesTheMainOne() {
      SessionKey main = key("s");
      store.appendMessages(main, users("m", 1));
      store.appendMessages(main.withSubpath("subagents/b"), users("b", 1));
      store.appendMessages(main.withSubpath("subagents/a"), users("a", 1));
      assertEquals(List.of("subagents/a", "subagents/b"), store.listSubpaths(main));
      assertEquals(
          List.of("subagents/a", "subagents/b"), store.getMetadata(main).orElseThrow().subpaths());
    }

    @Test
    void subTranscriptsCountInTheSessionsCost() {
      store.appendMessages(
          key("s"), List.of(Message.of("{\"type\":\"result\",\"total_cost_usd\":1}")));
      store.appendMessages(
          key("s").withSubpath("runs/1"),
          List.of(Message.of("{\"type\":\"result\",\"total_cost_usd\":0.25,\"num_turns\":1}")));
      store.appendMessages(
          key("s").withSubpath("subagents/x"),
          List.of(Message.of("{\"type\":\"result\",\"total_cost_usd\":100}")));
      // Runs and subagents alike (the contracts' usage accounting: a session's totals include its
      // sub-transcripts).
      assertEquals(
          0,
          new BigDecimal("101.25")
              .compareTo(store.getMetadata(key("s")).orElseThrow().totalCostUsd()));
      store.deleteSession(key("s").withSubpath("runs/1"));
      assertEquals(
          0,
          new BigDecimal("101")
              .compareTo(store.getMetadata(key("s")).orElseThrow().totalCostUsd()));
    }

    @Test
    void aSubTranscriptWhoseSessionHeadWasNotUpdatedIsListedAgainByTheNextImportOrWrite() {
      store.appendMessages(key("s"), users("m", 1));
      MainHeadOutage outage = new MainHeadOutage(openAnother());
      SessionStore flaky = open(outage, false);
      outage.down = true;
      Message run = Message.of("{\"type\":\"result\",\"uuid\":\"r1\",\"total_cost_usd\":2}");
      assertEquals(
          1,
          flaky.appendMessages(key("s").withSubpath("runs/1"), List.of(run)).stored(),
          "a failure after the commit point is not a failure of the write");
      flaky.appendMessages(key("s").withSubpath("subagents/a"), users("a", 1));
      flaky.appendMessages(key("s").withSubpath("subagents/b"), users("b", 1));
      outage.down = false;
      SessionMetadata behind = store.getMetadata(key("s")).orElseThrow();
      assertEquals(
          List.of(), behind.subpaths(), "the state a crash between the two commits leaves");

      // The import of an archive that holds them unchanged repairs the session's head...
      String line =
          "{\"project\":\"tck\",\"sessionId\":\"s\",\"createdAt\":\""
              + behind.createdAt()
              + "\",\"updatedAt\":\""
              + behind.updatedAt()
              + "\",\"tags\":[],\"messages\":["
              + users("m", 1).get(0).json()
              + "],\"subpaths\":{\"runs/1\":["
              + run.json()
              + "],\"subagents/a\":["
              + users("a", 1).get(0).json()
              + "]}}\n";
      importBytes(
          ("{\"format\":\"sessionstore-archive\",\"version\":1}\n" + line)
              .getBytes(StandardCharsets.UTF_8));
      SessionMetadata repaired = store.getMetadata(key("s")).orElseThrow();
      assertEquals(List.of("runs/1", "subagents/a", "subagents/b"), repaired.subpaths());
      assertEquals(0, new BigDecimal("2").compareTo(repaired.totalCostUsd()));

      // ...and so does the next write of a sub-transcript it does not list.
      outage.down = true;
      flaky.appendMessages(key("s").withSubpath("subagents/c"), users("c", 1));
      outage.down = false;
      assertEquals(3, store.getMetadata(key("s")).orElseThrow().subpaths().size());
      store.appendMessages(key("s").withSubpath("subagents/c"), users("c2", 1));
      assertEquals(
          List.of("runs/1", "subagents/a", "subagents/b", "subagents/c"),
          store.getMetadata(key("s")).orElseThrow().subpaths());
    }

    /**
     * A backend whose sessions' heads cannot be changed while it is down: sub-transcripts still
     * can.
     */
    private static final class MainHeadOutage extends ForwardingBackend {
      volatile boolean down;

      MainHeadOutage(StorageBackend delegate) {
        super(delegate);
      }

      @Override
      public void commit(Commit commit) {
        if (down && !commit.head().key().isSubpath() && commit.kind() == Commit.Kind.METADATA) {
          throw new BackendUnavailableException(
              "Cannot write " + commit.head().key() + ": the test's outage");
        }
        super.commit(commit);
      }
    }
  }

  /**
   * The metadata the core derives from the messages, and the user's own, as the backend keeps them.
   */
  @Nested
  public class Metadata {
    @Test
    void metadataIsDerivedFromStreamMessages() {
      List<Message> run =
          List.of(
              Message.of(
                  "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"abc\",\"uuid\":\"i1\"}"),
              Message.of(
                  "{\"type\":\"assistant\",\"uuid\":\"a1\",\"message\":{\"id\":\"msg1\",\"content\":[]}}"),
              Message.of(
                  "{\"type\":\"result\",\"uuid\":\"r1\",\"num_turns\":2,\"total_cost_usd\":0.1}"));
      store.saveSession(key("s"), run, SaveOptions.tags("b", "a", "b").withSummary("first run"));
      clock.advance(Duration.ofMinutes(5));
      store.appendMessages(
          key("s"),
          List.of(
              Message.of("{\"type\":\"assistant\",\"uuid\":\"a2\",\"message\":{\"id\":\"msg2\"}}"),
              Message.of(
                  "{\"type\":\"result\",\"uuid\":\"r2\",\"num_turns\":3,\"total_cost_usd\":0.2,\"cost_usd\":9}")));
      SessionMetadata m = store.getMetadata(key("s")).orElseThrow();
      assertEquals("tck", m.project());
      assertEquals("s", m.sessionId(), "the key's id, not the one inside the messages");
      assertEquals(5, m.messageCount());
      assertEquals(
          0, new BigDecimal("0.3").compareTo(m.totalCostUsd()), "exact sum of the runs' costs");
      assertEquals(5, m.turns());
      assertEquals(List.of("a", "b"), m.tags());
      assertEquals("first run", m.summary());
      assertEquals(START, m.createdAt());
      assertEquals(START.plus(Duration.ofMinutes(5)), m.updatedAt());
      assertEquals(2, m.version());
    }

    @Test
    void turnsCountDistinctAssistantMessagesWhenNoResultReportsThem() {
      store.appendMessages(
          key("t"),
          List.of(
              Message.of("{\"type\":\"assistant\",\"message\":{\"id\":\"A\"},\"costUSD\":0.5}"),
              Message.of("{\"type\":\"assistant\",\"message\":{\"id\":\"A\"}}"),
              Message.of("{\"type\":\"user\",\"message\":{}}"),
              Message.of(
                  "{\"type\":\"assistant\",\"message\":{\"id\":\"B\"},\"costUSD\":\"<COST>\"}")));
      store.appendMessages(
          key("t"),
          List.of(
              Message.of("{\"type\":\"assistant\",\"message\":{\"id\":\"B\"}}"),
              Message.of(
                  "{\"type\":\"result\",\"total_cost_usd\":\"<COST>\",\"cost_usd\":\"n/a\"}")));
      SessionMetadata m = store.getMetadata(key("t")).orElseThrow();
      assertEquals(2, m.turns());
      assertEquals(0, new BigDecimal("0.5").compareTo(m.totalCostUsd()), "non-numbers are ignored");
    }

    @Test
    void extremeCostsAreKeptExactlyAndStaySearchable() {
      String digits = "0.123456789012345678901234567890123456789";
      store.appendMessages(
          key("precise"),
          List.of(Message.of("{\"type\":\"result\",\"total_cost_usd\":" + digits + "}")));
      store.appendMessages(
          key("tiny"), List.of(Message.of("{\"type\":\"result\",\"total_cost_usd\":1e-70}")));
      assertEquals(
          new BigDecimal(digits), store.getMetadata(key("precise")).orElseThrow().totalCostUsd());
      assertEquals(
          0,
          new BigDecimal("1e-70")
              .compareTo(store.getMetadata(key("tiny")).orElseThrow().totalCostUsd()));
      assertEquals(
          List.of("precise"),
          ids(SearchQuery.in(Scope.project("tck")).minCost(new BigDecimal("0.1234")).build()));
      assertEquals(
          List.of("tiny"),
          ids(SearchQuery.in(Scope.project("tck")).maxCost(new BigDecimal("0.1234")).build()));
    }

    @Test
    void realStreamJsonOutputGivesItsMetadata() {
      String file =
          Fixtures.jsonLinesFiles().stream()
              .filter(f -> f.startsWith("stream-json/"))
              .findFirst()
              .orElseThrow();
      store.saveSession(key("stream"), Fixtures.messages(file));
      SessionMetadata m = store.getMetadata(key("stream")).orElseThrow();
      assertEquals(Fixtures.lines(file).size(), m.messageCount());
      assertEquals(1, m.turns(), "num_turns of its result");
      assertEquals(
          0, BigDecimal.ZERO.compareTo(m.totalCostUsd()), "its cost is a placeholder string");
    }

    @Test
    void usageOfRealTranscriptsIsKeptInTheHeadAndListed() {
      String transcript = Fixtures.transcriptWithSubagents();
      SessionKey k = key("real");
      store.appendMessages(k, Fixtures.messages(transcript));
      for (String[] sub : Fixtures.subagentsOf(transcript)) {
        store.appendMessages(k.withSubpath(sub[0]), Fixtures.messages(sub[1]));
      }
      SessionMetadata m = store.getMetadata(k).orElseThrow();
      Usage u = m.usage();
      assertTrue(u.totalTokens() > 0, "its assistant lines carry usage");
      assertEquals(CostSource.ESTIMATED, m.costSource());
      assertEquals(
          List.of("claude-haiku-4-5-20251001"),
          u.models().stream().map(Usage.ModelUsage::model).toList());
      assertTrue(m.totalCostUsd().signum() > 0);
      SessionStore other = open(openAnother(), false);
      assertEquals(m, other.getMetadata(k).orElseThrow(), "the head keeps the usage");
      assertEquals(
          List.of(m),
          other.search(SearchQuery.in(Scope.project("tck")).build()).items(),
          "and so does the listing");
    }

    @Test
    void tagsSummaryAndAttributesChangeWithoutTouchingMessages() {
      store.appendMessages(key("s"), users("m", 3));
      SessionMetadata before = store.getMetadata(key("s")).orElseThrow();
      clock.advance(Duration.ofSeconds(10));
      SessionMetadata after = store.updateTags(key("s"), Set.of("z", "x"), Set.of());
      assertEquals(List.of("x", "z"), after.tags());
      assertEquals(before.version() + 1, after.version());
      assertEquals(START.plusSeconds(10), after.updatedAt());
      after =
          store.updateMetadata(
              key("s"),
              new MetadataUpdate(
                  Set.of("y"),
                  Set.of("z"),
                  "sum",
                  false,
                  Map.of("cwd", "/tmp/w", "k", "v"),
                  Set.of(),
                  null));
      assertEquals(List.of("x", "y"), after.tags());
      assertEquals("sum", after.summary());
      assertEquals(Map.of("cwd", "/tmp/w", "k", "v"), after.attributes());
      after = store.updateMetadata(key("s"), MetadataUpdate.attributes(Map.of(), Set.of("k")));
      assertEquals(Map.of("cwd", "/tmp/w"), after.attributes());
      after = store.updateMetadata(key("s"), MetadataUpdate.summary(null));
      assertNull(after.summary());
      assertEquals(texts(users("m", 3)), texts(key("s")));
      assertEquals(3, after.messageCount());
      assertEquals(after, store.getMetadata(key("s")).orElseThrow());
      assertThrows(
          NotFoundException.class, () -> store.updateTags(key("none"), Set.of("a"), Set.of()));
    }

    @Test
    void updatedAtNeverMovesBackwards() {
      store.appendMessages(key("s"), users("a", 1));
      clock.set(START.minus(Duration.ofDays(1)));
      SessionMetadata m = store.appendMessages(key("s"), users("b", 1)).metadata();
      assertEquals(START, m.updatedAt());
    }
  }

  /** An append retried after a lost answer stores only what is not stored yet. */
  @Nested
  public class IdempotentAppends {
    @Test
    void aRetriedAppendStoresNothingTwice() {
      List<Message> batch = users("m", 3);
      assertEquals(3, store.appendMessages(key("s"), batch).stored());
      WriteResult retry = store.appendMessages(key("s"), batch);
      assertEquals(0, retry.stored());
      assertEquals(3, retry.skipped());
      WriteResult partly = store.appendMessages(key("s"), List.of(batch.get(2), user("new", "n")));
      assertEquals(1, partly.stored());
      assertEquals(1, partly.skipped());
      assertEquals(4, texts(key("s")).size());
    }

    @Test
    void sameUuidWithOtherBytesOrNoUuidIsStoredEachTime() {
      store.appendMessages(key("s"), List.of(user("same", "first")));
      store.appendMessages(key("s"), List.of(user("same", "second")));
      Message noUuid = Message.of("{\"type\":\"user\",\"message\":{\"content\":\"no uuid\"}}");
      store.appendMessages(key("s"), List.of(noUuid));
      store.appendMessages(key("s"), List.of(noUuid));
      Message emptyUuid = Message.of("{\"type\":\"user\",\"uuid\":\"\"}");
      store.appendMessages(key("s"), List.of(emptyUuid, emptyUuid));
      assertEquals(6, texts(key("s")).size());
    }

    @Test
    void aUuidStoredWithTwoTextsSkipsEitherAndOnlyThose() {
      List<Message> batch = users("m", 5);
      store.appendMessages(key("s"), batch);
      store.appendMessages(key("s"), List.of(user("m-1", "another text")));
      WriteResult retry =
          store.appendMessages(
              key("s"),
              List.of(
                  batch.get(4),
                  user("m-1", "another text"),
                  user("m-1", "a third text"),
                  batch.get(1),
                  batch.get(0)));
      assertEquals(1, retry.stored());
      assertEquals(4, retry.skipped());
      List<String> stored = texts(key("s"));
      assertEquals(7, stored.size());
      assertEquals(user("m-1", "a third text").json(), stored.get(6));
    }

    @Test
    void messagesOfOneCallAreNotComparedWithEachOther() {
      Message m = user("dup", "twice in one call");
      assertEquals(2, store.appendMessages(key("s"), List.of(m, m)).stored());
      assertEquals(2, texts(key("s")).size());
    }

    @Test
    void idempotenceHoldsAcrossStoreInstances() {
      SessionStore other = open(openAnother(), false);
      store.appendMessages(key("s"), users("m", 2));
      assertEquals(2, other.appendMessages(key("s"), users("m", 2)).skipped());
      other.appendMessages(key("s"), users("n", 1));
      assertEquals(1, store.appendMessages(key("s"), users("n", 1)).skipped());
      assertEquals(3, texts(key("s")).size());
    }

    @Test
    void idempotenceHoldsAfterTheTranscriptWasReplaced() {
      store.appendMessages(key("s"), users("m", 2));
      store.saveSession(key("s"), users("x", 1));
      assertEquals(
          2, store.appendMessages(key("s"), users("m", 2)).stored(), "m-* are no longer stored");
      assertEquals(1, store.appendMessages(key("s"), users("x", 1)).skipped());
    }
  }

  /**
   * Each commit is a compare-and-set on the transcript's version: nothing a concurrent writer did
   * is lost.
   */
  @Nested
  public class CompareAndSet {
    @Test
    void aSaveWithAStaleVersionFailsAndChangesNothing() {
      store.saveSession(key("s"), users("v1", 2));
      long v = store.getMetadata(key("s")).orElseThrow().version();
      store.appendMessages(key("s"), users("other-writer", 1));
      ConflictException e =
          assertThrows(
              ConflictException.class,
              () ->
                  store.saveSession(
                      key("s"), users("v2", 1), SaveOptions.NONE.withExpectedVersion(v)));
      assertTrue(e.getMessage().contains("version"), e.getMessage());
      assertEquals(3, texts(key("s")).size());
      long now = store.getMetadata(key("s")).orElseThrow().version();
      store.saveSession(key("s"), users("v2", 1), SaveOptions.NONE.withExpectedVersion(now));
      assertEquals(texts(users("v2", 1)), texts(key("s")));
    }

    @Test
    void expectedVersionZeroMeansTheSessionMustNotExist() {
      store.saveSession(key("s"), users("a", 1), SaveOptions.NONE.withExpectedVersion(0));
      assertThrows(
          ConflictException.class,
          () ->
              store.saveSession(key("s"), users("b", 1), SaveOptions.NONE.withExpectedVersion(0)));
      assertEquals(texts(users("a", 1)), texts(key("s")));
    }

    @Test
    void aMetadataUpdateWithAStaleVersionFails() {
      store.appendMessages(key("s"), users("a", 1));
      assertThrows(
          ConflictException.class,
          () -> store.updateMetadata(key("s"), MetadataUpdate.summary("x").withExpectedVersion(7)));
      assertNull(store.getMetadata(key("s")).orElseThrow().summary());
    }

    // Shown failing against a backend with a planted bug in the examples' BrokenBackendsTest.
    @Test
    void concurrentMetadataUpdatesFromThreadsAndInstancesLoseNothing() throws Exception {
      store.appendMessages(key("s"), users("m", 1));
      // The deterministic core of it: a metadata commit built on a version that another writer
      // moved on is refused.
      StoredHead seen = backend.head(key("s")).orElseThrow();
      store.updateTags(key("s"), Set.of("other-writer"), Set.of());
      StoredHead stale =
          new StoredHead(
              seen.key(),
              seen.metadata().withTags(List.of("stale")).withVersion(seen.version() + 1),
              seen.generation(),
              seen.derivation());
      assertThrows(
          ConflictException.class,
          () -> backend.commit(new Commit(Commit.Kind.METADATA, seen.version(), List.of(), stale)));
      assertEquals(List.of("other-writer"), store.getMetadata(key("s")).orElseThrow().tags());
      store.updateTags(key("s"), Set.of(), Set.of("other-writer"));
      long before = store.getMetadata(key("s")).orElseThrow().version();
      SessionStore other = open(openAnother(), false);
      int writers = 6;
      int each = 8;
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          SessionStore s = w % 2 == 0 ? store : other;
          String prefix = "w" + w + "-";
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      s.updateTags(key("s"), Set.of(prefix + i), Set.of());
                    }
                  }));
        }
        for (Future<?> f : done) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      SessionMetadata m = store.getMetadata(key("s")).orElseThrow();
      assertEquals(writers * each, m.tags().size(), "every update kept");
      assertEquals(before + writers * each, m.version(), "each update one version");
    }

    @Test
    void manyThreadsAppendingToOneSessionAllLand() throws Exception {
      assertAllWritersLand(List.of(store, store, store, store, store, store, store, store), 40);
    }

    @Test
    void twoInstancesOnTheSameStorageAppendingAllLand() throws Exception {
      SessionStore other = open(openAnother(), true);
      SessionStore third = open(openAnother(), false);
      assertAllWritersLand(List.of(store, other, third, other), 40);
    }

    private void assertAllWritersLand(List<SessionStore> writers, int each) throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(writers.size());
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers.size(); w++) {
          SessionStore s = writers.get(w);
          String name = "w" + w;
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      s.appendMessages(
                          key("shared"), List.of(user(name + "-" + i, name + " " + i)));
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEachWriterInOrder(
          texts(key("shared")),
          IntStream.range(0, writers.size()).mapToObj(w -> "w" + w).collect(Collectors.toSet()),
          each);
    }

    /**
     * Every message of every writer is stored once, and each writer's messages are in the order it
     * wrote them.
     */
    private static void assertEachWriterInOrder(List<String> stored, Set<String> writers, int each)
        throws IOException {
      assertEquals(
          writers.size() * each, stored.size(), "every message of every writer is stored once");
      Map<String, List<Integer>> byWriter = new java.util.HashMap<>();
      for (String line : stored) {
        String uuid = JSON.readTree(line).get("uuid").asText();
        int dash = uuid.lastIndexOf('-');
        byWriter
            .computeIfAbsent(uuid.substring(0, dash), k -> new ArrayList<>())
            .add(Integer.parseInt(uuid.substring(dash + 1)));
      }
      assertEquals(writers, byWriter.keySet());
      byWriter.forEach(
          (w, seq) ->
              assertEquals(IntStream.range(0, each).boxed().toList(), seq, "order of " + w));
    }

    @Test
    void twoProcessesAppendingToOneSessionAllLand() throws Exception {
      Map<String, String> config = otherProcessConfig();
      Assumptions.assumeTrue(
          config != null, "the backend declares no configuration for another process");
      Path props = tempDir.resolve("other-process.properties");
      Properties p = new Properties();
      p.putAll(config);
      p.setProperty("sessionstore.cache.enabled", "false");
      try (var out = Files.newBufferedWriter(props)) {
        p.store(out, null);
      }
      Path log = tempDir.resolve("other-process.log");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      int each = 60;
      Process other =
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  AppendWorker.class.getName(),
                  props.toString(),
                  "tck",
                  "shared",
                  "proc",
                  Integer.toString(each))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      try {
        assertAllLocalWritersThenProcess(each, other, log);
      } finally {
        other.destroyForcibly();
      }
    }

    private void assertAllLocalWritersThenProcess(int each, Process other, Path log)
        throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
          String name = "thread" + w;
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      store.appendMessages(
                          key("shared"), List.of(Message.of(AppendWorker.message(name, i))));
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertTrue(other.waitFor(5, TimeUnit.MINUTES), "the other process did not finish");
      assertEquals(0, other.exitValue(), "the other process failed: " + Files.readString(log));
      assertEachWriterInOrder(texts(key("shared")), Set.of("thread0", "thread1", "proc"), each);
    }
  }

  /**
   * A save or a delete starts a new generation; writers and readers of the old one never mix with
   * it.
   */
  @Nested
  public class ReplaceAndGenerations {
    @Test
    void saveReplacesTheMessagesAndKeepsSubpathsTagsAndCreationTime() {
      store.saveSession(key("s"), users("first", 3), SaveOptions.tags("keep"));
      store.appendMessages(key("s").withSubpath("subagents/a"), users("a", 1));
      clock.advance(Duration.ofHours(1));
      WriteResult r = store.saveSession(key("s"), users("second", 2));
      assertEquals(2, r.stored());
      assertEquals(texts(users("second", 2)), texts(key("s")));
      SessionMetadata m = store.getMetadata(key("s")).orElseThrow();
      assertEquals(2, m.messageCount());
      assertEquals(List.of("keep"), m.tags());
      assertEquals(START, m.createdAt());
      assertEquals(START.plus(Duration.ofHours(1)), m.updatedAt());
      assertEquals(List.of("subagents/a"), m.subpaths());
      assertEquals(1, texts(key("s").withSubpath("subagents/a")).size());
    }

    @Test
    void aWriteBasedOnASessionThatWasDeletedAndCreatedAnewLandsInTheNewOne() {
      SessionStore a = open(openAnother(), true);
      SessionStore b = open(openAnother(), false);
      a.appendMessages(key("s"), users("old", 2));
      assertEquals(2, a.loadSession(key("s")).orElseThrow().messages().size());
      b.deleteSession(key("s"));
      b.appendMessages(key("s"), List.of(user("b1", "new life")));
      // 'a' still has the old head cached: its version matches the new one, its generation does
      // not.
      a.appendMessages(key("s"), List.of(user("a3", "late")));
      assertEquals(
          List.of(user("b1", "new life").json(), user("a3", "late").json()), texts(key("s")));
      a.updateTags(key("s"), Set.of("t"), Set.of());
      assertEquals(2, store.getMetadata(key("s")).orElseThrow().messageCount());
    }

    @Test
    void aWriterWithAnOutdatedHeadNeverCommitsIntoAReplacedOrDeletedSession() {
      SessionStore a = open(openAnother(), true);
      SessionStore b = open(openAnother(), false);
      a.appendMessages(key("saved"), List.of(user("a1", "a1")));
      b.appendMessages(key("saved"), List.of(user("b1", "b1")));
      b.saveSession(key("saved"), List.of(user("x", "x")));
      a.appendMessages(key("saved"), List.of(user("a2", "a2")));
      assertEquals(List.of(user("x", "x").json(), user("a2", "a2").json()), texts(key("saved")));

      a.appendMessages(key("deleted"), List.of(user("a1", "a1")));
      b.appendMessages(key("deleted"), List.of(user("b1", "b1")));
      b.deleteSession(key("deleted"));
      a.appendMessages(key("deleted"), List.of(user("a2", "a2")));
      assertEquals(
          List.of(user("a2", "a2").json()), texts(key("deleted")), "a new session, with only a2");
    }

    @Test
    void savesAndDeletesRacingOtherWritersLeaveEverySessionReadable() throws Exception {
      SessionStore a = open(openAnother(), false);
      SessionStore b = open(openAnother(), false);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int round = 0; round < 15; round++) {
          SessionKey saved = key("saved-" + round);
          SessionKey deleted = key("deleted-" + round);
          a.appendMessages(deleted, users("seed", 1));
          String r = Integer.toString(round);
          Future<?> f1 =
              pool.submit(
                  () -> {
                    a.saveSession(saved, users("a" + r, 2));
                    a.deleteSession(deleted);
                    return null;
                  });
          Future<?> f2 =
              pool.submit(
                  () -> {
                    b.saveSession(saved, users("b" + r, 3));
                    b.appendMessages(deleted, users("late" + r, 1));
                    return null;
                  });
          f1.get(1, TimeUnit.MINUTES);
          f2.get(1, TimeUnit.MINUTES);
          List<String> s1 = texts(saved);
          assertTrue(
              s1.equals(texts(users("a" + r, 2))) || s1.equals(texts(users("b" + r, 3))),
              "one save won: " + s1);
          assertEquals(s1.size(), store.getMetadata(saved).orElseThrow().messageCount());
          store
              .loadSession(deleted)
              .ifPresent(
                  sess ->
                      assertEquals(
                          sess.metadata().messageCount(),
                          sess.messages().size(),
                          "readable after the race"));
        }
      } finally {
        pool.shutdownNow();
      }
    }

    // Shown failing against a backend with a planted bug in the examples' BrokenBackendsTest.
    @Test
    void aReplacedTranscriptsOldGenerationIsNeverServedShort() {
      for (int replacement : List.of(3, 7)) {
        SessionKey key = key("s" + replacement);
        store.appendMessages(key, users("old", 5));
        StoredHead old = backend.head(key).orElseThrow();
        store.saveSession(key, users("new", replacement));
        try (Stream<String> s = backend.messages(old, 0)) {
          assertEquals(
              texts(users("old", 5)), s.toList(), "an old generation is read whole or not at all");
        } catch (ConflictException gone) {
          assertNotNull(gone.getMessage(), "the reader is told to read the head again");
        }
      }
    }
  }

  /**
   * Deleting a session deletes its sub-transcripts; a delete conditioned on a version checks it.
   */
  @Nested
  public class Delete {
    @Test
    void deletingASessionDeletesItsSubpaths() {
      SessionKey main = key("s");
      store.appendMessages(main, users("m", 1));
      store.appendMessages(main.withSubpath("subagents/a"), users("a", 1));
      store.appendMessages(main.withSubpath("subagents/b/deeper"), users("b", 1));
      assertTrue(store.deleteSession(main));
      assertTrue(store.loadSession(main).isEmpty());
      assertTrue(store.loadSession(main.withSubpath("subagents/a")).isEmpty());
      assertTrue(store.loadSession(main.withSubpath("subagents/b/deeper")).isEmpty());
      assertTrue(store.listSubpaths(main).isEmpty());
      store.appendMessages(main, users("again", 1));
      assertTrue(
          store.listSubpaths(main).isEmpty(),
          "a session created again starts without sub-transcripts");
      assertEquals(texts(users("again", 1)), texts(main));
    }

    @Test
    void deletingASubpathRemovesOnlyIt() {
      SessionKey main = key("s");
      store.appendMessages(main, users("m", 1));
      store.appendMessages(main.withSubpath("subagents/a"), users("a", 1));
      store.appendMessages(main.withSubpath("subagents/b"), users("b", 1));
      assertTrue(store.deleteSession(main.withSubpath("subagents/a")));
      assertTrue(store.loadSession(main.withSubpath("subagents/a")).isEmpty());
      assertEquals(1, texts(main.withSubpath("subagents/b")).size());
      assertEquals(1, texts(main).size());
      assertEquals(List.of("subagents/b"), store.listSubpaths(main));
      assertEquals(List.of("subagents/b"), store.getMetadata(main).orElseThrow().subpaths());
    }

    @Test
    void aDeleteConditionedOnAStaleVersionDeletesNothing() {
      store.appendMessages(key("s"), users("m", 1));
      long stale = store.getMetadata(key("s")).orElseThrow().version();
      store.appendMessages(key("s"), users("n", 1));
      assertThrows(ConflictException.class, () -> backend.delete(key("s"), stale));
      assertEquals(2, texts(key("s")).size());
      assertTrue(backend.delete(key("s"), stale + 1));
      assertTrue(store.loadSession(key("s")).isEmpty());
    }
  }

  /** Listing gives sessions, never sub-transcripts, page by page. */
  @Nested
  public class Listing {
    /**
     * {@code StorageBackend.findSessions}, which a backend may answer without reading every head.
     */
    @Test
    void aSessionIdIsFoundInEveryProjectThatHoldsItAndNowhereElse() {
      store.appendMessages(SessionKey.of("p1", "shared-id"), users("a", 1));
      store.appendMessages(SessionKey.of("p2", "shared-id"), users("b", 2));
      store.appendMessages(
          SessionKey.of("p2", "shared-id").withSubpath("subagents/x"), users("c", 1));
      store.appendMessages(SessionKey.of("p3", "other-id").withSubpath("shared-id"), users("d", 1));
      store.appendMessages(SessionKey.of("p3", "shared-id-2"), users("e", 1));
      store.appendMessages(SessionKey.of("p4", "shared-id"), users("f", 1));
      store.deleteSession(SessionKey.of("p4", "shared-id"));
      List<SessionMetadata> found = store.findSessions("shared-id");
      assertEquals(
          List.of("p1/shared-id/1", "p2/shared-id/2"),
          found.stream()
              .map(m -> m.project() + "/" + m.sessionId() + "/" + m.messageCount())
              .sorted()
              .toList());
      assertTrue(store.findSessions("absent-id").isEmpty());
    }

    /** {@link SupportsOrderedListing}, when declared: the list's heads, in the search order. */
    @Test
    void anOrderedListingIsTheListInTheSearchOrder() {
      Assumptions.assumeTrue(
          backend instanceof SupportsOrderedListing,
          "the backend does not declare ordered listing");
      SupportsOrderedListing ordered = (SupportsOrderedListing) backend;
      for (int i = 0; i < 12; i++) {
        clock.set(START.plusSeconds(i % 3));
        store.appendMessages(SessionKey.of(i % 2 == 0 ? "tck" : "other", "s" + i), users("m", 1));
      }
      store.appendMessages(key("s0").withSubpath("subagents/a"), users("a", 1));
      Comparator<StoredHead> order =
          Comparator.comparing(
                  (StoredHead h) -> h.metadata().updatedAt(), Comparator.reverseOrder())
              .thenComparing(h -> h.key().project())
              .thenComparing(h -> h.key().sessionId());
      for (Scope scope : List.of(Scope.project("tck"), Scope.allProjects())) {
        List<StoredHead> expected;
        try (Stream<StoredHead> heads = backend.list(scope)) {
          expected = heads.sorted(order).toList();
        }
        try (Stream<StoredHead> heads = ordered.listInOrder(scope)) {
          assertEquals(expected, heads.toList(), scope.toString());
        }
      }
    }

    @Test
    void listingSessionsNeverListsSubpaths() {
      store.appendMessages(key("with-subs"), users("m", 1));
      store.appendMessages(key("with-subs").withSubpath("subagents/a"), users("a", 1));
      store.appendMessages(key("only-sub").withSubpath("subagents/a"), users("a", 1));
      assertEquals(List.of("with-subs"), listedIds(Scope.project("tck")));
      assertEquals(List.of("with-subs"), listedIds(Scope.allProjects()));
    }

    @Test
    void paginationVisitsEverySessionOnceInOrder() {
      for (int i = 0; i < 23; i++) {
        clock.set(START.plusSeconds(i % 5));
        store.appendMessages(key(String.format("s%02d", i)), users("m", 1));
      }
      List<SessionMetadata> all =
          store.search(SearchQuery.in(Scope.project("tck")).build()).items();
      List<SessionMetadata> paged = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        Page<SessionMetadata> page = store.listSessions(Scope.project("tck"), 5, cursor);
        assertTrue(page.items().size() <= 5);
        paged.addAll(page.items());
        cursor = page.nextCursor();
        pages++;
      } while (cursor != null);
      assertEquals(5, pages);
      assertEquals(23, all.size());
      assertEquals(all, paged);
    }

    @Test
    void aCursorStaysValidWhileSessionsAreAdded() {
      for (int i = 0; i < 10; i++) {
        clock.set(START.plusSeconds(i));
        store.appendMessages(key("old" + i), users("m", 1));
      }
      Page<SessionMetadata> first = store.listSessions(Scope.project("tck"), 4, null);
      clock.set(START.plusSeconds(100));
      store.appendMessages(key("new-newest"), users("m", 1));
      clock.set(START.plusSeconds(5));
      store.appendMessages(key("new-middle"), users("m", 1));
      Set<String> seen =
          new HashSet<>(first.items().stream().map(SessionMetadata::sessionId).toList());
      String cursor = first.nextCursor();
      while (cursor != null) {
        Page<SessionMetadata> page = store.listSessions(Scope.project("tck"), 4, cursor);
        for (SessionMetadata m : page.items()) {
          assertTrue(seen.add(m.sessionId()), "returned twice: " + m.sessionId());
        }
        cursor = page.nextCursor();
      }
      for (int i = 0; i < 10; i++) {
        assertTrue(seen.contains("old" + i), "skipped: old" + i);
      }
      assertFalse(
          seen.contains("new-newest"),
          "a session added before the cursor's position is not on later pages");
    }

    @Test
    void aMalformedCursorIsBadInput() {
      assertThrows(
          InvalidInputException.class,
          () -> store.listSessions(Scope.project("tck"), 5, "not-a-cursor"));
      assertThrows(
          InvalidInputException.class, () -> store.listSessions(Scope.project("tck"), 0, null));
    }
  }

  /**
   * The results and order of the core's search, also from a backend that answers searches itself.
   */
  @Nested
  public class Search {
    private void session(
        String project, String id, Instant updated, String cost, String summary, String... tags) {
      clock.set(updated);
      List<Message> messages = new ArrayList<>(users(id, 1));
      if (cost != null) {
        messages.add(Message.of("{\"type\":\"result\",\"total_cost_usd\":" + cost + "}"));
      }
      store.saveSession(
          SessionKey.of(project, id),
          messages,
          new SaveOptions(Set.of(tags), summary, Map.of("cwd", "/work/" + id), null));
    }

    private void searchData() {
      session("tck", "a", START.plusSeconds(10), "0.5", "Fix the LOGIN bug", "bug", "auth");
      session("tck", "b", START.plusSeconds(20), "2", null, "feature");
      session("tck", "c", START.plusSeconds(30), null, "refactor", "bug");
      session("tck", "d", START.plusSeconds(20), "1.25", null);
      session("other", "e", START.plusSeconds(40), "3", "other project", "bug");
    }

    @Test
    void searchFiltersByAllTagsAndAnyTags() {
      searchData();
      Scope tck = Scope.project("tck");
      assertEquals(List.of("c", "a"), ids(SearchQuery.in(tck).tags("bug").build()));
      assertEquals(List.of("a"), ids(SearchQuery.in(tck).tags("bug", "auth").build()));
      assertEquals(List.of("b", "a"), ids(SearchQuery.in(tck).anyTags("feature", "auth").build()));
      assertEquals(
          List.of(), ids(SearchQuery.in(tck).tags("Bug").build()), "tags are case-sensitive");
      assertEquals(
          List.of("e", "c", "a"), ids(SearchQuery.in(Scope.allProjects()).tags("bug").build()));
    }

    @Test
    void searchFiltersByTimeAndCost() {
      searchData();
      Scope tck = Scope.project("tck");
      assertEquals(
          List.of("c", "b", "d"),
          ids(SearchQuery.in(tck).updatedAfter(START.plusSeconds(20)).build()));
      assertEquals(
          List.of("a"), ids(SearchQuery.in(tck).updatedBefore(START.plusSeconds(20)).build()));
      assertEquals(
          List.of("b", "d"),
          ids(
              SearchQuery.in(tck)
                  .createdAfter(START.plusSeconds(15))
                  .createdBefore(START.plusSeconds(30))
                  .build()));
      assertEquals(
          List.of("b", "d"), ids(SearchQuery.in(tck).minCost(new BigDecimal("1")).build()));
      assertEquals(
          List.of("c", "a"), ids(SearchQuery.in(tck).maxCost(new BigDecimal("0.5")).build()));
      assertEquals(
          List.of("d"),
          ids(
              SearchQuery.in(tck)
                  .minCost(new BigDecimal("1.25"))
                  .maxCost(new BigDecimal("1.25"))
                  .build()));
    }

    /** An assistant line of one API message on claude-haiku-4-5 ($1 per million input tokens). */
    private Message usageLine(String id, long inputTokens) {
      return Message.of(
          "{\"type\":\"assistant\",\"uuid\":\""
              + id
              + "\",\"requestId\":\"req_"
              + id
              + "\",\"message\":{\"id\":\"msg_"
              + id
              + "\",\"model\":\"claude-haiku-4-5-20251001\",\"usage\":{\"input_tokens\":"
              + inputTokens
              + ",\"output_tokens\":0}}}");
    }

    @Test
    void searchFiltersByTokensAndByEstimatedCost() {
      clock.set(START.plusSeconds(1));
      store.appendMessages(key("big"), List.of(usageLine("b1", 600_000), usageLine("b2", 400_000)));
      clock.set(START.plusSeconds(2));
      store.appendMessages(key("small"), List.of(usageLine("s1", 10)));
      clock.set(START.plusSeconds(3));
      store.appendMessages(key("none"), users("n", 1));
      Scope tck = Scope.project("tck");
      assertEquals(List.of("big"), ids(SearchQuery.in(tck).minTokens(11L).build()));
      assertEquals(List.of("none", "small"), ids(SearchQuery.in(tck).maxTokens(10L).build()));
      assertEquals(List.of("small"), ids(SearchQuery.in(tck).minTokens(1L).maxTokens(10L).build()));
      // Estimated cost is cost: 1,000,000 tokens at $1 per million.
      assertEquals(List.of("big"), ids(SearchQuery.in(tck).minCost(new BigDecimal("1")).build()));
      assertEquals(
          List.of("none", "small"),
          ids(SearchQuery.in(tck).maxCost(new BigDecimal("0.00001")).build()));
    }

    /** {@link #usageLine} at a time of its own ({@code timestamp}), as Claude Code writes it. */
    private Message usageLineAt(String id, long inputTokens, String timestamp) {
      String line = usageLine(id, inputTokens).json();
      return Message.of(
          line.substring(0, line.length() - 1) + ",\"timestamp\":\"" + timestamp + "\"}");
    }

    @Test
    void usageByDaySplitsASessionByWhenItsMessagesHappenedFromHeadsAlone() {
      SessionKey k = key("two-days");
      clock.set(Instant.parse("2026-01-01T23:40:00Z"));
      store.appendMessages(k, List.of(usageLineAt("d1", 1_000, "2026-01-01T23:30:00Z")));
      // Resumed after midnight, with a subagent.
      clock.set(Instant.parse("2026-01-02T00:40:00Z"));
      store.appendMessages(k, List.of(usageLineAt("d2", 2_000, "2026-01-02T00:30:00Z")));
      store.appendMessages(
          k.withSubpath("subagents/agent-1"),
          List.of(usageLineAt("d3", 4_000, "2026-01-02T00:35:00Z")));
      SessionStore other = open(openAnother(), false);
      io.sessionstore.api.UsageReport r =
          other.usageReport(
              SearchQuery.in(Scope.project("tck")).build(),
              io.sessionstore.api.UsageGrouping.DAY,
              java.time.ZoneOffset.UTC);
      List<String> days = new ArrayList<>();
      List<Long> tokens = new ArrayList<>();
      for (io.sessionstore.api.UsageReport.Row row : r.rows()) {
        days.add(row.key().get("date"));
        tokens.add(row.inputTokens());
        assertEquals(1, row.sessions());
      }
      assertEquals(List.of("2026-01-01", "2026-01-02"), days, "the day each message happened");
      assertEquals(List.of(1_000L, 6_000L), tokens);
      assertEquals(0, new BigDecimal("0.001").compareTo(r.rows().get(0).costUsd()));
      assertEquals(0, new BigDecimal("0.006").compareTo(r.rows().get(1).costUsd()));
      assertEquals(7_000, r.total().inputTokens());
      assertEquals(1, r.total().sessions());
      // In a zone an hour behind, all of it is on the first.
      assertEquals(
          1,
          other
              .usageReport(
                  SearchQuery.in(Scope.project("tck")).build(),
                  io.sessionstore.api.UsageGrouping.DAY,
                  java.time.ZoneOffset.ofHours(-1))
              .rows()
              .size());
    }

    @Test
    void searchFindsTextInSummaryTagsAndAttributesIgnoringCase() {
      searchData();
      Scope tck = Scope.project("tck");
      assertEquals(List.of("a"), ids(SearchQuery.in(tck).text("login").build()));
      assertEquals(List.of("b"), ids(SearchQuery.in(tck).text("FEAT").build()));
      assertEquals(List.of("d"), ids(SearchQuery.in(tck).text("/work/d").build()));
      assertEquals(List.of("c", "a"), ids(SearchQuery.in(tck).text("bug").build()));
    }

    @Test
    void searchMatchesAndOrdersNonAsciiTextAsTheCoreDoes() {
      Instant t = START.plus(Duration.ofDays(1));
      // UTF-16 order (the core's) and UTF-8 byte order differ here: U+FF01 sorts after the emoji in
      // one, before in
      // the other.
      for (String id : List.of("\uff01", "\ud83d\ude00", "é", "e", "Z", "日本")) {
        session("tck", id, t, null, "Émile über " + id);
      }
      session("tck", "upper", t.minusSeconds(1), null, "ÉMILE ÜBER");
      session("tck", "other", t.minusSeconds(2), null, "emile uber");
      assertEquals(
          List.of("Z", "e", "é", "日本", "\ud83d\ude00", "\uff01", "upper"),
          ids(SearchQuery.in(Scope.project("tck")).text("émile Ü").build()));
      assertEquals(
          List.of("Z", "e", "é", "日本", "\ud83d\ude00", "\uff01", "upper", "other"),
          ids(SearchQuery.in(Scope.project("tck")).build()));
    }

    @Test
    void searchOrdersByUpdatedTimeDescendingThenProjectThenId() {
      clock.set(START);
      store.appendMessages(SessionKey.of("p2", "x"), users("x", 1));
      store.appendMessages(SessionKey.of("p1", "y"), users("y", 1));
      store.appendMessages(SessionKey.of("p1", "x"), users("x", 1));
      clock.set(START.plusSeconds(1));
      store.appendMessages(SessionKey.of("p3", "a"), users("a", 1));
      List<String> order =
          store.search(SearchQuery.in(Scope.allProjects()).build()).items().stream()
              .map(m -> m.project() + "/" + m.sessionId())
              .toList();
      assertEquals(List.of("p3/a", "p1/x", "p1/y", "p2/x"), order);
    }

    @Test
    void searchReturnsNothingWhenNothingMatches() {
      searchData();
      Page<SessionMetadata> page =
          store.search(SearchQuery.in(Scope.project("tck")).tags("nosuchtag").build());
      assertTrue(page.items().isEmpty());
      assertFalse(page.hasNext());
      assertTrue(store.search(SearchQuery.in(Scope.project("empty")).build()).items().isEmpty());
    }
  }

  /**
   * What one store wrote, another on the same storage reads; a caching store sees its own writes at
   * once.
   */
  @Nested
  public class DurabilityAndCaching {
    @Test
    void everythingWrittenIsThereForAnotherInstance() {
      store.saveSession(key("s"), users("m", 3), SaveOptions.tags("t").withSummary("sum"));
      store.appendMessages(key("s").withSubpath("subagents/a"), users("a", 2));
      store.updateTags(key("s"), Set.of("u"), Set.of());
      SessionMetadata written = store.getMetadata(key("s")).orElseThrow();
      SessionStore other = open(openAnother(), false);
      assertEquals(written, other.getMetadata(key("s")).orElseThrow());
      assertEquals(
          texts(users("m", 3)),
          other.loadSession(key("s")).orElseThrow().messages().stream()
              .map(Message::json)
              .toList());
      assertEquals(List.of("subagents/a"), other.listSubpaths(key("s")));
      assertEquals(
          List.of("s"),
          other.listSessions(Scope.project("tck"), 10, null).items().stream()
              .map(SessionMetadata::sessionId)
              .toList());
    }

    @Test
    void aCachingStoreSeesItsOwnWritesAtOnce() {
      SessionStore cached = open(openAnother(), true);
      cached.appendMessages(key("s"), users("a", 1));
      assertEquals(1, cached.loadSession(key("s")).orElseThrow().messages().size());
      cached.appendMessages(key("s"), users("b", 1));
      assertEquals(2, cached.loadSession(key("s")).orElseThrow().messages().size());
      assertEquals(2, cached.getMetadata(key("s")).orElseThrow().messageCount());
      cached.updateTags(key("s"), Set.of("x"), Set.of());
      assertEquals(List.of("x"), cached.loadSession(key("s")).orElseThrow().metadata().tags());
      cached.deleteSession(key("s"));
      assertTrue(cached.loadSession(key("s")).isEmpty());
      assertTrue(cached.getMetadata(key("s")).isEmpty());
    }

    @Test
    void aReadRacingAWriteNeverLeavesTheCacheBehindTheStoresOwnWrites() throws Exception {
      SessionStore cached = open(openAnother(), true);
      cached.appendMessages(key("s"), users("m", 1));
      for (int round = 0; round < 30; round++) {
        String uuid = "r" + round;
        Thread reader =
            new Thread(
                () -> {
                  for (int i = 0; i < 20; i++) {
                    cached.loadSession(key("s"));
                    cached.getMetadata(key("s"));
                  }
                });
        reader.start();
        cached.appendMessages(key("s"), List.of(user(uuid, uuid)));
        reader.join();
        assertEquals(
            round + 2,
            cached.loadSession(key("s")).orElseThrow().messages().size(),
            "round " + round);
        assertEquals(
            round + 2, cached.getMetadata(key("s")).orElseThrow().messageCount(), "round " + round);
      }
    }
  }

  /** An export imports back as it was, and an import merges with what is stored. */
  @Nested
  public class Archives {
    @Test
    void anExportImportsBackWithTheSameMessagesAndTimestamps() {
      String transcript = Fixtures.transcriptWithSubagents();
      store.saveSession(
          key("t"), Fixtures.messages(transcript), SaveOptions.tags("x").withSummary("s"));
      for (String[] sub : Fixtures.subagentsOf(transcript)) {
        store.saveSession(key("t").withSubpath(sub[0]), Fixtures.messages(sub[1]));
      }
      clock.advance(Duration.ofDays(1));
      store.appendMessages(key("u"), users("m", 2));
      SessionMetadata t = store.getMetadata(key("t")).orElseThrow();
      SessionMetadata u = store.getMetadata(key("u")).orElseThrow();
      byte[] archive = export(Scope.project("tck"));
      assertTrue(
          new String(archive, StandardCharsets.UTF_8)
              .startsWith("{\"format\":\"sessionstore-archive\""));

      store.deleteSession(key("t"));
      store.deleteSession(key("u"));
      clock.advance(Duration.ofDays(1));
      ImportResult r = importBytes(archive);
      assertEquals(2, r.created());
      assertTrue(r.rejected().isEmpty());
      assertEquals(Fixtures.lines(transcript), texts(key("t")));
      for (String[] sub : Fixtures.subagentsOf(transcript)) {
        assertEquals(Fixtures.lines(sub[1]), texts(key("t").withSubpath(sub[0])));
      }
      SessionMetadata t2 = store.getMetadata(key("t")).orElseThrow();
      assertEquals(t.createdAt(), t2.createdAt());
      assertEquals(t.updatedAt(), t2.updatedAt());
      assertEquals(t.tags(), t2.tags());
      assertEquals(t.summary(), t2.summary());
      assertEquals(t.subpaths(), t2.subpaths());
      assertEquals(u.updatedAt(), store.getMetadata(key("u")).orElseThrow().updatedAt());

      long version = t2.version();
      ImportResult again = importBytes(archive);
      assertEquals(0, again.created());
      assertEquals(2, again.unchanged());
      assertEquals(0, again.messages());
      assertEquals(
          version,
          store.getMetadata(key("t")).orElseThrow().version(),
          "a re-import changes nothing");
    }

    @Test
    void anImportExtendsAStoredPrefixAndLeavesDivergedSessionsAlone() {
      store.appendMessages(key("grow"), users("m", 5));
      store.appendMessages(key("fork"), users("f", 3));
      byte[] archive = export(Scope.project("tck"));
      store.saveSession(key("grow"), users("m", 2));
      store.saveSession(key("fork"), users("other", 3));
      store.updateTags(key("grow"), Set.of("mine"), Set.of());
      ImportResult r = importBytes(archive);
      assertEquals(1, r.extended());
      assertEquals(List.of(key("fork")), r.diverged());
      assertEquals(3, r.messages());
      assertEquals(texts(users("m", 5)), texts(key("grow")));
      assertEquals(List.of("mine"), store.getMetadata(key("grow")).orElseThrow().tags());
      assertEquals(texts(users("other", 3)), texts(key("fork")));
      ImportResult replaced =
          store.importSessions(new ByteArrayInputStream(archive), new ImportOptions(true));
      assertEquals(1, replaced.replaced());
      assertEquals(texts(users("f", 3)), texts(key("fork")));
    }

    @Test
    void oneSessionGivenAsValuesMergesWithTheArchiveRules() {
      java.time.Instant created = java.time.Instant.parse("2025-01-02T03:04:05Z");
      SessionMetadata m =
          SessionMetadata.of(key("given"), created)
              .withUpdatedAt(created.plusSeconds(60))
              .withSummary("given")
              .withAttributes(java.util.Map.of("format", "other"));
      ImportOptions options = new ImportOptions(false);
      ImportResult r =
          store.importSession(
              m, users("m", 2), java.util.Map.of("subagents/a", users("a", 1)), options);
      assertEquals(1, r.created());
      assertEquals(3, r.messages());
      SessionMetadata stored = store.getMetadata(key("given")).orElseThrow();
      assertEquals(created, stored.createdAt());
      assertEquals(created.plusSeconds(60), stored.updatedAt());
      assertEquals("given", stored.summary());
      assertEquals(2, stored.messageCount());
      assertEquals(List.of("subagents/a"), store.listSubpaths(key("given")));
      assertEquals(
          1,
          store
              .importSession(
                  m, users("m", 3), java.util.Map.of("subagents/a", users("a", 1)), options)
              .extended());
      assertEquals(texts(users("m", 3)), texts(key("given")));
      assertEquals(
          1,
          store
              .importSession(
                  m, users("m", 3), java.util.Map.of("subagents/a", users("a", 1)), options)
              .unchanged());
      assertEquals(
          List.of(key("given")),
          store.importSession(m, users("other", 3), java.util.Map.of(), options).diverged());
      assertEquals(
          texts(users("m", 3)), texts(key("given")), "nothing of a diverged session is written");
    }

    @Test
    void aTailIsAppendedAsItIsOnlyWhileEachTranscriptIsWhereTheCallerSawIt() {
      java.time.Instant created = java.time.Instant.parse("2025-01-02T03:04:05Z");
      SessionMetadata m =
          SessionMetadata.of(key("tail"), created)
              .withUpdatedAt(created.plusSeconds(60))
              .withSummary("first")
              .withAttributes(java.util.Map.of("format", "other"));
      ImportOptions options = new ImportOptions(false, true, null);
      store.importSession(
          m, users("m", 2), java.util.Map.of("subagents/a", users("a", 1)), options);
      SessionMetadata main = store.getMetadata(key("tail")).orElseThrow();
      SessionMetadata sub = store.getMetadata(key("tail").withSubpath("subagents/a")).orElseThrow();

      // A message repeated with its uuid is appended all the same: a tail is stored as it is.
      List<Message> more = List.of(users("m", 3).get(2), users("m", 3).get(2));
      ImportResult r =
          store.importSessionTail(
              m.withUpdatedAt(created.plusSeconds(120)).withSummary("later"),
              new io.sessionstore.api.TranscriptTail(main.version(), 2, more),
              java.util.Map.of(
                  "subagents/a",
                  new io.sessionstore.api.TranscriptTail(sub.version(), 1, users("b", 1)),
                  "subagents/new",
                  io.sessionstore.api.TranscriptTail.create(users("n", 2))),
              options);
      assertEquals(1, r.extended());
      assertEquals(5, r.messages());
      List<String> expected = new ArrayList<>(texts(users("m", 2)));
      expected.addAll(texts(more));
      assertEquals(expected, texts(key("tail")));
      List<String> subExpected = new ArrayList<>(texts(users("a", 1)));
      subExpected.addAll(texts(users("b", 1)));
      assertEquals(subExpected, texts(key("tail").withSubpath("subagents/a")));
      assertEquals(texts(users("n", 2)), texts(key("tail").withSubpath("subagents/new")));
      SessionMetadata after = store.getMetadata(key("tail")).orElseThrow();
      assertEquals(4, after.messageCount());
      assertEquals(created, after.createdAt());
      assertEquals(created.plusSeconds(120), after.updatedAt());
      assertEquals("later", after.summary());
      assertEquals(List.of("subagents/a", "subagents/new"), after.subpaths());

      // Another writer appended since: nothing of the tail is written.
      store.appendMessages(key("tail"), users("other", 1));
      long version = store.getMetadata(key("tail")).orElseThrow().version();
      assertThrows(
          ConflictException.class,
          () ->
              store.importSessionTail(
                  m,
                  new io.sessionstore.api.TranscriptTail(after.version(), 4, users("x", 1)),
                  java.util.Map.of(),
                  options));
      // A stale sub-transcript refuses the whole tail, the main transcript's part too.
      SessionMetadata now = store.getMetadata(key("tail")).orElseThrow();
      assertThrows(
          ConflictException.class,
          () ->
              store.importSessionTail(
                  m,
                  new io.sessionstore.api.TranscriptTail(now.version(), 5, users("x", 1)),
                  java.util.Map.of(
                      "subagents/new", io.sessionstore.api.TranscriptTail.create(users("n", 1))),
                  options));
      assertEquals(version, store.getMetadata(key("tail")).orElseThrow().version());
      assertEquals(5, texts(key("tail")).size());
      assertEquals(texts(users("n", 2)), texts(key("tail").withSubpath("subagents/new")));
      // A session deleted since is not there to extend.
      store.deleteSession(key("tail"));
      assertThrows(
          ConflictException.class,
          () ->
              store.importSessionTail(
                  m,
                  new io.sessionstore.api.TranscriptTail(now.version(), 5, users("x", 1)),
                  java.util.Map.of(),
                  options));
      assertFalse(store.getMetadata(key("tail")).isPresent());
    }

    @Test
    void aSessionWithADivergedSubTranscriptIsReportedDivergedAndLeftAlone() {
      store.appendMessages(key("s"), users("m", 2));
      store.appendMessages(key("s").withSubpath("subagents/x"), users("x", 2));
      byte[] archive = export(Scope.project("tck"));
      store.saveSession(key("s").withSubpath("subagents/x"), users("changed", 2));
      store.saveSession(key("s"), users("m", 1));
      long version = store.getMetadata(key("s")).orElseThrow().version();
      ImportResult r = importBytes(archive);
      assertEquals(List.of(key("s")), r.diverged());
      assertEquals(0, r.extended());
      assertEquals(0, r.messages());
      assertEquals(
          texts(users("m", 1)), texts(key("s")), "nothing of a diverged session is written");
      assertEquals(version, store.getMetadata(key("s")).orElseThrow().version());
    }

    @Test
    void aMalformedArchiveLineIsReportedAndTheOthersImported() {
      String header = "{\"version\": 1, \"format\": \"sessionstore-archive\"}\n";
      String good =
          "{\"sessionId\":\"good\",\"createdAt\":\"2020-01-01T00:00:00Z\",\"updatedAt\":\"2020-01-02T00:00:00Z\","
              + "\"tags\":[\"old\"],\"messages\":["
              + user("g", "good").json()
              + "]}\n";
      String badJson = "{\"sessionId\":\"bad\",\n";
      String badMessage =
          "{\"sessionId\":\"bad2\",\"createdAt\":\"2020-01-01T00:00:00Z\",\"updatedAt\":\"2020-01-01T00:00:00Z\","
              + "\"tags\":[],\"messages\":["
              + user("b", "ok").json()
              + ",[1]]}\n";
      String badId =
          "{\"sessionId\":\"../x\",\"createdAt\":\"2020-01-01T00:00:00Z\",\"updatedAt\":\"2020-01-01T00:00:00Z\","
              + "\"tags\":[],\"messages\":[]}\n";
      String archive = header + badJson + good + badMessage + badId;
      ImportResult r =
          store.importSessions(
              new ByteArrayInputStream(archive.getBytes(StandardCharsets.UTF_8)),
              ImportOptions.DEFAULTS);
      assertEquals(1, r.created());
      assertEquals(
          List.of(2L, 4L, 5L), r.rejected().stream().map(ImportResult.Rejection::line).toList());
      SessionMetadata good2 =
          store.getMetadata(SessionKey.of(store.defaultProject(), "good")).orElseThrow();
      assertEquals(Instant.parse("2020-01-02T00:00:00Z"), good2.updatedAt());
      assertEquals(List.of("old"), good2.tags());
      assertTrue(store.getMetadata(SessionKey.of(store.defaultProject(), "bad2")).isEmpty());
    }

    @Test
    void gzipArchivesAreDetectedWhateverTheirName() throws IOException {
      store.appendMessages(key("s"), users("m", 3));
      byte[] plain = export(Scope.project("tck"));
      ByteArrayOutputStream zipped = new ByteArrayOutputStream();
      try (var gz = new java.util.zip.GZIPOutputStream(zipped)) {
        gz.write(plain);
      }
      store.deleteSession(key("s"));
      assertEquals(1, importBytes(zipped.toByteArray()).created());
      assertEquals(texts(users("m", 3)), texts(key("s")));
    }

    @Test
    void exportWritesEveryMatchingSessionAcrossPages() throws IOException {
      for (int i = 0; i < 30; i++) {
        store.appendMessages(key("s" + i), users("m", 1));
      }
      String archive = new String(export(Scope.project("tck")), StandardCharsets.UTF_8);
      List<String> lines = archive.lines().toList();
      assertEquals(31, lines.size());
      Set<String> ids = new HashSet<>();
      for (String line : lines.subList(1, lines.size())) {
        JsonNode n = JSON.readTree(line);
        ids.add(n.get("sessionId").asText());
        assertEquals("tck", n.get("project").asText());
      }
      assertEquals(IntStream.range(0, 30).mapToObj(i -> "s" + i).collect(Collectors.toSet()), ids);
    }
  }

  /**
   * What an adversarial user sends is stored as it is or refused whole, and the store stays usable.
   */
  @Nested
  public class HostileInput {
    @Test
    void implausibleCostsAndTurnsAreIgnoredAndTheWholeStoreStaysUsable() {
      store.appendMessages(key("normal"), users("n", 1));
      List<String> poison =
          List.of(
              "{\"type\":\"result\",\"uuid\":\"c1\",\"total_cost_usd\":1e1000}",
              "{\"type\":\"result\",\"uuid\":\"c2\",\"total_cost_usd\":1e999999999,\"num_turns\":99999999999999999999999}",
              "{\"type\":\"result\",\"uuid\":\"c3\",\"total_cost_usd\":1e-999999999,\"num_turns\":-5}",
              "{\"type\":\"assistant\",\"uuid\":\"c4\",\"costUSD\":-1e1000,\"message\":{\"id\":\"x\"}}",
              "{\"type\":\"result\",\"uuid\":\"c5\",\"cost_usd\":0.5,\"num_turns\":3}");
      assertEquals(
          5,
          store.appendMessages(key("poison"), poison.stream().map(Message::of).toList()).stored());
      SessionMetadata m = store.getMetadata(key("poison")).orElseThrow();
      assertEquals(
          0,
          new BigDecimal("0.5").compareTo(m.totalCostUsd()),
          "costs no session could have are ignored");
      assertEquals(3, m.turns());
      assertEquals(poison, texts(key("poison")));

      // Another instance reads it all back: listing, search, export, and the import of that export.
      SessionStore other = open(openAnother(), false);
      assertEquals(
          Set.of("normal", "poison"),
          other.search(SearchQuery.in(Scope.project("tck")).build()).items().stream()
              .map(SessionMetadata::sessionId)
              .collect(Collectors.toSet()));
      ByteArrayOutputStream archive = new ByteArrayOutputStream();
      assertEquals(
          2,
          other.exportSessions(SearchQuery.in(Scope.project("tck")).build(), archive).sessions());
      other.deleteSession(key("poison"));
      ImportResult r =
          other.importSessions(
              new ByteArrayInputStream(archive.toByteArray()), ImportOptions.DEFAULTS);
      assertEquals(List.of(), r.rejected());
      assertEquals(1, r.created());
      assertEquals(poison, texts(key("poison")));
    }

    @Test
    void aMessageNestedAsDeeplyAsTheStoreAllowsSurvivesExportAndImport() {
      int depth = 5_000;
      String deep =
          "{\"type\":\"user\",\"d\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
      SessionKey sub = key("deep").withSubpath("subagents/a");
      store.appendMessages(key("deep"), List.of(Message.of(deep)));
      store.appendMessages(sub, List.of(Message.of(deep)));
      byte[] archive = export(Scope.project("tck"));
      store.deleteSession(key("deep"));
      ImportResult r = importBytes(archive);
      assertEquals(List.of(), r.rejected(), "what the store accepts, its archive carries");
      assertEquals(List.of(deep), texts(key("deep")));
      assertEquals(List.of(deep), texts(sub));
      String deeper = "{\"d\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
      assertThrows(
          InvalidInputException.class,
          () -> store.appendMessages(key("deeper"), List.of(Message.of(deeper))));
      assertTrue(store.getMetadata(key("deeper")).isEmpty());
    }

    @Test
    void spaceAroundAMessagesObjectSurvivesExportAndImport() {
      List<String> spaced =
          List.of(" {\"type\":\"user\",\"uuid\":\"s1\"} ", "\t{\"type\":\"user\"}\r");
      store.appendMessages(key("spaced"), spaced.stream().map(Message::of).toList());
      byte[] archive = export(Scope.project("tck"));
      store.deleteSession(key("spaced"));
      assertEquals(1, importBytes(archive).created());
      assertEquals(spaced, texts(key("spaced")));
    }

    @Test
    void archiveTimesBeyondFourDigitYearsAreRejectedLines() {
      String header = "{\"format\":\"sessionstore-archive\",\"version\":1}\n";
      StringBuilder archive = new StringBuilder(header);
      for (String[] times :
          List.of(
              new String[] {"+1000000000-01-01T00:00:00Z", "+1000000000-01-01T00:00:00Z"},
              new String[] {"2020-01-01T00:00:00Z", "+10000-01-01T00:00:00Z"},
              new String[] {"-0001-01-01T00:00:00Z", "2020-01-01T00:00:00Z"},
              new String[] {"2020-01-01T00:00:00.123456789Z", "2020-01-02T00:00:00Z"})) {
        archive
            .append("{\"project\":\"tck\",\"sessionId\":\"t")
            .append(archive.length())
            .append("\",\"createdAt\":\"")
            .append(times[0])
            .append("\",\"updatedAt\":\"")
            .append(times[1])
            .append("\",\"tags\":[],\"messages\":[")
            .append(user("u", "x").json())
            .append("]}\n");
      }
      ImportResult r = importBytes(archive.toString().getBytes(StandardCharsets.UTF_8));
      assertEquals(
          List.of(2L, 3L, 4L), r.rejected().stream().map(ImportResult.Rejection::line).toList());
      assertEquals(1, r.created());
      List<SessionMetadata> stored =
          store.search(SearchQuery.in(Scope.project("tck")).build()).items();
      assertEquals(1, stored.size());
      assertEquals(
          Instant.parse("2020-01-01T00:00:00.123Z"),
          stored.get(0).createdAt(),
          "kept to the millisecond");
    }

    @Test
    void aTruncatedOrDamagedGzipArchiveImportsItsWholeLinesAndEnds() throws IOException {
      for (int i = 0; i < 20; i++) {
        store.appendMessages(key("s" + i), users("m" + i, 5));
      }
      byte[] zipped = gzip(export(Scope.project("tck")));
      byte[] truncated = java.util.Arrays.copyOf(zipped, zipped.length * 2 / 3);
      byte[] damaged = zipped.clone();
      damaged[damaged.length / 2] ^= 0x55;
      for (byte[] archive : List.of(truncated, damaged, java.util.Arrays.copyOf(zipped, 183))) {
        for (int i = 0; i < 20; i++) {
          store.deleteSession(key("s" + i));
        }
        String last;
        try {
          ImportResult r = importBytes(archive);
          // Damaged data may decode into a few bad lines before the damage is detected; then
          // reading ends.
          assertEquals(
              archive == damaged ? r.rejected().size() : 1,
              r.rejected().size(),
              r.rejected().toString());
          last = r.rejected().get(r.rejected().size() - 1).reason();
        } catch (InvalidInputException e) {
          last = e.getMessage(); // damaged before the end of the header: not an archive at all
        }
        assertTrue(last.contains("truncated or damaged"), last);
        for (SessionMetadata m :
            store.search(SearchQuery.in(Scope.project("tck")).build()).items()) {
          String i = m.sessionId().substring(1);
          assertEquals(
              texts(users("m" + i, 5)), texts(m.key()), "a session comes in whole or not at all");
        }
      }
    }

    private static byte[] gzip(byte[] plain) throws IOException {
      ByteArrayOutputStream zipped = new ByteArrayOutputStream();
      try (var gz = new java.util.zip.GZIPOutputStream(zipped)) {
        gz.write(plain);
      }
      return zipped.toByteArray();
    }
  }

  /**
   * {@code lastActivityAt}: the newest message timestamp (sub-transcripts included), else the time
   * the newest message was written; changes of tags, summary or attributes are not activity. Date
   * filters ({@code activeAfter}/{@code activeBefore}) and cleanup use it, and every backend keeps
   * and searches it as it does {@code updatedAt}.
   */
  @Nested
  public class LastActivity {
    private Message at(String uuid, String timestamp) {
      return Message.of(
          "{\"type\":\"user\",\"uuid\":\""
              + uuid
              + "\",\"timestamp\":\""
              + timestamp
              + "\",\"message\":{\"role\":\"user\",\"content\":\"hi\"}}");
    }

    @Test
    void taggingAndDescribingDoNotMoveLastActivity() {
      store.appendMessages(key("s"), users("m", 2));
      clock.advance(Duration.ofDays(10));
      store.updateTags(key("s"), Set.of("later"), Set.of());
      SessionMetadata m =
          store.updateMetadata(key("s"), MetadataUpdate.attributes(Map.of("k", "v"), Set.of()));
      assertEquals(START.plus(Duration.ofDays(10)), m.updatedAt(), "updatedAt moves");
      assertEquals(START, m.lastActivityAt(), "lastActivityAt does not");
      SessionStore other = open(openAnother(), false);
      assertEquals(START, other.getMetadata(key("s")).orElseThrow().lastActivityAt());
      assertEquals(
          START,
          other
              .search(SearchQuery.in(Scope.project("tck")).build())
              .items()
              .get(0)
              .lastActivityAt(),
          "the listing keeps it too");

      clock.advance(Duration.ofSeconds(5));
      m = store.appendMessages(key("s"), users("n", 1)).metadata();
      assertEquals(START.plus(Duration.ofDays(10)).plusSeconds(5), m.lastActivityAt());
    }

    @Test
    void lastActivityIsTheNewestMessageTimestampSubTranscriptsIncluded() {
      store.appendMessages(
          key("t"), List.of(at("a", "2025-02-01T09:00:00.000Z"), at("b", "2025-02-03T10:00:00Z")));
      assertEquals(
          Instant.parse("2025-02-03T10:00:00Z"),
          store.getMetadata(key("t")).orElseThrow().lastActivityAt(),
          "its own timestamp, not the time it was written");
      store.appendMessages(
          key("t").withSubpath("subagents/a"), List.of(at("c", "2025-02-04T08:30:00+01:00")));
      assertEquals(
          Instant.parse("2025-02-04T07:30:00Z"),
          store.getMetadata(key("t")).orElseThrow().lastActivityAt(),
          "a sub-transcript's message is the session's activity");
      assertEquals(
          Instant.parse("2025-02-04T07:30:00Z"),
          open(openAnother(), false).getMetadata(key("t")).orElseThrow().lastActivityAt());
    }

    @Test
    void dateFiltersAndCleanupUseLastActivityAndSpareKeptTags() {
      store.appendMessages(key("feb"), List.of(at("a", "2025-02-01T09:00:00Z")));
      store.appendMessages(key("kept"), List.of(at("b", "2025-02-01T09:00:00Z")));
      store.updateTags(key("kept"), Set.of("keep"), Set.of());
      clock.advance(Duration.ofSeconds(30));
      store.appendMessages(key("now"), users("m", 1));
      Scope tck = Scope.project("tck");
      Instant march = Instant.parse("2025-03-01T00:00:00Z");

      assertEquals(List.of("now"), ids(SearchQuery.in(tck).activeAfter(march).build()));
      assertEquals(
          List.of("feb", "kept"),
          ids(SearchQuery.in(tck).activeBefore(march).build()).stream().sorted().toList());
      assertEquals(
          List.of("feb", "kept", "now"),
          ids(SearchQuery.in(tck).updatedAfter(march).build()).stream().sorted().toList(),
          "updatedAt is the time of the writes");

      CleanupResult dry =
          store.cleanupOldSessions(
              Duration.ofDays(30), tck, Set.of("keep"), true, ProgressListener.NONE);
      assertEquals(List.of("feb"), dry.removed().stream().map(SessionMetadata::sessionId).toList());
      assertEquals(
          1,
          store
              .cleanupOldSessions(
                  Duration.ofDays(30), tck, Set.of("keep"), false, ProgressListener.NONE)
              .count());
      assertTrue(store.getMetadata(key("feb")).isEmpty(), "last active in February: removed");
      assertTrue(store.getMetadata(key("kept")).isPresent(), "a kept tag spares it");
      assertTrue(store.getMetadata(key("now")).isPresent());
      assertThrows(
          InvalidInputException.class,
          () ->
              store.cleanupOldSessions(
                  Duration.ofDays(30), tck, Set.of(""), true, ProgressListener.NONE));
    }

    @Test
    void sessionsCanBeFoundByAnIdPrefix() {
      store.appendMessages(key("abcd1234"), users("m", 1));
      store.appendMessages(key("abcd5678"), users("m", 1));
      store.appendMessages(SessionKey.of("other", "abcd1299"), users("m", 1));
      store.appendMessages(key("abcd1234").withSubpath("subagents/abcd1234x"), users("s", 1));
      assertEquals(
          List.of("abcd1234", "abcd1299"),
          store.findSessionsByPrefix(Scope.allProjects(), "abcd12").stream()
              .map(SessionMetadata::sessionId)
              .sorted()
              .toList());
      assertEquals(
          List.of("abcd1234"),
          store.findSessionsByPrefix(Scope.project("tck"), "abcd12").stream()
              .map(SessionMetadata::sessionId)
              .toList());
      assertEquals(
          List.of("abcd1234"),
          store.findSessionsByPrefix(Scope.allProjects(), "abcd1234").stream()
              .map(SessionMetadata::sessionId)
              .toList(),
          "the whole id matches itself; sub-transcripts are never sessions");
      assertEquals(List.of(), store.findSessionsByPrefix(Scope.allProjects(), "abcd.*"));
      assertEquals(List.of(), store.findSessionsByPrefix(Scope.allProjects(), "bcd"));
    }
  }

  /**
   * Old sessions are removed whole; a backend's own housekeeping never removes what a head refers
   * to.
   */
  @Nested
  public class CleanupAndHousekeeping {
    @Test
    void cleanupRemovesSessionsNotUpdatedForTheMaxAgeWithTheirSubpaths() {
      clock.set(START);
      store.appendMessages(key("old"), users("m", 1));
      store.appendMessages(key("old").withSubpath("subagents/a"), users("a", 1));
      store.appendMessages(SessionKey.of("elsewhere", "old-too"), users("m", 1));
      clock.set(START.plus(Duration.ofDays(20)));
      store.appendMessages(key("fresh"), users("m", 1));
      clock.set(START.plus(Duration.ofDays(31)));

      CleanupResult dry = store.cleanupOldSessions(Duration.ofDays(30), Scope.project("tck"), true);
      assertTrue(dry.dryRun());
      assertEquals(List.of("old"), dry.removed().stream().map(SessionMetadata::sessionId).toList());
      assertTrue(store.loadSession(key("old")).isPresent(), "a dry run removes nothing");

      CleanupResult done =
          store.cleanupOldSessions(Duration.ofDays(30), Scope.project("tck"), false);
      assertEquals(1, done.count());
      assertTrue(store.loadSession(key("old")).isEmpty());
      assertTrue(store.loadSession(key("old").withSubpath("subagents/a")).isEmpty());
      assertTrue(store.loadSession(key("fresh")).isPresent());
      assertTrue(
          store.loadSession(SessionKey.of("elsewhere", "old-too")).isPresent(),
          "other projects untouched");

      assertEquals(
          1, store.cleanupOldSessions(Duration.ofDays(30), Scope.allProjects(), false).count());
      assertTrue(store.loadSession(SessionKey.of("elsewhere", "old-too")).isEmpty());
    }

    @Test
    void housekeepingNeverRemovesWhatACommittedHeadRefersTo() {
      Assumptions.assumeTrue(
          backend instanceof SupportsHousekeeping, "the backend does not declare housekeeping");
      store.appendMessages(key("kept"), users("k", 3));
      store.appendMessages(key("kept").withSubpath("subagents/a"), users("a", 2));
      store.appendMessages(key("gone"), users("g", 2));
      store.saveSession(key("replaced"), users("r1", 4));
      store.saveSession(key("replaced"), users("r2", 2));
      store.deleteSession(key("gone"));
      long removed = ((SupportsHousekeeping) backend).removeLeftovers();
      assertTrue(removed >= 0);
      SessionStore other = open(openAnother(), false);
      assertEquals(
          texts(users("k", 3)), texts(other.loadSession(key("kept")).orElseThrow().messages()));
      assertEquals(
          texts(users("a", 2)),
          texts(
              other.loadSession(key("kept").withSubpath("subagents/a")).orElseThrow().messages()));
      assertEquals(
          texts(users("r2", 2)),
          texts(other.loadSession(key("replaced")).orElseThrow().messages()));
      assertTrue(other.loadSession(key("gone")).isEmpty());
    }
  }

  /**
   * A backend that declares {@link SupportsBatchReads} gives the same heads and messages in a batch
   * as one by one, and never a generation it no longer stores.
   */
  /**
   * Full-text search over what the messages say: real prompts, replies and tool results find their
   * session with a snippet; the index follows appends, saves and deletes, also those of another
   * store on the same storage; filters, fields and paging hold.
   */
  @Nested
  public class FullTextSearch {
    private List<SessionHit> hits(String query) {
      return store
          .searchText(
              SearchQuery.in(Scope.allProjects())
                  .matching(query)
                  .limit(SearchQuery.MAX_LIMIT)
                  .build())
          .items();
    }

    private List<String> hitIds(String query) {
      return hits(query).stream().map(h -> h.metadata().sessionId()).toList();
    }

    /** The first three words of four letters or more of a text, as a quoted phrase, or null. */
    private static String phrase(String text) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Za-z]{4,}").matcher(text);
      List<String> words = new ArrayList<>();
      while (words.size() < 3 && m.find()) {
        words.add(m.group());
      }
      return words.size() == 3 ? "\"" + String.join(" ", words) + "\"" : null;
    }

    /**
     * (kind, text) of what a person reads in a transcript line, as the acceptance check sees it.
     */
    private static List<String[]> readable(String line) throws IOException {
      JsonNode o = JSON.readTree(line);
      JsonNode content = o.path("message").path("content");
      List<String[]> out = new ArrayList<>();
      if (content.isTextual()) {
        out.add(new String[] {o.path("type").asText(), content.asText()});
      }
      for (JsonNode b : content.isArray() ? content : JSON.createArrayNode()) {
        if (b.path("type").asText().equals("text")) {
          out.add(new String[] {o.path("type").asText(), b.path("text").asText()});
        } else if (b.path("type").asText().equals("tool_result") && b.path("content").isTextual()) {
          out.add(new String[] {"tool_result", b.path("content").asText()});
        }
      }
      return out;
    }

    private Map<String, String> saveRealTranscripts() {
      Map<String, String> idByFile = new java.util.LinkedHashMap<>();
      for (String f : Fixtures.jsonLinesFiles()) {
        if (f.startsWith("claude-projects/") && !f.contains("/subagents/")) {
          String id = f.substring(f.lastIndexOf('/') + 1, f.length() - ".jsonl".length());
          store.saveSession(key(id), Fixtures.messages(f), SaveOptions.NONE);
          idByFile.put(f, id);
        }
      }
      return idByFile;
    }

    @Test
    void phrasesOfRealPromptsRepliesAndToolResultsFindTheirSessionWithASnippet()
        throws IOException {
      Map<String, String> sessions = saveRealTranscripts();
      Set<String> kindsChecked = new HashSet<>();
      for (Map.Entry<String, String> e : sessions.entrySet()) {
        for (String line : Fixtures.lines(e.getKey())) {
          for (String[] readable : readable(line)) {
            String phrase = phrase(readable[1]);
            if (phrase == null || !kindsChecked.add(readable[0])) {
              continue;
            }
            List<SessionHit> found =
                hits(phrase).stream()
                    .filter(h -> h.metadata().sessionId().equals(e.getValue()))
                    .toList();
            assertEquals(1, found.size(), readable[0] + " phrase " + phrase + " finds its session");
            String snippet = found.get(0).matches().get(0).snippet().toLowerCase();
            for (String word : phrase.replace("\"", "").split(" ")) {
              assertTrue(snippet.contains(word.toLowerCase()), word + " in snippet " + snippet);
            }
            assertTrue(snippet.contains(TextMatch.MARK_START), "matched words are marked");
          }
        }
      }
      assertEquals(Set.of("user", "assistant", "tool_result"), kindsChecked);
      assertEquals(List.of(), hitIds("zzqqxxjjvvkkww"), "a word that is nowhere finds nothing");
    }

    @Test
    void theIndexFollowsAppendsSavesAndDeletesAlsoOfAnotherStore() {
      store.appendMessages(key("garden"), List.of(user("g-1", "water the begonia tonight")));
      assertEquals(List.of("garden"), hitIds("begonia"));

      store.appendMessages(key("garden"), List.of(user("g-2", "and the plumbago too")));
      assertEquals(List.of("garden"), hitIds("plumbago"));
      assertEquals(List.of("garden"), hitIds("begonia"), "what was indexed stays indexed");

      SessionStore other = open(openAnother(), false);
      other.appendMessages(key("garden"), List.of(user("g-3", "prune the zinnia")));
      other.appendMessages(key("shed"), List.of(user("s-1", "oil the zinnia shears")));
      assertEquals(Set.of("garden", "shed"), Set.copyOf(hitIds("zinnia")));

      store.saveSession(key("garden"), List.of(user("g-9", "paved over")), SaveOptions.NONE);
      assertEquals(List.of("shed"), hitIds("zinnia"), "a save replaces what was indexed");
      assertEquals(List.of(), hitIds("begonia"));
      assertEquals(List.of("garden"), hitIds("paved"));

      other.deleteSession(key("shed"));
      assertEquals(List.of(), hitIds("zinnia"), "a deleted session is gone");
    }

    @Test
    void subTranscriptMatchesNameTheirSubpathAndSubagentFilters() {
      store.appendMessages(key("main"), List.of(user("m-1", "delegate the survey")));
      store.appendMessages(
          key("main").withSubpath("subagents/agent-surveyor"),
          List.of(user("a-1", "counting the marigolds")));

      List<SessionHit> found = hits("marigolds");
      assertEquals(1, found.size());
      TextMatch match = found.get(0).matches().get(0);
      assertEquals("subagents/agent-surveyor", match.subpath());
      assertEquals(0, match.messageIndex());
      assertEquals("user", match.role());
      assertEquals(List.of("main"), hitIds("subagent:agent-surveyor AND marigolds"));
      assertEquals(List.of(), hitIds("subagent:agent-other AND marigolds"));
      assertEquals(List.of("main"), hitIds("survey*"), "a prefix finds both transcripts' session");
    }

    @Test
    void fieldsRolesAndToolsNarrowAQuery() {
      store.appendMessages(
          key("tools"),
          List.of(
              Message.of(
                  "{\"type\":\"user\",\"uuid\":\"t-1\",\"message\":{\"role\":\"user\",\"content\":"
                      + "\"list the gardening folder\"}}"),
              Message.of(
                  "{\"type\":\"assistant\",\"uuid\":\"t-2\",\"message\":{\"role\":\"assistant\","
                      + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"ls will do\","
                      + "\"signature\":\"c2lnbmF0dXJlc2lnbmF0dXJl\"},{\"type\":\"tool_use\","
                      + "\"id\":\"toolu_1\",\"name\":\"Bash\",\"input\":{\"command\":"
                      + "\"ls ~/gardening\"}}]}}"),
              Message.of(
                  "{\"type\":\"user\",\"uuid\":\"t-3\",\"message\":{\"role\":\"user\",\"content\":"
                      + "[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":"
                      + "\"seedlings.txt\"}]}}")));

      assertEquals(List.of("tools"), hitIds("tool:Bash AND gardening"));
      assertEquals(List.of("tools"), hitIds("tool:bash AND seedlings"), "results carry the tool");
      assertEquals(List.of(), hitIds("tool:Read"));
      assertEquals(List.of("tools"), hitIds("role:user AND gardening"));
      assertEquals(List.of(), hitIds("role:user AND seedlings"), "a tool's result is not a prompt");
      assertEquals(List.of("tools"), hitIds("kind:thinking AND ls"));
      assertEquals(List.of(), hitIds("c2lnbmF0dXJlc2lnbmF0dXJl"), "signatures are not text");
      // A query matches messages: a session is found when one of its messages matches.
      assertEquals(List.of(), hitIds("seedlings NOT txt"), "NOT excludes a message");
      assertEquals(List.of("tools"), hitIds("gardening NOT seedlings"), "another message matches");
      assertEquals(List.of(), hitIds("folder AND seedlings"), "all words in one message");
      assertEquals(List.of("tools"), hitIds("seedlings OR nothingelse"));
      assertEquals(List.of("tools"), hitIds("NOT nothingelse"), "a query that only excludes");
      List<TextMatch> matches = hits("seedlings").get(0).matches();
      assertEquals("tool", matches.get(0).role());
      assertEquals(2, matches.get(0).messageIndex());
    }

    @Test
    void metadataFiltersOrderAndPagingCombineWithText() {
      for (int i = 0; i < 5; i++) {
        clock.advance(Duration.ofMinutes(1));
        store.saveSession(
            key("s" + i),
            List.of(user("u" + i, "tulip " + "tulip ".repeat(i) + "bulbs")),
            i % 2 == 0 ? SaveOptions.tags("even") : SaveOptions.NONE);
      }
      assertEquals(List.of("s0", "s2", "s4"), sorted(ids(textQuery("tulip").tags("even").build())));
      assertEquals(
          List.of("s4", "s3", "s2", "s1", "s0"),
          ids(textQuery("tulip").order(SearchQuery.Order.UPDATED).build()),
          "--sort updated: newest first");

      List<SessionHit> ranked = store.searchText(textQuery("tulip").build()).items();
      for (int i = 1; i < ranked.size(); i++) {
        assertTrue(ranked.get(i - 1).score() >= ranked.get(i).score(), "best first");
      }

      List<String> paged = new ArrayList<>();
      String cursor = null;
      do {
        Page<SessionHit> page =
            store.searchText(textQuery("tulip").limit(2).cursor(cursor).build());
        assertTrue(page.items().size() <= 2);
        page.items().forEach(h -> paged.add(h.metadata().sessionId()));
        cursor = page.nextCursor();
      } while (cursor != null);
      assertEquals(
          ranked.stream().map(h -> h.metadata().sessionId()).toList(), paged, "pages in order");
      assertEquals(
          ranked.stream().map(h -> h.metadata().sessionId()).toList(),
          store.search(textQuery("tulip").build()).items().stream()
              .map(SessionMetadata::sessionId)
              .toList(),
          "search() with text gives the sessions of searchText()");
    }

    private SearchQuery.Builder textQuery(String text) {
      return SearchQuery.in(Scope.project("tck")).matching(text);
    }

    private List<String> sorted(List<String> ids) {
      return ids.stream().sorted().toList();
    }

    @Test
    void aBadQueryIsInvalidInputAndChangesNothing() {
      store.appendMessages(key("kept"), List.of(user("k-1", "quiet")));
      for (String bad : List.of("\"unclosed", "AND", "role:(", "*leading", "nope:thing*")) {
        InvalidInputException e =
            assertThrows(InvalidInputException.class, () -> hits(bad), "query " + bad);
        assertTrue(e.getMessage().contains("full-text query"), e.getMessage());
      }
      assertEquals(List.of("kept"), hitIds("quiet"));
      assertThrows(
          InvalidInputException.class,
          () -> store.searchText(SearchQuery.in(Scope.allProjects()).build()),
          "a query without text");
    }

    @Test
    void oneProcessWritesWhileAnotherSearchesAndBothSeeEveryMessage() throws Exception {
      Map<String, String> config = otherProcessConfig();
      Assumptions.assumeTrue(
          config != null, "the backend declares no configuration for another process");
      Path props = tempDir.resolve("text-process.properties");
      Properties p = new Properties();
      p.putAll(config);
      p.setProperty("sessionstore.cache.enabled", "false");
      p.setProperty("sessionstore.search.index-dir", tempDir.resolve("search-index").toString());
      try (var out = Files.newBufferedWriter(props)) {
        p.store(out, null);
      }
      int count = 25;
      Path log = tempDir.resolve("text-process.log");
      Process other =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  TextSearchWorker.class.getName(),
                  "append",
                  props.toString(),
                  "tck",
                  "written-elsewhere",
                  Integer.toString(count))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      try {
        // This process searches (and so also updates the index) all the while.
        store.appendMessages(key("here"), List.of(user("h-1", "note zqhere")));
        while (other.isAlive()) {
          assertEquals(List.of("here"), hitIds("zqhere"));
          hitIds("note");
        }
        assertEquals(0, other.waitFor(), Files.readString(log));
      } finally {
        other.destroyForcibly();
      }
      String output = Files.readString(log);
      assertTrue(output.contains("done") && !output.contains("missing"), output);
      for (int i = 0; i < count; i++) {
        assertEquals(
            List.of("written-elsewhere"), hitIds(TextSearchWorker.word("other", i)), "word " + i);
      }
      assertEquals(2, hits("note").size());
    }

    @Test
    void aSessionDeletedAndWrittenAnewShowsOnlyItsNewText() {
      store.saveSession(key("again"), List.of(user("a-1", "secretword inside")), SaveOptions.NONE);
      assertEquals(List.of("again"), hitIds("secretword"));
      store.deleteSession(key("again"));
      // Written anew at the same version as before, with no query in between.
      store.saveSession(key("again"), List.of(user("a-2", "harmless now")), SaveOptions.NONE);
      assertEquals(List.of(), hitIds("secretword"), "deleted text is gone");
      assertEquals(List.of("again"), hitIds("harmless"));
    }

    @Test
    void everyAppendToASubTranscriptIsFoundAlsoWhenNothingElseOfTheSessionChanges() {
      // The clock stands still and the messages carry no time: only the sub-transcript changes.
      SessionKey sub = key("still").withSubpath("subagents/agent-still");
      store.appendMessages(key("still"), List.of(user("s-0", "begin")));
      store.appendMessages(sub, List.of(user("s-1", "first snapdragon")));
      assertEquals(List.of("still"), hitIds("snapdragon"));
      store.appendMessages(sub, List.of(user("s-2", "second foxglove")));
      assertEquals(List.of("still"), hitIds("foxglove"));
    }

    @Test
    void aToolResultKnowsItsToolAlsoWhenItsCallWasIndexedEarlier() {
      store.appendMessages(
          key("live"),
          List.of(
              Message.of(
                  "{\"type\":\"assistant\",\"uuid\":\"l-1\",\"message\":{\"role\":\"assistant\","
                      + "\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_live\",\"name\":\"Bash\","
                      + "\"input\":{\"command\":\"ls\"}}]}}")));
      assertEquals(List.of("live"), hitIds("tool:Bash"), "the call is indexed on its own");
      store.appendMessages(
          key("live"),
          List.of(
              Message.of(
                  "{\"type\":\"user\",\"uuid\":\"l-2\",\"message\":{\"role\":\"user\",\"content\":"
                      + "[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_live\",\"content\":"
                      + "\"petunia.txt\"}]}}")));
      assertEquals(List.of("live"), hitIds("tool:bash AND petunia"));
    }

    @Test
    void aCursorThatNoPageGaveIsInvalidInput() {
      store.appendMessages(key("c"), List.of(user("c-1", "marigold")));
      for (String cursor : List.of("text:2147483647", "text:-1", "text:x", "elsewhere")) {
        assertThrows(
            InvalidInputException.class,
            () -> store.searchText(textQuery("marigold").cursor(cursor).build()),
            cursor);
      }
    }

    @Test
    void aRebuildIndexesEverySessionAgainWithTheSameResults() {
      store.appendMessages(key("a"), List.of(user("a-1", "lavender hedge")));
      store.appendMessages(key("b"), List.of(user("b-1", "lavender oil")));
      assertEquals(Set.of("a", "b"), Set.copyOf(hitIds("lavender")));

      assertEquals(2, store.rebuildTextIndex(ProgressListener.NONE));
      assertEquals(Set.of("a", "b"), Set.copyOf(hitIds("lavender")));
      assertEquals(List.of("a"), hitIds("hedge"));
    }
  }

  @Nested
  public class BatchReads {
    private SupportsBatchReads batched() {
      Assumptions.assumeTrue(
          backend instanceof SupportsBatchReads, "the backend does not declare batch reads");
      return (SupportsBatchReads) backend;
    }

    @Test
    void transcriptsAreTheHeadsOfExactlyTheAskedSessionsWithTheirSubTranscripts() {
      SupportsBatchReads batched = batched();
      store.appendMessages(key("a"), users("a", 2));
      store.appendMessages(key("a").withSubpath("subagents/x"), users("x", 1));
      store.appendMessages(key("a").withSubpath("runs/1"), users("r", 3));
      store.appendMessages(key("b"), users("b", 1));
      store.appendMessages(key("not-asked"), users("n", 1));
      store.appendMessages(SessionKey.of("elsewhere", "a"), users("e", 1));

      List<StoredHead> heads =
          batched.transcripts(List.of(key("a"), key("b"), key("never-written"))).toList();

      List<SessionKey> expected =
          List.of(
              key("a"),
              key("a").withSubpath("runs/1"),
              key("a").withSubpath("subagents/x"),
              key("b"));
      assertEquals(
          expected.stream().map(SessionKey::toString).sorted().toList(),
          heads.stream().map(h -> h.key().toString()).sorted().toList());
      for (StoredHead h : heads) {
        assertEquals(backend.head(h.key()).orElseThrow(), h, "as read one by one");
      }
    }

    @Test
    void allMessagesAreEachHeadsMessagesInOrderByteForByte() {
      SupportsBatchReads batched = batched();
      List<Message> real = Fixtures.messages(Fixtures.transcriptWithSubagents());
      store.appendMessages(key("real"), real);
      store.appendMessages(key("two"), users("t", 1));
      store.appendMessages(key("two"), users("u", 1));
      store.appendMessages(key("real").withSubpath("subagents/x"), users("x", 2));

      List<StoredHead> heads = batched.transcripts(List.of(key("real"), key("two"))).toList();
      Map<SessionKey, List<String>> read = batched.allMessages(heads);

      assertEquals(texts(real), read.get(key("real")));
      assertEquals(texts(key("two")), read.get(key("two")));
      assertEquals(texts(users("x", 2)), read.get(key("real").withSubpath("subagents/x")));
      assertEquals(3, read.size());
    }

    @Test
    void aHeadReadBeforeAnAppendGivesItsOwnCountAndAReplacedOneIsLeftOut() {
      SupportsBatchReads batched = batched();
      store.appendMessages(key("grows"), users("g", 2));
      store.saveSession(key("replaced"), users("r1", 3));
      List<StoredHead> heads = batched.transcripts(List.of(key("grows"), key("replaced"))).toList();

      store.appendMessages(key("grows"), users("more", 2));
      store.saveSession(key("replaced"), users("r2", 3));
      Map<SessionKey, List<String>> read = batched.allMessages(heads);

      assertEquals(texts(users("g", 2)), read.get(key("grows")), "the head's messages only");
      assertFalse(read.containsKey(key("replaced")), "a generation no longer stored");
    }
  }

  /**
   * The metadata of a head written through the SPI directly: project {@code tck}, times {@link
   * #START}, no cost, tags or user fields.
   */
  private static SessionMetadata headMetadata(
      String id, long count, List<String> subpaths, long version) {
    return new SessionMetadata(
        "tck",
        id,
        START,
        START,
        count,
        BigDecimal.ZERO,
        0,
        List.of(),
        null,
        Map.of(),
        subpaths,
        version);
  }

  /** A backend that declares {@link SupportsAtomicCommits} applies a set of commits all or none. */
  @Nested
  public class AtomicCommits {
    @Test
    void atomicCommitsApplyAllOrNone() {
      Assumptions.assumeTrue(
          backend instanceof SupportsAtomicCommits, "the backend does not declare atomic commits");
      SupportsAtomicCommits atomic = (SupportsAtomicCommits) backend;
      store.appendMessages(key("s"), users("m", 1));
      StoredHead main = backend.head(key("s")).orElseThrow();
      SessionKey sub = key("s").withSubpath("subagents/a");
      SessionMetadata subMetadata = headMetadata("s", 1, List.of(), 1);
      Commit subCommit =
          new Commit(
              Commit.Kind.REPLACE,
              0,
              List.of(user("a", "a").json()),
              new StoredHead(sub, subMetadata, 7, ""));
      SessionMetadata m = main.metadata();
      SessionMetadata listing =
          new SessionMetadata(
              m.project(),
              m.sessionId(),
              m.createdAt(),
              m.updatedAt(),
              m.messageCount(),
              m.totalCostUsd(),
              m.turns(),
              m.tags(),
              m.summary(),
              m.attributes(),
              List.of("subagents/a"),
              m.version() + 1);
      StoredHead mainAfter =
          new StoredHead(main.key(), listing, main.generation(), main.derivation());
      Commit stale =
          new Commit(
              Commit.Kind.METADATA,
              m.version() - 1,
              List.of(),
              new StoredHead(
                  main.key(),
                  metadataAt(listing, m.version()),
                  main.generation(),
                  main.derivation()));

      assertThrows(ConflictException.class, () -> atomic.commitAll(List.of(subCommit, stale)));
      assertTrue(backend.head(sub).isEmpty(), "a conflict in one commit applies none");
      assertEquals(main, backend.head(key("s")).orElseThrow());

      atomic.commitAll(
          List.of(subCommit, new Commit(Commit.Kind.METADATA, m.version(), List.of(), mainAfter)));
      SessionStore other = open(openAnother(), false);
      assertEquals(List.of("subagents/a"), other.getMetadata(key("s")).orElseThrow().subpaths());
      assertEquals(
          List.of(user("a", "a").json()),
          other.loadSession(sub).orElseThrow().messages().stream().map(Message::json).toList());
      assertThrows(
          IllegalArgumentException.class,
          () ->
              atomic.commitAll(
                  List.of(
                      subCommit,
                      new Commit(
                          Commit.Kind.REPLACE,
                          0,
                          List.of(),
                          new StoredHead(key("other"), subMetadata, 8, "")))));
    }

    private static SessionMetadata metadataAt(SessionMetadata m, long version) {
      return new SessionMetadata(
          m.project(),
          m.sessionId(),
          m.createdAt(),
          m.updatedAt(),
          m.messageCount(),
          m.totalCostUsd(),
          m.turns(),
          m.tags(),
          m.summary(),
          m.attributes(),
          m.subpaths(),
          version);
    }
  }

  /**
   * A backend that declares {@link SupportsBatchCommits} applies each session of a batch on its
   * own, and an import through it merges again a session another writer changed meanwhile.
   */
  @Nested
  public class BatchCommits {
    @Test
    void eachSessionOfABatchIsAppliedOrRefusedOnItsOwn() {
      Assumptions.assumeTrue(
          backend instanceof SupportsBatchCommits, "the backend does not declare batch commits");
      SupportsBatchCommits batch = (SupportsBatchCommits) backend;
      store.appendMessages(key("old"), users("m", 1));
      store.appendMessages(key("taken"), users("t", 1));
      StoredHead old = backend.head(key("old")).orElseThrow();
      StoredHead taken = backend.head(key("taken")).orElseThrow();
      SessionKey sub = key("b").withSubpath("subagents/a");
      Commit append =
          new Commit(
              Commit.Kind.APPEND,
              old.version(),
              List.of(user("n", "n").json()),
              new StoredHead(
                  old.key(),
                  headMetadata("old", 2, List.of(), old.version() + 1),
                  old.generation(),
                  old.derivation()));

      List<ConflictException> outcome =
          batch.commitSessions(
              List.of(
                  List.of(created(key("a"), 2, List.of(), 11)),
                  List.of(
                      created(sub, 1, List.of(), 12),
                      created(key("b"), 1, List.of("subagents/a"), 13)),
                  List.of(append),
                  List.of(created(key("taken"), 1, List.of(), 14))));

      assertEquals(4, outcome.size());
      assertNull(outcome.get(0), "a new session");
      assertNull(outcome.get(1), "a new session with a sub-transcript");
      assertNull(outcome.get(2), "an append");
      assertNotNull(outcome.get(3), "a new session that exists already");
      assertEquals(taken, backend.head(key("taken")).orElseThrow(), "the refused one is unchanged");
      SessionStore other = open(openAnother(), false);
      assertEquals(2, other.loadSession(key("a")).orElseThrow().messages().size());
      assertEquals(List.of("subagents/a"), other.getMetadata(key("b")).orElseThrow().subpaths());
      assertEquals(1, other.loadSession(sub).orElseThrow().messages().size());
      assertEquals(
          List.of(users("m", 1).get(0).json(), user("n", "n").json()),
          other.loadSession(key("old")).orElseThrow().messages().stream()
              .map(Message::json)
              .toList());

      assertThrows(
          IllegalArgumentException.class,
          () ->
              batch.commitSessions(
                  List.of(
                      List.of(created(key("twice"), 1, List.of(), 15)),
                      List.of(created(key("twice"), 1, List.of(), 16)))));
      assertTrue(backend.head(key("twice")).isEmpty(), "a refused batch writes nothing");
    }

    @Test
    void anImportMergesAgainASessionChangedBetweenItsPlanAndItsBatch() {
      Assumptions.assumeTrue(
          backend instanceof SupportsBatchCommits, "the backend does not declare batch commits");
      store.appendMessages(key("busy"), users("m", 1));
      SessionStore other = open(openAnother(), false);
      ChangedBeforeBatch interposed =
          new ChangedBeforeBatch(
              openAnother(), key("busy"), () -> other.appendMessages(key("busy"), users("x", 1)));
      SessionStore importing = open(interposed, false);
      String header = "{\"format\":\"sessionstore-archive\",\"version\":1}\n";
      StringBuilder archive = new StringBuilder(header);
      for (String id : List.of("fresh", "busy")) {
        archive
            .append("{\"project\":\"tck\",\"sessionId\":\"")
            .append(id)
            .append("\",\"createdAt\":\"")
            .append(START)
            .append("\",\"updatedAt\":\"")
            .append(START)
            .append("\",\"tags\":[],\"messages\":[")
            .append(users("m", 2).get(0).json())
            .append(',')
            .append(users("m", 2).get(1).json())
            .append("]}\n");
      }

      ImportResult result =
          importing.importSessions(
              new ByteArrayInputStream(archive.toString().getBytes(StandardCharsets.UTF_8)),
              ImportOptions.DEFAULTS);

      assertTrue(interposed.changed, "the other writer changed the session before the batch");
      assertEquals(1, result.created(), "the new session");
      assertEquals(
          List.of(key("busy")),
          result.diverged(),
          "merged again with what the other writer stored, the archive no longer extends it");
      assertEquals(
          List.of(users("m", 1).get(0).json(), users("x", 1).get(0).json()),
          store.loadSession(key("busy")).orElseThrow().messages().stream()
              .map(Message::json)
              .toList());
      assertEquals(2, store.loadSession(key("fresh")).orElseThrow().messages().size());
    }

    /** A commit that creates a transcript with {@code count} messages. */
    private Commit created(SessionKey key, int count, List<String> subpaths, long generation) {
      List<String> messages =
          users(key.sessionId() + (key.isSubpath() ? "-sub" : ""), count).stream()
              .map(Message::json)
              .toList();
      return new Commit(
          Commit.Kind.REPLACE,
          0,
          messages,
          new StoredHead(key, headMetadata(key.sessionId(), count, subpaths, 1), generation, ""));
    }
  }

  /** A batch backend that lets another writer change one session just before its batch. */
  private static final class ChangedBeforeBatch extends ForwardingBackend
      implements SupportsBatchCommits {
    private final SupportsBatchCommits batches;
    private final SessionKey session;
    private final Runnable change;
    volatile boolean changed;

    ChangedBeforeBatch(StorageBackend delegate, SessionKey session, Runnable change) {
      super(delegate);
      this.batches = (SupportsBatchCommits) delegate;
      this.session = session;
      this.change = change;
    }

    @Override
    public void commitAll(List<Commit> commits) {
      batches.commitAll(commits);
    }

    @Override
    public List<ConflictException> commitSessions(List<List<Commit>> sessions) {
      if (!changed
          && sessions.stream().anyMatch(c -> c.get(0).head().key().main().equals(session))) {
        changed = true;
        change.run();
      }
      return batches.commitSessions(sessions);
    }
  }

  @Nested
  public class ChangeToken {
    /** The token now; a backend that has none must never have one. */
    private String token(SessionStore from) {
      return from.changeToken().orElseThrow(() -> new AssertionError("the token went away"));
    }

    @Test
    void everyWriteMovesItAndNothingElseDoes() {
      if (store.changeToken().isEmpty()) {
        store.appendMessages(key("s"), users("m", 2));
        assertEquals(Optional.empty(), store.changeToken(), "a backend without a token has none");
        return;
      }
      SessionStore other = open(openAnother(), false);
      SessionKey sub = key("s").withSubpath("subagents/a");
      Map<String, Runnable> writes = new LinkedHashMap<>();
      writes.put("a save", () -> store.saveSession(key("s"), users("a", 2)));
      writes.put("an append", () -> store.appendMessages(key("s"), users("b", 1)));
      writes.put("a sub-transcript's append", () -> store.appendMessages(sub, users("c", 1)));
      writes.put("a tag", () -> store.updateTags(key("s"), Set.of("t"), Set.of()));
      writes.put(
          "a summary", () -> store.updateMetadata(key("s"), MetadataUpdate.summary("about")));
      writes.put("another instance's append", () -> other.appendMessages(key("s"), users("d", 1)));
      writes.put("a sub-transcript's delete", () -> store.deleteSession(sub));
      writes.put("a session's delete", () -> store.deleteSession(key("s")));
      Set<String> seen = new HashSet<>(Set.of(token(store)));
      for (Map.Entry<String, Runnable> write : writes.entrySet()) {
        write.getValue().run();
        String now = token(store);
        assertTrue(seen.add(now), write.getKey() + " left the token as an earlier one: " + now);
        assertEquals(now, token(other), "another instance sees the same token");
        store.loadSession(key("s"));
        store.getMetadata(key("s"));
        store.search(SearchQuery.in(Scope.allProjects()).build());
        other.loadSession(sub);
        assertThrows(
            InvalidInputException.class,
            () -> store.appendMessages(key("s"), List.of(Message.of("{\"broken\""))));
        assertEquals(now, token(store), "reads and a refused write after " + write.getKey());
      }
    }
  }
}
