package io.sessionstore.backend.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.api.WriteResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up (simulated through {@link FileFaults}): a write that fails before its commit
 * point takes its data back and changes nothing, later writes are not blocked by anything it left,
 * and a failure after the commit point never turns a stored write into an error.
 */
class FileDiskFullTest {
  private static final String ENOSPC = "No space left on device";

  @TempDir Path tmp;

  @AfterEach
  void removeHook() {
    FileFaults.install(null);
  }

  private static SessionStore open(Path dir, long compactAfter) {
    return SessionStore.builder()
        .backend(new FileBackend(dir, compactAfter))
        .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
        .build();
  }

  /** Messages without a uuid: a retried append of them would store them twice. */
  private static List<Message> lines(String prefix, int n) {
    return IntStream.range(0, n)
        .mapToObj(
            i ->
                Message.of(
                    "{\"type\":\"user\",\"message\":{\"content\":\"" + prefix + " " + i + "\"}}"))
        .toList();
  }

  /**
   * Saves a session and appends to it, so that its messages are in a data file of its own (a new
   * session's are in a pack until its first append).
   */
  private static void inOwnFile(SessionStore store, SessionKey key, List<Message> messages) {
    store.saveSession(key, messages.subList(0, 1));
    store.appendMessages(key, messages.subList(1, messages.size()));
  }

  private static List<String> texts(SessionStore store, SessionKey key) {
    return store.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList();
  }

