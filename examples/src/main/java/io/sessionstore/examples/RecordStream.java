package io.sessionstore.examples;

import io.sessionstore.api.Message;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.claude.RecordOptions;
import io.sessionstore.claude.RecordResult;
import io.sessionstore.claude.Recorder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Records a live Claude Code session with the library's {@link Recorder}, as {@code claude -p "…"
 * --output-format stream-json --verbose | sessionstore record} does: each message is stored the
 * moment it arrives, so a crash loses at most the one in flight, and the session id comes from the
 * stream's {@code system}/{@code init} message.
 *
 * <p>Arguments: {@code [STORE_DIR] [STREAM_FILE|-]}. Without a stream it replays the bundled real
 * session line by line.
 */
public final class RecordStream {
  private RecordStream() {}

  public static void main(String[] args) throws Exception {
    Path dir =
        args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("sessionstore-record");
    try (SessionStore store =
        SessionStore.builder()
            .config(SessionStoreConfig.of(Map.of("sessionstore.file.dir", dir.toString())))
            .build()) {
      Recorder recorder =
          Recorder.of(
              store, RecordOptions.tagged(null, Set.of("example"), "Recorded from a stream"));
      RecordResult r;
      if (args.length > 1) {
        try (InputStream in =
            args[1].equals("-") ? System.in : Files.newInputStream(Path.of(args[1]))) {
          r = recorder.record(in, line -> {});
        }
      } else {
        for (Message m : Samples.messages("stream-json-session.jsonl")) {
          recorder.acceptLine(m.json());
          SessionMetadata now = store.getMetadata(recorder.key().orElseThrow()).orElseThrow();
          System.out.printf(
              "stored a %s message: %d in the session%n", m.type(), now.messageCount());
        }
        r = recorder.finish();
      }
      r.rejected().forEach(x -> System.out.println("skipped line " + x.line() + ": " + x.reason()));
      SessionMetadata m = r.metadata();
      System.out.printf(
          "recorded %s: %d messages, %d turns, $%s, format %s%n",
          r.key(),
          m.messageCount(),
          m.turns(),
          m.totalCostUsd().toPlainString(),
          m.attributes().get(SessionMetadata.FORMAT));
    }
  }
}
