package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import io.sessionstore.api.Message;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * The floors of the appends and of {@code recording-100x200} on one backend: one plain write per
 * message, one plain read per session. (The floors of {@code save-100} and the loads run
 * interleaved with them, in {@link StoreSuite}.)
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
    // An append adds one message whatever the session's length: the floor is one write of that
    // message.
    writes(APPEND_SHORT);
    writes(APPEND_MID);
    writes(APPEND_LONG);
    recording();
  }

  private void writes(String workload) throws Exception {
    int operations = sizes.warmup() + sizes.iterations();
    byte[][] data = new byte[operations][];
    long bytes = 0;
    for (int i = 0; i < operations; i++) {
      data[i] = Corpus.lines(List.of(corpus.next()));
      bytes += data[i].length;
    }
    String prefix = workload + "-";
    Stats stats =
        Sampler.time(sizes.warmup(), sizes.iterations(), i -> floor.write(prefix + i, data[i]));
    report(workload, stats, bytes / operations);
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
