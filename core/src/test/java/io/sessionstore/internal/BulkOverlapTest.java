package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.ExportResult;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.Message;
import io.sessionstore.api.MigrationResult;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.Json;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.SupportsBatchCommits;
import io.sessionstore.spi.SupportsBatchReads;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Export, import and migration work on several sessions at once ({@link Pipeline}), and still
 * behave as one session after the other: the archive's order and bytes, the counts, the line
 * numbers of rejections, the order of progress on the caller's thread, the first failure. Memory
 * stays bounded by the number of sessions in flight and by the text budget.
 */
class BulkOverlapTest {
  private static final int K = Pipeline.SESSIONS;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static SessionStore open(MemoryBackend backend) {
    return SessionStore.builder()
        .backend(backend)
        .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
        .clock(Clock.fixed(T0, ZoneOffset.UTC))
        .build();
  }

  private static SessionKey key(String id) {
    return SessionKey.of("bulk", id);
  }

  private static String id(int i) {
    return String.format("s%03d", i);
  }

  private static List<Message> messages(String prefix, int n) {
    return IntStream.range(0, n)
        .mapToObj(
            i ->
                Message.of(
                    "{\"type\":\"user\",\"uuid\":\"" + prefix + "-" + i + "\",\"n\":" + i + "}"))
        .toList();
  }

  /** Sessions s000… with a few messages each, every third with a sub-transcript and a tag. */
  private static void fill(SessionStore store, int sessions) {
    for (int i = 0; i < sessions; i++) {
      SessionKey key = key(id(i));
      store.saveSession(key, messages(id(i), 1 + i % 4), SaveOptions.tags("t" + i % 3));
      if (i % 3 == 0) {
        store.saveSession(key.withSubpath("subagents/a"), messages(id(i) + "-sub", 2));
      }
    }
  }

  private static SearchQuery everything() {
    return SearchQuery.in(Scope.allProjects()).build();
  }

