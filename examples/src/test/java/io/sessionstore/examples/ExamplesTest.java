package io.sessionstore.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples run and do what they say. */
class ExamplesTest {
  @TempDir
  Path dir;

  private static String run(ThrowingMain main) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(original);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  interface ThrowingMain {
    void run() throws Exception;
  }

  @Test
  void theQuickstartStoresTagsSearchesAppendsAndExports() throws Exception {
    String out = run(() -> Quickstart.main(new String[] {dir.toString()}));
    assertTrue(out.contains("found quickstart-session: 6 messages, 1 turns, $0.005, tags [example, reviewed]"), out);
    assertTrue(out.contains("first message type: system"), out);
    assertTrue(out.contains("append again: skipped 1"), out);
    List<String> archive = Files.readAllLines(dir.resolve("export.jsonl"));
    assertEquals(2, archive.size());
    assertTrue(archive.get(1).contains("\"sessionId\":\"quickstart-session\""));
  }

  @Test
  void theS3ExampleArchivesAndReadsFromAnotherStoreInstance() throws Exception {
    String out = run(() -> S3Archive.main(new String[0]));
    assertTrue(out.contains("archived to S3: 2 new"), out);
    assertTrue(out.contains("another machine found review-42: 6 messages, $0.005"), out);
    assertTrue(out.contains("another machine read transcript-7: 23 messages"), out);
  }

  @Test
  void theMongoExampleRecordsAndSearches() throws Exception {
    String out = run(() -> MongoExample.main(new String[0]));
    assertTrue(out.contains("found run-1: 6 messages, 1 turns, $0.005"), out);
  }

  @Test
  void theGuiceExampleInjectsOneStore() throws Exception {
    String out = run(() -> GuiceExample.main(new String[] {dir.toString()}));
    assertTrue(out.contains("sessions in project guice-example: 2"), out);
    assertTrue(out.contains("same store instance: true"), out);
  }

  @Test
  void theCustomBackendIsFoundByNameLikeAnyOther() {
    try (SessionStore store = SessionStore.builder()
        .config(SessionStoreConfig.of(Map.of("sessionstore.backend", "memory"))).build()) {
      store.appendMessages(store.key("s"), Samples.messages("transcript.jsonl"));
      assertEquals(23, store.getMetadata(store.key("s")).orElseThrow().messageCount());
    }
  }
}
