package io.sessionstore.bench;

/**
 * The plain timed harness for I/O-bound workloads: runs an operation for a warm-up whose times are dropped, then
 * times each measured iteration on its own with {@link System#nanoTime()}.
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
    // The set-up's garbage (sessions of 10,000 messages) is collected now rather than in the middle of the series.
    System.gc();
    long[] nanos = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      op.run(warmup + i);
      nanos[i] = System.nanoTime() - start;
    }
    return new Stats(nanos);
  }
}
