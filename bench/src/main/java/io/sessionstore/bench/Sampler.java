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

  /** A bulk operation: {@code prepare} sets up its data untimed, {@code run} is timed, then the data is closed. */
  interface Bulk<T extends AutoCloseable> {
    T prepare() throws Exception;

    void run(T prepared) throws Exception;
  }

  private Sampler() {}

  static Stats time(int warmup, int iterations, Op op) throws Exception {
    for (int i = 0; i < warmup; i++) {
      op.run(i);
    }
    long[] nanos = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      op.run(warmup + i);
      nanos[i] = System.nanoTime() - start;
    }
    return new Stats(nanos);
  }

  static <T extends AutoCloseable> Stats timeBulk(int warmup, int iterations, Bulk<T> bulk) throws Exception {
    long[] nanos = new long[iterations];
    for (int i = 0; i < warmup + iterations; i++) {
      try (T prepared = bulk.prepare()) {
        long start = System.nanoTime();
        bulk.run(prepared);
        if (i >= warmup) {
          nanos[i - warmup] = System.nanoTime() - start;
        }
      }
    }
    return new Stats(nanos);
  }
}
