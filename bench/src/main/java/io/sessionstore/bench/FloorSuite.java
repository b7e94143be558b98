package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import io.sessionstore.api.Message;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * The floor of one backend on the same data: each write-like workload as one plain write of the
 * bytes it adds (a session, a message), each load as one plain read of a session's bytes.
 */
final class FloorSuite {
  private final Target target;
  private final Floor floor;
  private final Sizes sizes;
  private final Corpus corpus;
  private final Consumer<Row> out;
  private int names;

  FloorSuite(Target target, Sizes sizes, Corpus corpus, Consumer<Row> out) {
    this.target = target;
    this.floor = target.floor();
    this.sizes = sizes;
    this.corpus = corpus;
    this.out = out;
  }

  void run() throws Exception {
    // save-100's floor runs interleaved with the saves (StoreSuite). An append adds one message
    // whatever the session's length: the floor is one write of that message.
    writes(APPEND_SHORT, 1);
    writes(APPEND_MID, 1);
    writes(APPEND_LONG, 1);
    reads();
    recording();
  }

  private void writes(String workload, int messages) throws Exception {
    int operations = sizes.warmup() + sizes.iterations();
    byte[][] data = new byte[operations][];
    for (int i = 0; i < operations; i++) {
      data[i] = Corpus.lines(corpus.next(messages));
    }
    String prefix = workload + "-" + ++names + "-";
    Stats stats =
        Sampler.time(sizes.warmup(), sizes.iterations(), i -> floor.write(prefix + i, data[i]));
    report(workload, stats, bytes(data) / operations);
  }

  private void reads() throws Exception {
    int n = sizes.loadSessions();
    String prefix = "load-" + ++names + "-";
    long bytes = 0;
    for (int k = 0; k < n; k++) {
      byte[] session = Corpus.lines(corpus.next(sizes.saveMessages()));
      bytes += session.length;
      floor.write(prefix + k, session);
    }
    // The floor has no cache: a warm load's floor is the same read as a cold one's.
    for (String workload : List.of(LOAD_COLD, LOAD_WARM)) {
      Stats stats =
          Sampler.time(sizes.loadWarmup(), sizes.iterations(), i -> floor.read(prefix + i % n));
      report(workload, stats, bytes / n);
    }
  }

  /** Each message written as its own object, then each session read back as one object. */
  private void recording() throws Exception {
    int sessions = sizes.recordingSessions();
    int length = sizes.recordingLength();
    String prefix = "recording-" + ++names + "-";
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

  private static long bytes(byte[][] data) {
    long sum = 0;
    for (byte[] d : data) {
      sum += d.length;
    }
    return sum;
  }

  private void report(String workload, Stats stats, long bytes) {
    out.accept(Row.of(workload, target.name(), FLOOR, stats, bytes));
  }
}