  private static long usage(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      long sum = 0;
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        sum += Files.size(p);
      }
      return sum;
    }
  }

  private static List<Path> dataFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("m-")).toList();
    }
  }

  /**
   * A disk with {@code quota} bytes for the store: every write fails once they are used up, and the
   * first write that {@code fills} matches fills the disk with part of its data before it fails, as
   * a real write would.
   */
  private static void diskOf(Path dir, long quota, BiPredicate<FileFaults.Op, Path> fills) {
    boolean[] filled = {false};
    FileFaults.install(
        (op, file) -> {
          if (op != FileFaults.Op.WRITE) {
            return;
          }
          long used = usage(dir);
          if (!filled[0] && fills.test(op, file)) {
            filled[0] = true;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
              ch.write(ByteBuffer.wrap(new byte[(int) Math.max(0, quota - used)]), ch.size());
            }
            throw new IOException(ENOSPC);
          }
          if (used >= quota) {
            throw new IOException(ENOSPC);
          }
        });
  }

  @Test
  void aSaveThatFillsTheDiskTakesItsDataBackAndLaterWritesSucceed() throws IOException {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir, 10_000)) {
      SessionKey a = store.key("a");
      SessionKey b = store.key("b");
      store.saveSession(a, lines("a", 2));
      inOwnFile(store, b, lines("b", 2));
      Path bDir = dir.resolve("projects").resolve("default").resolve("b");
      List<Path> bFiles = dataFiles(bDir);
      diskOf(
          dir,
          usage(dir) + 64 * 1024,
          (op, file) ->
              file.getParent().equals(bDir) && file.getFileName().toString().startsWith("m-"));

      BackendUnavailableException e =
          assertThrows(
              BackendUnavailableException.class, () -> store.saveSession(b, lines("big", 5000)));
      assertTrue(e.getMessage().contains(ENOSPC), e.getMessage());

      assertEquals(bFiles, dataFiles(bDir), "the failed save's new generation is gone");
      assertEquals(
          lines("b", 2).stream().map(Message::json).toList(),
          texts(store, b),
          "the failed save changed nothing");
      assertEquals(2, store.getMetadata(b).orElseThrow().version());
      store.appendMessages(a, lines("a2-", 1));
      store.saveSession(store.key("c"), lines("c", 1));
      store.saveSession(b, lines("b2-", 3));
      assertEquals(3, texts(store, a).size());
      assertEquals(3, texts(store, b).size());
      assertEquals(
          Set.of("a", "b", "c"),
          Set.copyOf(
              store.listSessions(Scope.allProjects(), 10, null).items().stream()
                  .map(SessionMetadata::sessionId)
                  .toList()));
    }
  }

  @Test
  void anAppendThatFailsCutsItsBytesOffAgain() throws IOException {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir, 10_000)) {
      SessionKey a = store.key("a");
      inOwnFile(store, a, lines("a", 2));
      Path data = dataFiles(dir.resolve("projects").resolve("default").resolve("a")).get(0);
      long committed = Files.size(data);
      diskOf(dir, usage(dir) + 4096, (op, file) -> file.equals(data));

      assertThrows(
          BackendUnavailableException.class, () -> store.appendMessages(a, lines("big", 500)));

      assertEquals(committed, Files.size(data));
      FileFaults.install(null);
      assertEquals(1, store.appendMessages(a, lines("n", 1)).stored());
      assertEquals(3, texts(store, a).size());
    }
  }

  @Test
  void anIndexRecordThatDoesNotFitCommitsNothingAndTakesTheDataBack() throws IOException {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir, 10_000)) {
      SessionKey a = store.key("a");
      inOwnFile(store, a, lines("a", 2));
      Path data = dataFiles(dir.resolve("projects").resolve("default").resolve("a")).get(0);
      long committed = Files.size(data);
      long index = Files.size(dir.resolve("index.log"));
      diskOf(
          dir,
          usage(dir) + 1_000_000,
          (op, file) -> file.getFileName().toString().equals("index.log"));

      assertThrows(BackendUnavailableException.class, () -> store.appendMessages(a, lines("n", 3)));

      assertEquals(committed, Files.size(data));
      assertEquals(index, Files.size(dir.resolve("index.log")), "the cut-off record is gone");
      FileFaults.install(null);
      try (SessionStore fresh = open(dir, 10_000)) {
        assertEquals(2, texts(fresh, a).size());
        fresh.appendMessages(a, lines("m", 1));
        assertEquals(3, texts(fresh, a).size());
      }
    }
  }

  @Test
  void dataFilesACrashedWriterLeftAreDeletedBeforeTheTranscriptsNextNewGeneration()
      throws IOException {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir, 10_000)) {
      SessionKey a = store.key("a");
      inOwnFile(store, a, lines("a", 2));
      Path aDir = dir.resolve("projects").resolve("default").resolve("a");
      List<Path> committed = dataFiles(aDir);
      // What a save killed before its commit point leaves: a new generation's file, never
      // referenced.
      Files.write(aDir.resolve(FileNames.dataFileName(42)), new byte[100_000]);
      Path newDir = dir.resolve("projects").resolve("default").resolve("n");
      Files.createDirectories(newDir);
      Files.write(newDir.resolve(FileNames.dataFileName(43)), new byte[100_000]);
      store.saveSession(store.key("n"), lines("n", 1));
      diskOf(dir, usage(dir), (op, file) -> false);

      // The leftovers fill the disk: a new life of the transcript deletes them first (here the
      // first append of a new session, which moves it out of its pack into a file of its own).
      store.appendMessages(store.key("n"), lines("n2-", 1));
      assertEquals(1, dataFiles(newDir).size());
      assertEquals(2, texts(store, store.key("n")).size());
      store.appendMessages(a, lines("b", 1));
      assertEquals(2, dataFiles(aDir).size(), "an append leaves the directory alone");
      store.saveSession(a, lines("c", 1));
      assertEquals(1, dataFiles(aDir).size());
      assertFalse(dataFiles(aDir).equals(committed));
    }
  }

  /**
   * A commit whose step after the commit point fails: the write is reported as done, and is done
   * once.
   */
  private void failingAfterTheCommit(BiPredicate<FileFaults.Op, Path> fault) throws IOException {
    Path dir = tmp.resolve("store");
    try (SessionStore store = open(dir, 20)) {
      SessionKey a = store.key("a");
      store.saveSession(a, lines("a", 1));
      for (int i = 0; i < 18; i++) {
        store.updateTags(a, Set.of("t" + i), Set.of());
      }
      FileFaults.install(
          (op, file) -> {
            if (fault.test(op, file)) {
              throw new IOException(ENOSPC);
            }
          });
      WriteResult appended = store.appendMessages(a, lines("x", 1));
      assertEquals(1, appended.stored());
      store.saveSession(store.key("b"), lines("b", 2));
      store.saveSession(a, lines("r", 2));
      assertTrue(store.deleteSession(store.key("b")));
      FileFaults.install(null);
      try (SessionStore fresh = open(dir, 20)) {
        assertEquals(lines("r", 2).stream().map(Message::json).toList(), texts(fresh, a));
        assertFalse(fresh.loadSession(store.key("b")).isPresent());
        fresh.appendMessages(a, lines("y", 1));
        assertEquals(3, texts(fresh, a).size());
      }
      store.appendMessages(a, lines("z", 1));
      assertEquals(4, texts(store, a).size());
      assertTrue(indexRecords(dir) < 20, "the compaction that failed ran at a later write");
      assertEquals(
          1,
          dataFiles(dir.resolve("projects").resolve("default").resolve("a")).size(),
          "the old generation that could not be deleted went at a later write");
    }
  }

  private static long indexRecords(Path dir) throws IOException {
    try (Stream<String> l = Files.lines(dir.resolve("index.log"))) {
      return l.count();
    }
  }

  @Test
  void aCompactionThatFailsAfterTheCommitIsNotAFailedWrite() throws IOException {
    failingAfterTheCommit((op, file) -> file.getFileName().toString().equals("index.log.tmp"));
  }

  @Test
  void aHeadSnapshotThatCannotBeWrittenIsNotAFailedWrite() throws IOException {
    failingAfterTheCommit((op, file) -> file.getFileName().toString().startsWith("head.json"));
  }

  @Test
  void filesThatCannotBeDeletedAfterACommitAreNotAFailedWrite() throws IOException {
    failingAfterTheCommit((op, file) -> op == FileFaults.Op.DELETE);
  }
}
