package io.sessionstore.backend.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.Message;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StoredHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New sessions go to packs: forced together, appended to in files of their own, deleted unused. */
class PacksTest {
  @TempDir Path tmp;

  @AfterEach
  void removeHook() {
    FileFaults.install(null);
  }

  private static SessionStore open(Path dir) {
    return SessionStore.builder()
        .backend(new FileBackend(dir))
        .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
        .build();
  }

  private static List<Message> users(String prefix, int n) {
    return FileStoreTest.users(prefix, n);
  }

  private static List<String> texts(SessionStore store, SessionKey key) {
    return store.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList();
  }

  private static List<String> texts(List<Message> messages) {
    return messages.stream().map(Message::json).toList();
  }

  private static Set<String> packFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(Packs.DIR))) {
      return new HashSet<>(files.map(p -> p.getFileName().toString()).toList());
    }
  }

  private static AtomicInteger countForces() {
    AtomicInteger forces = new AtomicInteger();
    FileFaults.install(
        (op, file) -> {
          if (op == FileFaults.Op.FORCE) {
            forces.incrementAndGet();
          }
        });
    return forces;
  }

  @Test
  void aNewSessionCostsTwoForcedWritesAndWhatIsAppendedGoesToAFileOfItsOwn() throws IOException {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("first"), users("f", 1));
      AtomicInteger forces = countForces();
      store.saveSession(store.key("s"), users("m", 100), SaveOptions.tags("t"));
      assertEquals(2, forces.get(), "the pack's bytes, then the index record");
      assertTrue(
          Files.notExists(dir.resolve("projects").resolve("default").resolve("s")),
          "no folder for a session in a pack");

      store.appendMessages(store.key("s"), users("n", 1));
      FileFaults.install(null);
      Path own;
      try (Stream<Path> files =
          Files.list(dir.resolve("projects").resolve("default").resolve("s"))) {
        own =
            files
                .filter(p -> p.getFileName().toString().startsWith("m-"))
                .findFirst()
                .orElseThrow();
      }
      assertEquals(texts(users("n", 1)), Files.readAllLines(own), "only what was appended");
      store.appendMessages(store.key("s"), users("o", 1));
      List<String> expected = new ArrayList<>(texts(users("m", 100)));
      expected.addAll(texts(users("n", 1)));
      expected.addAll(texts(users("o", 1)));
      assertEquals(expected, texts(store, store.key("s")));
      assertEquals(
          expected.subList(99, 102),
          store.loadMessages(store.key("s"), 99, 10).stream().map(Message::json).toList(),
          "a read across the pack and the file");
      assertEquals(List.of("t"), store.getMetadata(store.key("s")).orElseThrow().tags());
    }
  }

  @Test
  void aBatchOfNewSessionsCostsTwoForcedWrites() throws IOException {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("first"), users("f", 1));
    }
    List<List<Commit>> sessions = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      SessionKey key = SessionKey.of("default", "s" + i);
      List<String> messages = texts(users("m" + i, 3));
      SessionMetadata m =
          SessionMetadata.of(key, Instant.parse("2026-01-01T00:00:00Z"))
              .withCounts(3, java.math.BigDecimal.ZERO, 0)
              .withVersion(1);
      sessions.add(
          List.of(new Commit(Commit.Kind.REPLACE, 0, messages, new StoredHead(key, m, i + 1, ""))));
    }
    try (FileBackend backend = new FileBackend(dir)) {
      backend.start();
      AtomicInteger forces = countForces();
      List<?> conflicts = backend.commitSessions(sessions);
      assertEquals(2, forces.get(), "the pack's bytes, then the index records");
      assertTrue(conflicts.stream().allMatch(java.util.Objects::isNull), "all applied");
    }
    FileFaults.install(null);
    try (SessionStore store = open(dir)) {
      for (int i = 0; i < 50; i++) {
        assertEquals(texts(users("m" + i, 3)), texts(store, store.key("s" + i)));
      }
    }
  }

  @Test
  void anIndexLostWhileARecordIsForcedIsRebuiltOnceTheWriteIsDone() throws Exception {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("a"), users("a", 1));
      CountDownLatch forcing = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      holdFirstIndexForce(forcing, release, false);
      Thread writer = new Thread(() -> store.appendMessages(store.key("a"), users("w", 1)));
      writer.setDaemon(true);
      writer.start();
      assertTrue(forcing.await(30, TimeUnit.SECONDS));
      Files.delete(dir.resolve("index.log"));
      Thread reader = new Thread(() -> store.getMetadata(store.key("a")));
      reader.setDaemon(true);
      reader.start();
      awaitState(reader, Thread.State.WAITING, () -> true);
      release.countDown();
      writer.join(TimeUnit.SECONDS.toMillis(30));
      reader.join(TimeUnit.SECONDS.toMillis(30));
      assertTrue(!writer.isAlive() && !reader.isAlive(), "neither waits for the other for good");
      FileFaults.install(null);
      // The rebuild reads the snapshots, which may lag by the commit that raced with it (the
      // README's rule for a lost index): the append is there or not, the session whole either way.
      List<String> rebuilt = texts(store, store.key("a"));
      assertEquals(texts(users("a", 1)), rebuilt.subList(0, 1));
      assertTrue(rebuilt.size() <= 2, rebuilt.toString());
      store.appendMessages(store.key("a"), users("after", 1));
      assertEquals(rebuilt.size() + 1, texts(store, store.key("a")).size());
    }
  }

  private static List<Long> counts(SessionStore store) {
    return store.search(SearchQuery.in(Scope.allProjects()).build()).items().stream()
        .map(SessionMetadata::messageCount)
        .toList();
  }

  /**
   * Holds the index's first forced write from now on until {@code release}, counting down {@code
   * forcing} when it starts; then fails it, when {@code fail}.
   */
  private static void holdFirstIndexForce(
      CountDownLatch forcing, CountDownLatch release, boolean fail) {
    FileFaults.install(
        (op, file) -> {
          if (op == FileFaults.Op.FORCE
              && file.getFileName().toString().equals("index.log")
              && forcing.getCount() > 0) {
            forcing.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
            if (fail) {
              throw new IOException("the disk failed the forced write");
            }
          }
        });
  }

  /**
   * A record is read, by this process too, only once it is forced: while an append's record waits
   * for its forced write the session reads as before it, and when that write fails the append is
   * not seen at all.
   */
  @Test
  void aRecordIsReadOnlyOnceForcedAndOneWhoseForceFailsIsNeverSeen() throws Exception {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("a"), users("a", 1));
      CountDownLatch forcing = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      holdFirstIndexForce(forcing, release, true);
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      Thread writer =
          new Thread(
              () -> {
                try {
                  store.appendMessages(store.key("a"), users("w", 1));
                } catch (RuntimeException e) {
                  failures.add(e);
                }
              });
      writer.setDaemon(true);
      writer.start();
      List<Long> whileForced;
      try {
        assertTrue(forcing.await(30, TimeUnit.SECONDS));
        // A listing: it does not wait for the session's writer, as a read of the session does.
        whileForced = counts(store);
      } finally {
        release.countDown();
        writer.join(TimeUnit.SECONDS.toMillis(30));
        FileFaults.install(null);
      }
      assertEquals(List.of(1L), whileForced);
      assertEquals(1, failures.size(), failures.toString());
      assertEquals(List.of(1L), counts(store));
      assertEquals(texts(users("a", 1)), texts(store, store.key("a")));
      store.appendMessages(store.key("a"), users("after", 1));
      assertEquals(2, texts(store, store.key("a")).size());
    }
  }

  @Test
  void aSaveInterruptedWhileItsBatchIsWrittenLeavesThePacksUsable() throws Exception {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("first"), users("f", 1));
      // Interrupted right before its pack write: the JDK closes the pack's channel.
      AtomicBoolean interrupted = new AtomicBoolean();
      FileFaults.install(
          (op, file) -> {
            if (op == FileFaults.Op.WRITE
                && file.getParent().getFileName().toString().equals(Packs.DIR)
                && interrupted.compareAndSet(false, true)) {
              Thread.currentThread().interrupt();
            }
          });
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      Thread saver =
          new Thread(
              () -> {
                try {
                  store.saveSession(store.key("interrupted"), users("i", 1));
                } catch (RuntimeException e) {
                  failures.add(e);
                }
              });
      saver.start();
      saver.join(TimeUnit.SECONDS.toMillis(30));
      FileFaults.install(null);
      assertTrue(interrupted.get());
      assertEquals(1, failures.size(), "the interrupted save failed: " + failures);
      store.saveSession(store.key("next"), users("n", 2));
      assertEquals(texts(users("n", 2)), texts(store, store.key("next")));
    }
  }

  @Test
  void aTranscriptTooLongToReadAtOnceIsStreamedFromItsPackThenItsFile() throws IOException {
    Path dir = tmp.resolve("store");
    String pad = "x".repeat(100_000);
    List<Message> long100 =
        IntStream.range(0, 100)
            .mapToObj(
                i ->
                    Message.of(
                        "{\"type\":\"user\",\"uuid\":\"l"
                            + i
                            + "\",\"message\":{\"content\":\""
                            + pad
                            + "\"}}"))
            .toList();
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("long"), long100);
    }
    try (SessionStore store = open(dir)) {
      assertEquals(texts(long100), texts(store, store.key("long")), "from its pack alone");
      store.appendMessages(store.key("long"), users("after", 2));
    }
    List<String> expected = new ArrayList<>(texts(long100));
    expected.addAll(texts(users("after", 2)));
    try (SessionStore store = open(dir)) {
      assertEquals(expected, texts(store, store.key("long")));
      assertEquals(
          expected.subList(98, 102),
          store.loadMessages(store.key("long"), 98, 10).stream().map(Message::json).toList());
    }
  }

  @Test
  void newSessionsCommittedWhileABatchIsForcedAreForcedTogetherInTheNextBatch() throws Exception {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("first"), users("f", 1));
      List<SessionKey> keys = keysOfDistinctLockStripes(store, 8);
      long indexLines = Files.readAllLines(dir.resolve("index.log")).size();
      int forces =
          forcesWhenTheFirstWaits(
              keys,
              file -> file.getParent().getFileName().toString().equals(Packs.DIR),
              key -> store.saveSession(key, users(key.sessionId(), 3)));
      assertEquals(4, forces, "one batch of the first session, one of the seven others");
      assertEquals(indexLines + 8, Files.readAllLines(dir.resolve("index.log")).size());
      for (SessionKey key : keys) {
        assertEquals(texts(users(key.sessionId(), 3)), texts(store, key));
      }
    }
  }

  @Test
  void appendsCommittedWhileAnIndexRecordIsForcedShareTheNextForcedWriteOfTheIndex()
      throws Exception {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir)) {
      List<SessionKey> keys = keysOfDistinctLockStripes(store, 8);
      for (SessionKey key : keys) {
        store.saveSession(key, users(key.sessionId(), 1));
        store.appendMessages(key, users(key.sessionId() + "-b", 1));
      }
      int forces =
          forcesWhenTheFirstWaits(
              keys,
              file -> file.getFileName().toString().equals("index.log"),
              key -> store.appendMessages(key, users(key.sessionId() + "-c", 1)));
      assertEquals(8 + 2, forces, "each data file, then two forced writes of the index");
      for (SessionKey key : keys) {
        assertEquals(3, texts(store, key).size());
      }
    }
  }

  /**
   * Runs a write of each session on a thread of its own: the first waits in its first forced write
   * of a file that {@code blockAt} matches until every other is waiting too. Returns how many
   * forced writes they made in all.
   */
  private static int forcesWhenTheFirstWaits(
      List<SessionKey> keys, Predicate<Path> blockAt, Consumer<SessionKey> write) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean blocked = new AtomicBoolean();
    AtomicInteger forces = new AtomicInteger();
    FileFaults.install(
        (op, file) -> {
          if (op != FileFaults.Op.FORCE) {
            return;
          }
          forces.incrementAndGet();
          if (blockAt.test(file) && blocked.compareAndSet(false, true)) {
            try {
              release.await();
            } catch (InterruptedException e) {
              throw new IOException(e);
            }
          }
        });
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    for (SessionKey key : keys) {
      Thread t =
          new Thread(
              () -> {
                try {
                  write.accept(key);
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      t.setDaemon(true);
      threads.add(t);
    }
    try {
      for (Thread t : threads) {
        t.start();
        awaitState(t, Thread.State.WAITING, blocked::get);
      }
    } finally {
      release.countDown();
    }
    for (Thread t : threads) {
      t.join(TimeUnit.MINUTES.toMillis(1));
    }
    FileFaults.install(null);
    assertEquals(List.of(), failures);
    return forces.get();
  }

  /** Sessions whose locks are distinct, so that none of their saves waits for another's lock. */
  private static List<SessionKey> keysOfDistinctLockStripes(SessionStore store, int n) {
    List<SessionKey> keys = new ArrayList<>();
    Set<Integer> stripes = new HashSet<>();
    for (int i = 0; keys.size() < n; i++) {
      SessionKey key = store.key("g" + i);
      if (stripes.add(Math.floorMod(("default/" + key.sessionId()).hashCode(), 64))) {
        keys.add(key);
      }
    }
    return keys;
  }

  private static void awaitState(
      Thread t, Thread.State state, java.util.function.BooleanSupplier also)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.getState() != state || !also.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(t + " never reached " + state + "; it is " + t.getState());
      }
      Thread.sleep(1);
    }
  }

  @Test
  void aPackNothingRefersToIsDeletedAndOneWithRoomIsWrittenByTheNextProcess() throws IOException {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("a"), users("a", 2));
    }
    Set<String> pack = packFiles(dir);
    assertEquals(3, pack.size(), "messages, heads and lock: " + pack);
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("b"), users("b", 2));
      assertEquals(pack, packFiles(dir), "the next process writes to the pack with room");
      try (SessionStore other = open(dir)) {
        other.saveSession(other.key("c"), users("c", 2));
        assertEquals(6, packFiles(dir).size(), "a pack being written is not shared");
        other.saveSession(other.key("c"), users("c2-", 3));
      }
      assertEquals(pack, packFiles(dir), "the other pack was deleted when it closed unused");
      store.appendMessages(store.key("a"), users("a2-", 1));
      assertEquals(pack, packFiles(dir), "what is appended goes elsewhere: a stays in its pack");
      store.saveSession(store.key("a"), users("a3-", 3));
      store.deleteSession(store.key("b"));
      assertEquals(3, texts(store, store.key("a")).size());
    }
    assertEquals(Set.of(), packFiles(dir), "nothing refers to the first pack any more");
    try (SessionStore store = open(dir)) {
      assertEquals(3, texts(store, store.key("a")).size());
      assertEquals(3, texts(store, store.key("c")).size());
    }
  }

  @Test
  void aLostIndexIsRebuiltFromPacksWithoutTheSessionsThatLeftThem() throws IOException {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir)) {
      store.saveSession(store.key("appended"), users("m", 2));
      store.saveSession(store.key("appended-then-deleted"), users("d", 2));
      store.saveSession(store.key("deleted"), users("x", 2));
      store.saveSession(store.key("kept"), users("k", 2));
      // One session with a sub-transcript, both in the pack.
      store.importSession(
          SessionMetadata.of(
              store.key("replaced"), java.time.Instant.parse("2026-01-01T00:00:00Z")),
          users("r", 2),
          Map.of("subagents/a", users("ra", 1)),
          io.sessionstore.api.ImportOptions.DEFAULTS);
      store.appendMessages(store.key("appended"), users("m2-", 1));
      store.appendMessages(store.key("appended-then-deleted"), users("d2-", 1));
      store.deleteSession(store.key("appended-then-deleted"));
      store.saveSession(store.key("replaced"), users("r2-", 1));
      store.deleteSession(store.key("deleted"));
      store.updateTags(store.key("kept"), Set.of("tagged"), Set.of());
    }
    Files.delete(dir.resolve("index.log"));
    try (SessionStore store = open(dir)) {
      assertEquals(
          List.of("appended", "kept", "replaced"),
          store.listSessions(Scope.allProjects(), 10, null).items().stream()
              .map(SessionMetadata::sessionId)
              .sorted()
              .toList());
      assertEquals(texts(users("k", 2)), texts(store, store.key("kept")));
      assertEquals(List.of("tagged"), store.getMetadata(store.key("kept")).orElseThrow().tags());
      assertEquals(3, texts(store, store.key("appended")).size());
      assertEquals(texts(users("r2-", 1)), texts(store, store.key("replaced")));
      assertEquals(
          List.of("subagents/a"),
          store.listSubpaths(store.key("replaced")),
          "a replaced main transcript keeps its sub-transcripts");
    }
  }
}
