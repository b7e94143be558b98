package io.sessionstore.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The plain timed harness for I/O-bound workloads: runs an operation for a warm-up whose times are
 * dropped, then times each measured iteration on its own with {@link System#nanoTime()}.
 */
final class Sampler {
  /** One operation; {@code i} counts warm-up and measured iterations together, from 0. */
  @FunctionalInterface
  interface Op {
    void run(int i) throws Exception;
  }

  private Sampler() {}

  static Stats time(int warmup, int iterations, Op op) throws Exception {
    for (int i = 0; i < warmup; i++) {
      op.run(i);
    }
    // The set-up's garbage (sessions of 10,000 messages) is collected now rather than in the middle
    // of the series.
    System.gc();
    long[] nanos = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      op.run(warmup + i);
      nanos[i] = System.nanoTime() - start;
    }
    return new Stats(nanos);
  }

  /**
   * Several series run in turn, one operation of each, so that whatever slows the machine for a
   * while (another process, a collection) slows them alike and their ratios hold.
   */
  static List<Stats> interleaved(int warmup, int iterations, List<Op> ops) throws Exception {
    long[][] nanos = new long[ops.size()][iterations];
    for (int i = 0; i < warmup + iterations; i++) {
      if (i == warmup) {
        System.gc();
      }
      for (int j = 0; j < ops.size(); j++) {
        long start = System.nanoTime();
        ops.get(j).run(i);
        if (i >= warmup) {
          nanos[j][i - warmup] = System.nanoTime() - start;
        }
      }
    }
    List<Stats> out = new ArrayList<>();
    for (long[] n : nanos) {
      out.add(new Stats(n));
    }
    return out;
  }
}
