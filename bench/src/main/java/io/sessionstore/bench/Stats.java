package io.sessionstore.bench;

import java.util.Arrays;

/** The measured durations of an operation, one per iteration, in nanoseconds. */
record Stats(long[] nanos) {
  Stats {
    if (nanos.length == 0) {
      throw new IllegalArgumentException("no measured iterations");
    }
    nanos = nanos.clone();
    Arrays.sort(nanos);
  }

  double opsPerSec() {
    return nanos.length / (Arrays.stream(nanos).sum() / 1e9);
  }

  double p50Micros() {
    return percentile(0.50);
  }

  double p99Micros() {
    return percentile(0.99);
  }

  /**
   * Nearest-rank percentile, so with few samples p99 is the slowest one rather than an
   * interpolation.
   */
  private double percentile(double p) {
    int rank = (int) Math.ceil(p * nanos.length);
    return nanos[Math.max(0, rank - 1)] / 1e3;
  }
}
