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
import io.sessionstore.tck.TextSearchWorker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full-text index is a cache: a process killed while indexing, a damaged index and a deleted
 * one never lose a match; the next query builds what is missing.
 */
class TextIndexCrashTest {
  private static final int SESSIONS = 150;

  @TempDir Path dir;
  private Path config;

  private SessionStore open() {
    return SessionStore.builder()
        .config(SessionStoreConfig.load(config, Map.of()))
        .shortLived(true)
        .build();
  }

  @BeforeEach
  void fill() throws IOException {
    config = dir.resolve("store.properties");
    Files.writeString(
        config, "sessionstore.backend=file\nsessionstore.file.dir=" + dir.resolve("store") + "\n");
    try (SessionStore store = open()) {
      for (int s = 0; s < SESSIONS; s++) {
        int session = s;
        store.saveSession(
            SessionKey.of("p", "s" + s),
            IntStream.range(0, 40)
                .mapToObj(
                    i ->
                        Message.of(
                            "{\"type\":\"user\",\"uuid\":\"u"
                                + i
                                + "\",\"message\":{\"role\":\"user\",\"content\":\"compost "
                                + TextSearchWorker.word("s", session)
                                + " line "
                                + i
                                + " "
                                + "of a long and winding conversation about the garden ".repeat(20)
                                + "\"}}"))
                .toList(),
            SaveOptions.NONE);
      }
    }
  }

  private static List<String> everySessionFound(SessionStore store) {
    return store
        .search(SearchQuery.in(Scope.allProjects()).matching("compost").limit(1000).build())
        .items()
        .stream()
        .map(SessionMetadata::sessionId)
        .sorted()
        .toList();
  }

  private static List<String> allIds() {
    return IntStream.range(0, SESSIONS).mapToObj(i -> "s" + i).sorted().toList();
  }

  @Test
  void aProcessKilledWhileIndexingLosesNothing() throws Exception {
    Process worker =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                TextSearchWorker.class.getName(),
                "rebuild",
                config.toString())
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals("indexing")) {
        // its log lines, until indexing has begun
      }
      assertEquals("indexing", line, "the worker began indexing");
      worker.destroyForcibly().waitFor();
    }
    assertTrue(!worker.isAlive());
    try (SessionStore store = open()) {
      assertEquals(allIds(), everySessionFound(store));
      assertEquals(
          List.of("s7"),
          store
              .search(
                  SearchQuery.in(Scope.allProjects())
                      .matching(TextSearchWorker.word("s", 7))
                      .build())
              .items()
              .stream()
              .map(SessionMetadata::sessionId)
              .toList(),
          "no message indexed twice or lost");
    }
  }

  @Test
  void aDamagedOrDeletedIndexIsBuiltAgain() throws IOException {
    Path index = dir.resolve("store").resolve("search-index");
    try (SessionStore store = open()) {
      assertEquals(allIds(), everySessionFound(store));
    }
    try (Stream<Path> files = Files.list(index)) {
      for (Path f : files.filter(f -> !f.getFileName().toString().equals("write.lock")).toList()) {
        byte[] bytes = Files.readAllBytes(f);
        for (int i = 0; i < bytes.length; i += 7) {
          bytes[i] ^= 0x5a;
        }
        Files.write(f, bytes);
      }
    }
    try (SessionStore store = open()) {
      assertEquals(allIds(), everySessionFound(store), "after damage");
    }
    try (Stream<Path> files = Files.walk(index)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    try (SessionStore store = open()) {
      assertEquals(allIds(), everySessionFound(store), "after deletion");
    }
  }

  @Test
  void theIndexFilesAreTheOwnersAlone() throws IOException {
    try (SessionStore store = open()) {
      everySessionFound(store);
    }
    Path index = dir.resolve("store").resolve("search-index");
    assertEquals("rwx------", perms(index));
    try (Stream<Path> files = Files.list(index)) {
      for (Path f : files.toList()) {
        assertEquals("rw-------", perms(f), f.toString());
      }
    }
  }

  private static String perms(Path p) throws IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
