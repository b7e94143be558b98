package io.sessionstore.bench;

import java.util.Objects;

/**
 * One line of the report: how one system did one workload on one backend. {@code opsPerSec} is
 * operations per second, except for the {@code -mb} workloads where it is megabytes (10^6 bytes)
 * per second; {@code bytes} is the payload one operation moves; {@code requestsPerOp} the requests
 * one operation sends to the server, where the series counts them (null elsewhere); {@code
 * storedRatio}, on {@code import-mb}, the bytes the backend holds after the import over the
 * archive's bytes (null where not measured).
 */
public record Row(
    String workload,
    String backend,
    String system,
    double opsPerSec,
    double p50Micros,
    double p99Micros,
    long bytes,
    Long requestsPerOp,
    Double storedRatio) {
  public Row {
    Objects.requireNonNull(workload, "workload is null");
    Objects.requireNonNull(backend, "backend is null");
    Objects.requireNonNull(system, "system is null");
  }

  static Row of(String workload, String backend, String system, Stats stats, long bytes) {
    return new Row(
        workload,
        backend,
        system,
        stats.opsPerSec(),
        stats.p50Micros(),
        stats.p99Micros(),
        bytes,
        null,
        null);
  }

  Row withRequestsPerOp(long requests) {
    return new Row(
        workload, backend, system, opsPerSec, p50Micros, p99Micros, bytes, requests, storedRatio);
  }

  Row withStoredRatio(double ratio) {
    return new Row(
        workload, backend, system, opsPerSec, p50Micros, p99Micros, bytes, requestsPerOp, ratio);
  }

  /** A row whose rate is megabytes per second of {@code bytes} moved by each operation. */
  static Row throughput(String workload, String backend, String system, Stats stats, long bytes) {
    return new Row(
        workload,
        backend,
        system,
        stats.opsPerSec() * bytes / 1e6,
        stats.p50Micros(),
        stats.p99Micros(),
        bytes,
        null,
        null);
  }
}
