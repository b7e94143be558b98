package io.sessionstore.backend.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.BackendRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is particular to the file backend: discovery, its layout on disk, and recovery from crashes.
 */
class FileStoreTest {
  @TempDir Path tmp;

  private SessionStore open(Path dir) {
    return SessionStore.builder()
        .config(
            SessionStoreConfig.of(
                Map.of(
                    "sessionstore.backend",
                    "file",
                    "sessionstore.file.dir",
                    dir.toString(),
                    "sessionstore.cache.enabled",
                    "false")))
        .build();
  }

  static List<Message> users(String prefix, int n) {
    return IntStream.range(0, n)
        .mapToObj(
            i ->
                Message.of(
                    "{\"type\":\"user\",\"uuid\":\""
                        + prefix
                        + i
                        + "\",\"message\":{\"content\":\""
                        + prefix
                        + " "
                        + i
                        + "\"}}"))
        .toList();
  }

  private static List<String> texts(List<Message> messages) {
    return messages.stream().map(Message::json).toList();
  }

  private static List<String> texts(SessionStore store, SessionKey key) {
    return store.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList();
  }

  @Test
  void theProviderIsFoundThroughServiceLoaderByName() {
    BackendRegistry registry = BackendRegistry.discover();
    assertInstanceOf(FileBackendProvider.class, registry.provider("file"));
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                SessionStore.builder()
                    .config(SessionStoreConfig.of(Map.of("sessionstore.backend", "nosuch")))
                    .build());
    assertTrue(e.getMessage().contains("Available backends: file"), e.getMessage());
    try (SessionStore store = open(tmp.resolve("s"))) {
      store.appendMessages(store.key("x"), users("m", 1));
    }
    assertTrue(
        Files.exists(tmp.resolve("s").resolve("index.log")), "the configured directory is used");
  }

  @Test
  void aLostIndexGivesNoChangeTokenUntilAReadRebuildsIt() throws IOException {
    Path dir = tmp.resolve("token");
    try (SessionStore store = open(dir)) {
      store.appendMessages(store.key("a"), users("a", 2));
      assertTrue(store.changeToken().isPresent());
    }
    Files.delete(dir.resolve("index.log"));
    try (SessionStore store = open(dir)) {
      // Opening the store reads no index, so it is still missing: what the store holds is unknown.
      assertEquals(Optional.empty(), store.changeToken());
      assertEquals(2, store.getMetadata(store.key("a")).orElseThrow().messageCount(), "rebuilt");
      String rebuilt = store.changeToken().orElseThrow();
      store.loadSession(store.key("a"));
      assertEquals(rebuilt, store.changeToken().orElseThrow());
    }
  }

  @Test
  void everythingItCreatesIsPrivateToItsOwner() throws IOException {
    Path dir = tmp.resolve("private");
    try (SessionStore store =
        SessionStore.builder()
            .backend(new FileBackend(dir, 5))
            .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
            .build()) {
      store.saveSession(store.key("s"), users("m", 2), SaveOptions.tags("t"));
      store.appendMessages(store.key("s").withSubpath("subagents/a"), users("a", 1));
      store.saveSession(store.key("s"), users("n", 1));
      for (int i = 0; i < 30; i++) {
        store.appendMessages(store.key("s"), users("c" + i + "-", 1));
      }
    }
    Files.delete(dir.resolve("index.log"));
    try (SessionStore store = open(dir)) {
      assertEquals(31, store.getMetadata(store.key("s")).orElseThrow().messageCount(), "rebuilt");
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.toList()) {
        String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        assertEquals(Files.isDirectory(p) ? "rwx------" : "rw-------", perms, p.toString());
      }
    }
  }

  @Test
  void namesThatDifferOnlyInCaseAreTwoSessionsOnDisk() throws IOException {
    Path dir = tmp.resolve("case");
    try (SessionStore store = open(dir)) {
      // Twice each: a new session's first write goes to a pack, the next gives it its folder.
      for (int i = 0; i < 2; i++) {
        store.appendMessages(SessionKey.of("p", "A"), users("upper" + i, 1));
        store.appendMessages(SessionKey.of("p", "a"), users("lower" + i, 1));
        store.appendMessages(SessionKey.of("p", "..%2f..%2fx"), users("odd" + i, 1));
      }
      assertEquals(texts(store, SessionKey.of("p", "A")).size(), 2);
      assertTrue(texts(store, SessionKey.of("p", "A")).get(0).contains("upper"));
    }
    try (Stream<Path> sessions = Files.list(dir.resolve("projects").resolve("p"))) {
      assertEquals(
          Set.of("%41", "a", "..%252f..%252fx"),
          Set.copyOf(sessions.map(p -> p.getFileName().toString()).toList()));
    }
  }

  @Test
  void aStoreOfANewerLayoutIsRefused() throws IOException {
    Path dir = tmp.resolve("newer");
    open(dir).close();
    Files.writeString(
        dir.resolve("format"),
        "{\"layout\":\"sessionstore-file\",\"version\":"
            + (FileBackend.LAYOUT_VERSION + 1)
            + "}\n");
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> open(dir));
    assertTrue(e.getMessage().contains("newer sessionstore"), e.getMessage());
    Files.writeString(dir.resolve("format"), "something else");
    assertThrows(ConfigurationException.class, () -> open(dir));
  }

  @Test
  void aStoreOfTheFirstLayoutIsUpgradedSoOlderVersionsRefuseWhatTheyCannotRead()
      throws IOException {
    Path dir = tmp.resolve("older");
    SessionKey key = SessionKey.of("default", "s");
    try (SessionStore store = open(dir)) {
      store.appendMessages(key, users("m", 2));
    }
    Files.writeString(dir.resolve("format"), "{\"layout\":\"sessionstore-file\",\"version\":1}\n");
    try (SessionStore store = open(dir)) {
      assertEquals(2, texts(store, key).size());
    }
    assertEquals(
        "{\"layout\":\"sessionstore-file\",\"version\":" + FileBackend.LAYOUT_VERSION + "}",
        Files.readString(dir.resolve("format")).strip());
  }

  @Test
  void linesReadBackExactlyAndDamagedBytesAreReported() throws IOException {
    Path dir = tmp.resolve("utf8");
    SessionKey key = SessionKey.of("default", "s");
    List<Message> messages =
        List.of(
            Message.of("{\"type\":\"user\",\"message\":{\"content\":\"caf\u00e9 \ud83d\ude00\"}}"),
            Message.of("{\"type\":\"user\",\"message\":{\"content\":\"a stored \ufffd\"}}"),
            Message.of("{\"type\":\"user\",\r\"message\":{\"content\":\"a lone CR before\"}}"));
    try (SessionStore store = open(dir)) {
      store.saveSession(key, messages);
      assertEquals(texts(messages), texts(store, key));
    }
    Path data = onlyPack(dir);
    byte[] bytes = Files.readAllBytes(data);
    int e = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("caf") + 3;
    bytes[e + 1] = (byte) 0x41; // the second byte of \u00e9: no longer UTF-8
    Files.write(data, bytes);
    try (SessionStore store = open(dir)) {
      InvalidInputException damaged =
          assertThrows(InvalidInputException.class, () -> store.loadSession(key));
      assertTrue(damaged.getMessage().contains("not valid UTF-8"), damaged.getMessage());
    }
  }

  @Test
  void bytesOfAWriteThatCrashedBeforeItsCommitAreNeverRead() throws IOException {
    Path dir = tmp.resolve("torn-data");
    SessionKey key = SessionKey.of("default", "s");
    try (SessionStore store = open(dir)) {
      // s in a file of its own (its first write went to a pack, the second moved it out), u in a
      // pack.
      store.appendMessages(key, users("m", 1));
      store.appendMessages(key, users("m2-", 1));
      store.saveSession(SessionKey.of("default", "u"), users("u", 1));
    }
    Path data;
    try (Stream<Path> files =
        Files.find(dir, 6, (p, a) -> p.getFileName().toString().startsWith("m-"))) {
      data = files.findFirst().orElseThrow();
    }
    Files.writeString(data, "{\"type\":\"user\",\"uuid\":\"half", StandardOpenOption.APPEND);
    Files.writeString(
        onlyPack(dir), "{\"type\":\"user\",\"uuid\":\"half", StandardOpenOption.APPEND);
    try (SessionStore store = open(dir)) {
      assertEquals(2, texts(store, key).size());
      store.appendMessages(key, users("n", 1));
      assertEquals(3, texts(store, key).size());
      assertEquals(texts(users("n", 1)).get(0), texts(store, key).get(2));
      // A new session goes to a pack after the bytes a crashed writer left there.
      store.saveSession(SessionKey.of("default", "t"), users("t", 2));
      assertEquals(texts(users("t", 2)), texts(store, SessionKey.of("default", "t")));
    }
  }

  @Test
  void anIndexRecordCutOffByACrashIsIgnoredAndRepaired() throws IOException {
    Path dir = tmp.resolve("torn-index");
    SessionKey key = SessionKey.of("default", "s");
    try (SessionStore store = open(dir)) {
      store.appendMessages(key, users("m", 2));
    }
    Files.writeString(
        dir.resolve("index.log"),
        "0badc0de P 99 {\"project\":\"default\",\"sessi",
        StandardOpenOption.APPEND);
    try (SessionStore store = open(dir)) {
      assertEquals(2, texts(store, key).size());
      store.appendMessages(key, users("n", 1));
      assertEquals(3, texts(store, key).size());
    }
    try (SessionStore store = open(dir)) {
      assertEquals(3, texts(store, key).size());
    }
  }

  @Test
  void aLostOrDamagedIndexIsRebuiltFromTheSessions() throws IOException {
    Path dir = tmp.resolve("rebuild");
    try (SessionStore store = open(dir)) {
      store.saveSession(
          store.key("a"), users("a", 3), SaveOptions.tags("keep").withSummary("kept"));
      store.appendMessages(store.key("a").withSubpath("subagents/x"), users("x", 1));
      store.appendMessages(store.key("b"), users("b", 2));
      store.deleteSession(store.key("b"));
      store.appendMessages(store.key("c"), users("c", 1));
    }
    Files.delete(dir.resolve("index.log"));
    try (SessionStore store = open(dir)) {
      assertRebuilt(store);
    }
    List<String> lines = Files.readAllLines(dir.resolve("index.log"));
    lines.set(0, lines.get(0).replaceFirst("\"", "'"));
    lines.add("{\"type\":\"not a record\"}");
    lines.add("00000000 P 1 {}");
    Files.write(dir.resolve("index.log"), lines);
    try (SessionStore store = open(dir)) {
      assertRebuilt(store);
    }
  }

  private static void assertRebuilt(SessionStore store) {
    List<String> ids =
        store.listSessions(Scope.allProjects(), 10, null).items().stream()
            .map(SessionMetadata::sessionId)
            .sorted()
            .toList();
    assertEquals(List.of("a", "c"), ids);
    SessionMetadata a = store.getMetadata(store.key("a")).orElseThrow();
    assertEquals(List.of("keep"), a.tags());
    assertEquals("kept", a.summary());
    assertEquals(3, a.messageCount());
    assertEquals(texts(users("a", 3)), texts(store, store.key("a")));
    assertEquals(List.of("subagents/x"), store.listSubpaths(store.key("a")));
  }

  @Test
  void theIndexIsCompactedWhenMostOfItsRecordsAreDead() throws IOException {
    Path dir = tmp.resolve("compact");
    try (SessionStore store =
        SessionStore.builder()
            .backend(new FileBackend(dir, 50))
            .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
            .build()) {
      for (int i = 0; i < 120; i++) {
        store.appendMessages(store.key("s" + (i % 3)), users("m" + i + "-", 1));
      }
      long lines = Files.readAllLines(dir.resolve("index.log")).size();
      assertTrue(lines < 60, "the log was compacted to " + lines + " records");
      assertEquals(40, texts(store, store.key("s1")).size());
    }
    try (SessionStore store = open(dir)) {
      assertEquals(40, store.getMetadata(store.key("s2")).orElseThrow().messageCount());
    }
  }

  @Test
  void theScheduledCleanupRemovesOldSessionsOfEveryProject() throws InterruptedException {
    Path dir = tmp.resolve("scheduled");
    try (SessionStore writer = open(dir)) {
      writer.appendMessages(SessionKey.of("p1", "old"), users("m", 1));
      writer.appendMessages(SessionKey.of("p2", "old"), users("m", 1));
    }
    io.sessionstore.tck.MutableClock later =
        new io.sessionstore.tck.MutableClock(
            java.time.Instant.now().plus(java.time.Duration.ofDays(40)));
    try (SessionStore store =
        SessionStore.builder()
            .clock(later)
            .config(
                SessionStoreConfig.of(
                    Map.of(
                        "sessionstore.file.dir",
                        dir.toString(),
                        "sessionstore.cache.enabled",
                        "false",
                        "sessionstore.cleanup.max-age",
                        "30d",
                        "sessionstore.cleanup.interval",
                        "50ms")))
            .build()) {
      store.appendMessages(SessionKey.of("p1", "fresh"), users("m", 1));
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (store.listSessions(Scope.allProjects(), 10, null).items().size() > 1
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(
          List.of("fresh"),
          store.listSessions(Scope.allProjects(), 10, null).items().stream()
              .map(SessionMetadata::sessionId)
              .toList());
    }
  }

  @Test
  void theDataOnDiskIsPlainJsonLines() throws IOException {
    Path dir = tmp.resolve("plain");
    try (SessionStore store = open(dir)) {
      store.appendMessages(store.key("s"), users("m", 2));
    }
    String expected = String.join("\n", users("m", 2).stream().map(Message::json).toList()) + "\n";
    assertEquals(expected, Files.readString(onlyPack(dir), StandardCharsets.UTF_8));
    try (SessionStore store = open(dir)) {
      store.appendMessages(store.key("s"), users("n", 1));
    }
    Path data;
    try (Stream<Path> files =
        Files.find(dir, 6, (p, a) -> p.getFileName().toString().startsWith("m-"))) {
      data = files.findFirst().orElseThrow();
    }
    assertEquals(
        users("n", 1).get(0).json() + "\n", Files.readString(data, StandardCharsets.UTF_8));
  }

  /** The one pack of a store: the messages of its new sessions. */
  private static Path onlyPack(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(Packs.DIR))) {
      List<Path> packs = files.filter(p -> p.toString().endsWith(".jsonl")).toList();
      assertEquals(1, packs.size(), packs.toString());
      return packs.get(0);
    }
  }
}
