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
  @TempDir Path dir;

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
    assertTrue(
        out.contains(
            "found quickstart-session: 6 messages, 1 turns, $0.005, tags [example, reviewed]"),
        out);
    assertTrue(out.contains("first message type: system"), out);
    assertTrue(out.contains("append again: skipped 1"), out);
    List<String> archive = Files.readAllLines(dir.resolve("export.jsonl"));
    assertEquals(2, archive.size());
    assertTrue(archive.get(1).contains("\"sessionId\":\"quickstart-session\""));
  }

  @Test
  void theS3ExampleArchivesAndReadsFromAnotherStoreInstance() throws Exception {
    String out = run(() -> S3Archive.main(new String[0]));
    assertTrue(
        out.contains("archived to S3: 2 copied and verified, 0 already there, 0 failed"), out);
    assertTrue(out.contains("another machine found review-42: 6 messages, $0.005"), out);
    assertTrue(out.contains("another machine read transcript-7: 23 messages"), out);
  }

  @Test
  void theRecordingExampleStoresEachMessageAsItArrives() throws Exception {
    String out = run(() -> RecordStream.main(new String[] {dir.toString()}));
    for (int i = 1; i <= 6; i++) {
      assertTrue(out.contains("message: " + i + " in the session"), out);
    }
    assertTrue(out.contains(": 6 messages, 1 turns, $0.005, format stream-json"), out);
  }

  @Test
  void theRecordingExampleReadsAStreamFile() throws Exception {
    Path stream = dir.resolve("stream.jsonl");
    Files.write(
        stream, Samples.messages("stream-json-session.jsonl").stream().map(m -> m.json()).toList());
    String out =
        run(
            () ->
                RecordStream.main(
                    new String[] {dir.resolve("store").toString(), stream.toString()}));
    assertTrue(out.contains(": 6 messages, 1 turns, $0.005, format stream-json"), out);
  }

  @Test
  void theImportExampleImportsOnceAndPullsTheTranscriptBack() throws Exception {
    String out = run(() -> ImportTranscripts.main(new String[0]));
    assertTrue(
        out.contains(
            "first import: 2 files, 1 sessions, "
                + (Samples.messages("transcript.jsonl").size()
                    + Samples.messages("transcript-subagent.jsonl").size())
                + " lines stored"),
        out);
    assertTrue(out.contains("second import: 0 lines stored"), out);
    assertTrue(out.contains("subpaths [subagents/agent-example], cwd /tmp/workspace"), out);
    assertTrue(out.contains("(2 files)"), out);
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
    try (SessionStore store =
        SessionStore.builder()
            .config(SessionStoreConfig.of(Map.of("sessionstore.backend", "memory")))
            .build()) {
      store.appendMessages(store.key("s"), Samples.messages("transcript.jsonl"));
      assertEquals(23, store.getMetadata(store.key("s")).orElseThrow().messageCount());
    }
  }
}