  private static void await(CountDownLatch latch, String what) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        // Let the others through: one failure is enough.
        while (latch.getCount() > 0) {
          latch.countDown();
        }
        throw new AssertionError(what + " did not overlap: one at a time would wait here alone");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Fails when a thread of the operation is still alive: its threads end before it returns. */
  private static void assertNoThreadsLeft(String operation) throws InterruptedException {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("sessionstore-" + operation + "-")) {
        // Its pool has terminated; the thread may still be on its last instructions.
        t.join(5_000);
        assertFalse(t.isAlive(), t.getName() + " outlived the " + operation);
      }
    }
  }

  /** The archive a sequential export writes: each session read and written in search order. */
  private static byte[] sequentialArchive(SessionStore store) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        "{\"format\":\"sessionstore-archive\",\"version\":1}\n".getBytes(StandardCharsets.UTF_8));
    for (SessionMetadata m : store.search(everything().toBuilder().limit(1_000).build()).items()) {
      Map<String, List<String>> subs = new TreeMap<>();
      for (String s : store.listSubpaths(m.key())) {
        subs.put(s, texts(store, m.key().withSubpath(s)));
      }
      byte[] one = ArchiveWriter.archiveOf(m, texts(store, m.key()), subs);
      String line = new String(one, StandardCharsets.UTF_8);
      out.writeBytes(line.substring(line.indexOf('\n') + 1).getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static List<String> texts(SessionStore store, SessionKey key) {
    try (Stream<Message> s = store.streamMessages(key)) {
      return s.map(Message::json).toList();
    }
  }

  private static byte[] export(SessionStore store, ProgressListener progress) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    store.exportSessions(everything(), out, progress);
    return out.toByteArray();
  }

  // ---- export

  @Test
  void anExportReadsSeveralSessionsAtOnce() throws InterruptedException {
    CountDownLatch together = new CountDownLatch(K);
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public Stream<String> messages(StoredHead head, long from) {
            together.countDown();
            await(together, "reads");
            return super.messages(head, from);
          }
        };
    try (SessionStore store = open(backend)) {
      fill(store, 3 * K);
      ExportResult r = store.exportSessions(everything(), new ByteArrayOutputStream());
      assertEquals(3 * K, r.sessions());
    }
    assertNoThreadsLeft("export");
  }

  @Test
  void theArchiveIsByteForByteWhatOneSessionAfterTheOtherWrites() {
    // Reads that finish in another order than they started.
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public Stream<String> messages(StoredHead head, long from) {
            pause(Math.floorMod(head.key().hashCode(), 7));
            return super.messages(head, from);
          }
        };
    try (SessionStore store = open(backend)) {
      fill(store, 5 * K);
      List<Long> progress = new ArrayList<>();
      byte[] archive = export(store, (done, total) -> progress.add(done));
      assertArrayEquals(sequentialArchive(store), archive);
      assertEquals(range(1, 5 * K), progress);
    }
  }

  /**
   * A backend that reads many sessions at once, as one by one underneath, counting how it is read.
   */
  private static class BatchingBackend extends MemoryBackend implements SupportsBatchReads {
    final AtomicInteger batchReads = new AtomicInteger();
    final AtomicInteger singleReads = new AtomicInteger();

    @Override
    public Stream<String> messages(StoredHead head, long from) {
      singleReads.incrementAndGet();
      return super.messages(head, from);
    }

    @Override
    public Stream<StoredHead> transcripts(Collection<SessionKey> sessions) {
      List<StoredHead> heads = new ArrayList<>();
      for (SessionKey s : sessions) {
        head(s).ifPresent(heads::add);
        subpaths(s).forEach(p -> head(s.withSubpath(p)).ifPresent(heads::add));
      }
      return heads.stream();
    }

    @Override
    public Map<SessionKey, List<String>> allMessages(Collection<StoredHead> heads) {
      batchReads.incrementAndGet();
      Map<SessionKey, List<String>> out = new HashMap<>();
      for (StoredHead h : heads) {
        Optional<StoredHead> now = head(h.key());
        if (now.isPresent() && now.get().generation() == h.generation()) {
          try (Stream<String> m = super.messages(h, 0)) {
            out.put(h.key(), m.toList());
          }
        }
      }
      return out;
    }
  }

  @Test
  void fromABackendThatReadsManyAtOnceAnExportReadsInBatchesAndWritesTheSameArchive() {
    BatchingBackend backend = new BatchingBackend();
    try (SessionStore store = open(backend)) {
      int sessions = 3 * ArchiveWriter.BATCH + 5;
      fill(store, sessions);
      byte[] expected = sequentialArchive(store);
      backend.singleReads.set(0);

      assertArrayEquals(expected, export(store, ProgressListener.NONE));
      assertEquals(0, backend.singleReads.get(), "no transcript read on its own");
      assertEquals(4, backend.batchReads.get(), "one read per batch of " + ArchiveWriter.BATCH);
    }
  }

  @Test
  void aSessionReplacedWhileItsBatchIsReadIsReadAgainOnItsOwn() {
    AtomicInteger replaced = new AtomicInteger();
    SessionStore[] storeRef = new SessionStore[1];
    BatchingBackend backend =
        new BatchingBackend() {
          @Override
          public Map<SessionKey, List<String>> allMessages(Collection<StoredHead> heads) {
            if (replaced.getAndIncrement() == 0) {
              storeRef[0].saveSession(key(id(7)), BulkOverlapTest.messages("new", 3));
            }
            return super.allMessages(heads);
          }
        };
    try (SessionStore store = open(backend)) {
      storeRef[0] = store;
      fill(store, 10);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.exportSessions(everything(), out);

      byte[] expected = sequentialArchive(store);
      assertArrayEquals(expected, out.toByteArray(), "the session as replaced");
      assertTrue(backend.singleReads.get() > 0, "read again on its own");
    }
  }

  @Test
  void anExportHoldsAtMostKSessionsReadAndNotWritten() {
    AtomicInteger read = new AtomicInteger();
    AtomicInteger written = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public Stream<String> messages(StoredHead head, long from) {
            return super.messages(head, from)
                .onClose(
                    () -> {
                      if (!head.key().isSubpath()) {
                        most.accumulateAndGet(read.incrementAndGet() - written.get(), Math::max);
                      }
                    });
          }
        };
    try (SessionStore store = open(backend)) {
      fill(store, 4 * K);
      // A slow writer: the reads run ahead as far as they may.
      export(
          store,
          (done, total) -> {
            written.set((int) done);
            pause(20);
          });
    }
    assertTrue(most.get() > 1, "the reads ran ahead of the writer: " + most.get());
    assertTrue(most.get() <= K, most.get() + " sessions read and not written");
  }

  @Test
  void theTextBudgetBoundsTheSessionsInFlightAndALargerSessionGoesAlone() {
    // Three sessions of this size are over the budget: at most two may be held, and the oldest.
    String big = "{\"pad\":\"" + "x".repeat((int) (Pipeline.TEXT_BUDGET / 3)) + "\"}";
    String huge = "{\"pad\":\"" + "y".repeat((int) (Pipeline.TEXT_BUDGET * 2)) + "\"}";
    AtomicInteger read = new AtomicInteger();
    AtomicInteger written = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public Stream<String> messages(StoredHead head, long from) {
            return super.messages(head, from)
                .onClose(
                    () -> most.accumulateAndGet(read.incrementAndGet() - written.get(), Math::max));
          }
        };
    int sessions = 2 * K;
    for (int i = 0; i < sessions; i++) {
      // A head of one small message, for a message of the test's size (the store never sees it).
      StoredHead head =
          StoredHead.derive(
              key(id(i)), List.of("{}"), T0.plusSeconds(i), T0.plusSeconds(i), Map.of());
      backend.put(head, List.of(i == K ? huge : big));
    }
    long[] count = new long[1];
    OutputStream counting =
        new OutputStream() {
          @Override
          public void write(int b) {
            count[0]++;
          }

          @Override
          public void write(byte[] b, int off, int len) {
            count[0] += len;
          }
        };
    try (SessionStore store = open(backend)) {
      ExportResult r =
          store.exportSessions(
              everything(),
              counting,
              (done, total) -> {
                written.set((int) done);
                pause(20);
              });
      assertEquals(sessions, r.sessions());
      assertTrue(count[0] > (sessions - 1) * (long) big.length() + huge.length());
    }
    assertTrue(most.get() <= 3, most.get() + " sessions of a third of the budget held at once");
  }

  @Test
  void aFailedReadIsReportedAfterTheSessionsBeforeItWhole() throws Exception {
    int sessions = 3 * K;
    SessionKey[] failing = new SessionKey[1];
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public Stream<String> messages(StoredHead head, long from) {
            if (head.key().equals(failing[0])) {
              throw new BackendUnavailableException("planted: the disk is gone");
            }
            pause(5);
            return super.messages(head, from);
          }
        };
    try (SessionStore store = open(backend)) {
      fill(store, sessions);
      List<SessionKey> order =
          store.search(everything().toBuilder().limit(1_000).build()).items().stream()
              .map(SessionMetadata::key)
              .toList();
      failing[0] = order.get(5);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class, () -> store.exportSessions(everything(), out));
      assertEquals("planted: the disk is gone", e.getMessage());
      List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
      assertEquals(1 + 5, lines.size(), "the header and the sessions before the failed one");
      for (int i = 0; i < 5; i++) {
        var line = Json.mapper().readTree(lines.get(i + 1));
        assertEquals(order.get(i).sessionId(), line.get("sessionId").asText());
      }
      assertTrue(out.toString(StandardCharsets.UTF_8).endsWith("\n"), "no line half-written");
    }
    assertNoThreadsLeft("export");
  }

  @Test
  void anInterruptedExportStopsAfterTheSessionsInFlight() throws InterruptedException {
    AtomicInteger reads = new AtomicInteger();
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public Stream<String> messages(StoredHead head, long from) {
            if (!head.key().isSubpath()) {
              reads.incrementAndGet();
            }
            return super.messages(head, from);
          }
        };
    try (SessionStore store = open(backend)) {
      fill(store, 5 * K);
      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class,
              () ->
                  export(
                      store,
                      (done, total) -> {
                        if (done == 3) {
                          Thread.currentThread().interrupt();
                        }
                      }));
      assertTrue(Thread.interrupted(), "the interrupt is kept");
      assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
      assertTrue(reads.get() <= 3 + K, reads.get() + " sessions read");
    }
    assertNoThreadsLeft("export");
  }

  // ---- import

  private static String archiveLine(String id, List<Message> messages) {
    StringBuilder line =
        new StringBuilder("{\"project\":\"bulk\",\"sessionId\":\"")
            .append(id)
            .append(
                "\",\"createdAt\":\"2025-01-01T00:00:00Z\",\"updatedAt\":\"2025-01-02T00:00:00Z\"")
            .append(",\"messages\":[");
    for (int i = 0; i < messages.size(); i++) {
      line.append(i == 0 ? "" : ",").append(messages.get(i).json());
    }
    return line.append("]}\n").toString();
  }

  private static final String HEADER = "{\"format\":\"sessionstore-archive\",\"version\":1}\n";

  /** An archive of sessions s000… with {@code messages} messages each. */
  private static String archiveOf(int sessions, int messages) {
    StringBuilder archive = new StringBuilder(HEADER);
    for (int i = 0; i < sessions; i++) {
      archive.append(archiveLine(id(i), messages(id(i), messages)));
    }
    return archive.toString();
  }

  /** What an operation's progress reported, and on which threads. */
  private static final class Progress implements ProgressListener {
    final List<Long> done = new ArrayList<>();
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    @Override
    public void progress(long done, long total) {
      this.done.add(done);
      threads.add(Thread.currentThread());
    }
  }

  private static ImportResult importArchive(
      SessionStore store, String archive, ProgressListener progress) {
    return store.importSessions(
        new ByteArrayInputStream(archive.getBytes(StandardCharsets.UTF_8)),
        new ImportOptions(false, progress));
  }

  @Test
  void anImportMergesSeveralSessionsAtOnce() throws InterruptedException {
    CountDownLatch together = new CountDownLatch(K);
    Set<SessionKey> seen = ConcurrentHashMap.newKeySet();
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public Optional<StoredHead> head(SessionKey key) {
            if (seen.add(key)) {
              together.countDown();
              await(together, "merges");
            }
            return super.head(key);
          }
        };
    String archive = archiveOf(3 * K, 3);
    try (SessionStore store = open(backend)) {
      ImportResult r = importArchive(store, archive, ProgressListener.NONE);
      assertEquals(3 * K, r.created());
      assertEquals(9 * K, r.messages());
    }
    assertNoThreadsLeft("import");
  }

  @Test
  void anImportCountsAndReportsLikeOneLineAfterTheOther() {
    SessionKey a = key("a");
    Set<SessionKey> slowed = ConcurrentHashMap.newKeySet();
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public Optional<StoredHead> head(SessionKey key) {
            // The first look at "a" is slow: a later line of "a" merged meanwhile would create it
            // first, and this one would find it unchanged.
            if (key.equals(a) && slowed.add(key)) {
              pause(300);
            }
            return super.head(key);
          }
        };
    List<String> lines = new ArrayList<>();
    lines.add(archiveLine("a", messages("a", 2))); // line 2: created
    lines.add("not json\n"); // 3: rejected
    lines.add(archiveLine("b", messages("b", 1))); // 4: created
    lines.add(archiveLine("a", messages("a", 4))); // 5: extends line 2's
    lines.add(archiveLine("../x", messages("x", 1))); // 6: rejected
    lines.add(archiveLine("c", messages("c", 2))); // 7: diverged
    lines.add("\n"); // 8: blank
    lines.add(archiveLine("a", messages("a", 4))); // 9: unchanged
    for (int i = 0; i < 2 * K; i++) {
      lines.add(archiveLine(id(i), messages(id(i), 2))); // 10…: created
    }
    lines.add("{\"sessionId\":7}\n"); // rejected
    lines.add(archiveLine("b", messages("b", 3))); // extends line 4's
    String archive = HEADER + String.join("", lines);
    long lastLine = lines.size() + 1;

    Progress progress = new Progress();
    try (SessionStore store = open(backend)) {
      store.saveSession(key("c"), messages("other", 2));
      ImportResult r = importArchive(store, archive, progress);
      assertEquals(
          List.of(3L, 6L, lastLine - 1),
          r.rejected().stream().map(ImportResult.Rejection::line).toList());
      assertEquals(2 + 2 * K, r.created());
      assertEquals(2, r.extended());
      assertEquals(1, r.unchanged());
      assertEquals(List.of(key("c")), r.diverged());
      assertEquals(2 + 1 + 2 + 2 * 2 * K + 2, r.messages());
      assertEquals(texts(messages("a", 4)), texts(store, a));
      assertEquals(texts(messages("b", 3)), texts(store, key("b")));
      List<Long> merged = new ArrayList<>(List.of(2L, 4L, 5L, 7L, 9L));
      merged.addAll(range(10, 10 + 2 * K - 1));
      merged.add(lastLine);
      assertEquals(merged, progress.done, "each merged line, in order");
      assertEquals(Set.of(Thread.currentThread()), progress.threads);
    }
  }

  private static List<String> texts(List<Message> messages) {
    return messages.stream().map(Message::json).toList();
  }

  @Test
  void aFailedMergeIsReportedAfterTheSessionsBeforeItAndNoSessionIsHalfWritten()
      throws InterruptedException {
    int sessions = 3 * K;
    SessionKey failing = key(id(5));
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public void commit(Commit commit) {
            if (commit.head().key().equals(failing)) {
              throw new BackendUnavailableException("planted: the network is gone");
            }
            pause(2);
            super.commit(commit);
          }
        };
    // Each session with a sub-transcript: two commits on this backend, which has no atomic ones.
    StringBuilder archive = new StringBuilder(HEADER);
    for (int i = 0; i < sessions; i++) {
      String line = archiveLine(id(i), messages(id(i), 2));
      archive
          .append(line, 0, line.length() - 3)
          .append("],\"subpaths\":{\"subagents/a\":[")
          .append(messages(id(i) + "-sub", 1).get(0).json())
          .append("]}}\n");
    }
    try (SessionStore store = open(backend)) {
      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class,
              () ->
                  store.importSessions(
                      new ByteArrayInputStream(archive.toString().getBytes(StandardCharsets.UTF_8)),
                      ImportOptions.DEFAULTS));
      assertEquals("planted: the network is gone", e.getMessage());
      for (int i = 0; i < sessions; i++) {
        SessionKey k = key(id(i));
        boolean stored = store.getMetadata(k).isPresent();
        if (i < 5) {
          assertTrue(stored, k + ", before the failed one, is stored");
        }
        if (stored) {
          assertEquals(texts(messages(id(i), 2)), texts(store, k));
          assertEquals(
              texts(messages(id(i) + "-sub", 1)), texts(store, k.withSubpath("subagents/a")));
        }
      }
    }
    assertNoThreadsLeft("import");
  }

  /**
   * A backend that commits batches ({@link SupportsBatchCommits}): slowly, as a disk forcing its
   * writes, so that the import reads on while a batch is committed. It records the threads that
   * commit and how many batches there were.
   */
  private static class SlowBatches extends MemoryBackend implements SupportsBatchCommits {
    final Set<Thread> committers = ConcurrentHashMap.newKeySet();
    final java.util.concurrent.atomic.AtomicInteger batches =
        new java.util.concurrent.atomic.AtomicInteger();
    final Set<SessionKey> committed = ConcurrentHashMap.newKeySet();
    final List<List<SessionKey>> given = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public synchronized void commitAll(List<Commit> commits) {
      for (Commit c : commits) {
        long current = head(c.head().key()).map(StoredHead::version).orElse(0L);
        if (c.expectedVersion() != current) {
          throw new ConflictException("Cannot write " + c.head().key() + ": it changed");
        }
      }
      commits.forEach(super::commit);
    }

    @Override
    public List<ConflictException> commitSessions(List<List<Commit>> sessions) {
      committers.add(Thread.currentThread());
      batches.incrementAndGet();
      given.add(sessions.stream().map(s -> s.get(0).head().key().main()).toList());
      pause(20);
      List<ConflictException> out = new ArrayList<>();
      for (List<Commit> session : sessions) {
        try {
          commitAll(session);
          committed.add(session.get(0).head().key().main());
          out.add(null);
        } catch (ConflictException e) {
          out.add(e);
        }
      }
      return out;
    }
  }

  @Test
  void batchesAreCommittedBesideTheReadingAndCountedInOrderOnTheCallersThread() {
    SlowBatches backend = new SlowBatches();
    List<String> lines = new ArrayList<>();
    lines.add(archiveLine("a", messages("a", 2))); // line 2: created
    for (int i = 0; i < 3 * K; i++) {
      lines.add(archiveLine(id(i), messages(id(i), 2))); // 3…: created
      if (i == K) {
        lines.add("not json\n"); // rejected between batches
      }
    }
    lines.add(archiveLine("a", messages("a", 3))); // extends line 2's, committed by then
    lines.add(archiveLine(id(1), messages(id(1), 2))); // unchanged
    String archive = HEADER + String.join("", lines);
    long rejectedLine = 2 + 1 + K + 1;
    long lastLine = lines.size() + 1;

    Progress progress = new Progress();
    try (SessionStore store = open(backend)) {
      ImportResult r = importArchive(store, archive, progress);

      assertEquals(
          List.of(rejectedLine), r.rejected().stream().map(ImportResult.Rejection::line).toList());
      assertEquals(1 + 3 * K, r.created());
      assertEquals(1, r.extended());
      assertEquals(1, r.unchanged());
      assertEquals(texts(messages("a", 3)), texts(store, key("a")));
      assertEquals(texts(messages(id(2 * K), 2)), texts(store, key(id(2 * K))));
      List<Long> merged = new ArrayList<>();
      for (long line = 2; line <= lastLine; line++) {
        if (line != rejectedLine) {
          merged.add(line);
        }
      }
      assertEquals(merged, progress.done, "each merged line, in order");
      assertEquals(Set.of(Thread.currentThread()), progress.threads);
      assertTrue(backend.batches.get() > 1, "several batches: " + backend.batches.get());
      assertFalse(
          backend.committers.contains(Thread.currentThread()),
          "the batches are committed beside the caller's reading");
    }
  }

  @Test
  void aFailedBatchIsThrownAfterTheBatchesBeforeItAndNoThreadOutlivesTheImport()
      throws InterruptedException {
    SessionKey failing = key(id(2 * K));
    SlowBatches backend =
        new SlowBatches() {
          @Override
          public List<ConflictException> commitSessions(List<List<Commit>> sessions) {
            if (sessions.stream().anyMatch(s -> s.get(0).head().key().equals(failing))) {
              throw new BackendUnavailableException("planted: the disk is gone");
            }
            return super.commitSessions(sessions);
          }
        };
    String archive = archiveOf(4 * K, 2);
    try (SessionStore store = open(backend)) {
      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class,
              () -> importArchive(store, archive, ProgressListener.NONE));
      assertEquals("planted: the disk is gone", e.getMessage());
      assertFalse(backend.committed.contains(failing));
      for (int i = 0; i < 4 * K; i++) {
        SessionKey k = key(id(i));
        assertEquals(backend.committed.contains(k), store.getMetadata(k).isPresent(), k.toString());
        if (backend.committed.contains(k)) {
          assertEquals(texts(messages(id(i), 2)), texts(store, k), k + " is whole");
        }
      }
    }
    assertNoThreadsLeft("import");
  }

  /** A batch backend read more slowly than it commits: batches are done long before the end. */
  private static SlowBatches slowReading() {
    return new SlowBatches() {
      @Override
      public Optional<StoredHead> head(SessionKey key) {
        pause(3);
        return super.head(key);
      }
    };
  }

  /** A batch backend whose {@code head} of one session fails, as a storage gone mid-import. */
  private static SlowBatches failingHead(SessionKey failing, String message) {
    return new SlowBatches() {
      @Override
      public Optional<StoredHead> head(SessionKey key) {
        if (key.equals(failing)) {
          throw new BackendUnavailableException(message);
        }
        return super.head(key);
      }
    };
  }

  @Test
  void aFailureOnALineComesAfterTheReadySessionsBeforeItAreCommitted() throws InterruptedException {
    SessionKey failing = key(id(20));
    SlowBatches backend = failingHead(failing, "planted: gone at s020");
    try (SessionStore store = open(backend)) {
      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class,
              () -> importArchive(store, archiveOf(40, 2), ProgressListener.NONE));
      assertEquals("planted: gone at s020", e.getMessage());
      for (int i = 0; i < 20; i++) {
        assertEquals(texts(messages(id(i), 2)), texts(store, key(id(i))), id(i) + " is stored");
      }
    }
    assertNoThreadsLeft("import");
  }

  @Test
  void aBatchThatFailsIsTheFailureThrownBeforeALaterLinesOwn() {
    SessionKey inFirstBatch = key(id(0));
    SessionKey later = key(id(3 * K));
    SlowBatches backend =
        new SlowBatches() {
          @Override
          public Optional<StoredHead> head(SessionKey key) {
            if (key.equals(later)) {
              throw new BackendUnavailableException("planted: a later line's failure");
            }
            return super.head(key);
          }

          @Override
          public List<ConflictException> commitSessions(List<List<Commit>> sessions) {
            if (sessions.stream().anyMatch(s -> s.get(0).head().key().equals(inFirstBatch))) {
              pause(300);
              throw new BackendUnavailableException("planted: the first batch's failure");
            }
            return super.commitSessions(sessions);
          }
        };
    try (SessionStore store = open(backend)) {
      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class,
              () -> importArchive(store, archiveOf(4 * K, 2), ProgressListener.NONE));
      assertEquals("planted: the first batch's failure", e.getMessage());
      assertTrue(
          backend.committed.isEmpty(), "nothing after the failed batch: " + backend.committed);
    }
  }

  @Test
  void anInterruptStopsTheReadingAndTheSessionsReadyFinish() throws InterruptedException {
    // The interrupt, at the first batch's outcome, comes early.
    SlowBatches backend = slowReading();
    String archive = archiveOf(8 * K, 2);
    try (SessionStore store = open(backend)) {
      ProgressListener interruptOnce = interruptingOnce();
      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class,
              () -> importArchive(store, archive, interruptOnce));
      assertTrue(Thread.interrupted(), "the interrupt flag is kept");
      assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
      long stored =
          IntStream.range(0, 8 * K).filter(i -> store.getMetadata(key(id(i))).isPresent()).count();
      assertTrue(stored < 8 * K, "the import stopped: " + stored + " sessions stored");
      assertEquals(backend.committed.size(), stored, "each committed session whole, no other");
    }
    assertNoThreadsLeft("import");
  }

  /** A listener that interrupts the caller at the first outcome. */
  private static ProgressListener interruptingOnce() {
    Thread caller = Thread.currentThread();
    return new ProgressListener() {
      private boolean done;

      @Override
      public void progress(long line, long total) {
        if (!done) {
          done = true;
          caller.interrupt();
        }
      }
    };
  }

  @Test
  void anInterruptAfterTheLastLineIsReportedAndTheReadySessionsFinish() {
    SlowBatches backend = new SlowBatches();
    try (SessionStore store = open(backend)) {
      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class,
              () -> importArchive(store, archiveOf(3, 2), interruptingOnce()));
      assertTrue(Thread.interrupted(), "the interrupt flag is kept");
      assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
      for (int i = 0; i < 3; i++) {
        assertEquals(texts(messages(id(i), 2)), texts(store, key(id(i))), id(i) + " is stored");
      }
    }
  }

  @Test
  void aProgressListenerThatFailsStopsTheImportAndNoLaterSessionIsCommitted() {
    SlowBatches backend = slowReading();
    try (SessionStore store = open(backend)) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  importArchive(
                      store,
                      archiveOf(4 * K, 2),
                      (line, total) -> {
                        throw new IllegalStateException("planted: the listener fails");
                      }));
      assertEquals("planted: the listener fails", e.getMessage());
      assertEquals(
          Set.copyOf(backend.given.get(0)),
          backend.committed,
          "only the first batch, whose first outcome failed to be counted, was committed");
    }
  }

  @Test
  void theReadingStopsAtTooManyRejectionsWhileBatchesAreCommitted() {
    SlowBatches backend = new SlowBatches();
    StringBuilder archive = new StringBuilder(archiveOf(3, 2));
    for (int i = 0; i < 2_000; i++) {
      archive
          .append("{\"project\":\"bulk\",\"sessionId\":\"r")
          .append(i)
          .append("\",\"messages\":[1]}\n");
    }
    for (int i = 0; i < 47; i++) {
      archive.append(archiveLine("late" + i, messages("late" + i, 1)));
    }
    try (SessionStore store = open(backend)) {
      ImportResult r = importArchive(store, archive.toString(), ProgressListener.NONE);
      assertEquals(3, r.created(), "nothing after the rejections that stop the reading");
      int rejected = r.rejected().size();
      assertTrue(
          rejected > ArchiveImporter.MAX_REJECTED
              && rejected <= ArchiveImporter.MAX_REJECTED + K + 1,
          rejected + " rejections");
      assertTrue(r.rejected().get(rejected - 1).reason().startsWith("Stopped reading after"));
    }
  }

  // ---- migration

  @Test
  void aMigrationCopiesSeveralSessionsAtOnceAndReportsThemInOrderOnTheCallersThread()
      throws InterruptedException {
    CountDownLatch together = new CountDownLatch(K);
    Set<SessionKey> seen = ConcurrentHashMap.newKeySet();
    MemoryBackend source =
        new MemoryBackend() {
          @Override
          public Stream<String> messages(StoredHead head, long from) {
            if (seen.add(head.key())) {
              together.countDown();
              await(together, "copies");
            }
            return super.messages(head, from);
          }
        };
    List<Long> progress = new ArrayList<>();
    Set<Thread> progressThreads = ConcurrentHashMap.newKeySet();
    try (SessionStore from = open(source);
        SessionStore to = open(new MemoryBackend())) {
      fill(from, 3 * K);
      MigrationResult r =
          from.migrateTo(
              to,
              everything(),
              (done, total) -> {
                progress.add(done);
                progressThreads.add(Thread.currentThread());
              });
      assertEquals(3 * K, r.copied());
      assertTrue(r.failed().isEmpty() && r.diverged().isEmpty(), r.toString());
      assertEquals(range(1, 3 * K), progress);
      assertEquals(Set.of(Thread.currentThread()), progressThreads);
      assertArrayEquals(sequentialArchive(from), sequentialArchive(to));

      MigrationResult again = from.migrateTo(to, everything(), ProgressListener.NONE);
      assertEquals(3 * K, again.skipped());
    }
    assertNoThreadsLeft("migration");
  }

  /** The numbers from {@code first} to {@code last}. */
  private static List<Long> range(long first, long last) {
    return LongStream.rangeClosed(first, last).boxed().toList();
  }
}
