package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import io.sessionstore.api.Message;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * The floor of {@code recording-100x200} on one backend: one plain write per message, one plain
 * read per session. (The floors of the saves, appends and loads run interleaved with them, in
 * {@link StoreSuite}.)
 */
final class FloorSuite {
  private final Target target;
  private final Floor floor;
  private final Sizes sizes;
  private final Corpus corpus;
  private final Consumer<Row> out;

  FloorSuite(Target target, Sizes sizes, Corpus corpus, Consumer<Row> out) {
    this.target = target;
    this.floor = target.floor();
    this.sizes = sizes;
    this.corpus = corpus;
    this.out = out;
  }

  void run() throws Exception {
    recording();
  }

  /** Each message written as its own object, then each session read back as one object. */
  private void recording() throws Exception {
    int sessions = sizes.recordingSessions();
    int length = sizes.recordingLength();
    String prefix = "recording-";
    long[] nanos = new long[sessions * length + sessions];
    int op = 0;
    long bytes = 0;
    for (int r = 0; r < sessions; r++) {
      List<Message> messages = corpus.next(length);
      for (int j = 0; j < length; j++) {
        byte[] data = messages.get(j).json().getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        floor.write(prefix + r + "-" + j, data);
        nanos[op++] = System.nanoTime() - start;
      }
      byte[] whole = Corpus.lines(messages);
      bytes += whole.length;
      floor.write(prefix + r, whole);
    }
    for (int r = 0; r < sessions; r++) {
      long start = System.nanoTime();
      floor.read(prefix + r);
      nanos[op++] = System.nanoTime() - start;
    }
    report(RECORDING, new Stats(nanos), bytes);
  }

  private void report(String workload, Stats stats, long bytes) {
    out.accept(Row.of(workload, target.name(), FLOOR, stats, bytes));
  }
}
