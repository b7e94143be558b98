package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The report: the rows as a JSON array, and a short table of the store's rows with their ratios.
 */
final class Report {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final List<Row> rows;

  Report(List<Row> rows) {
    this.rows = List.copyOf(rows);
  }

  List<Row> rows() {
    return rows;
  }

  void writeJson(Path file) throws IOException {
    JSON.writeValue(file.toFile(), rows);
  }

  static List<Row> readJson(Path file) throws IOException {
    return List.of(JSON.readValue(file.toFile(), Row[].class));
  }

  Optional<Row> find(String workload, String backend, String system) {
    return rows.stream()
        .filter(
            r ->
                r.workload().equals(workload)
                    && r.backend().equals(backend)
                    && r.system().equals(system))
        .findFirst();
  }

  /**
   * One line per workload and backend of the store. "x floor": how many times the floor's time per
   * operation the store takes. The other columns: how many times faster than the naive design and
   * than the peer on that backend.
   */
  void printTable(PrintStream out) {
    out.printf(
        "%-20s %-6s %12s %10s %10s %9s %9s %16s %8s%n",
        "workload",
        "backend",
        "ops/s",
        "p50 us",
        "p99 us",
        "x floor",
        "vs naive",
        "vs spring-ai",
        "req/op");
    for (String backend : List.of("file", "s3", "mongo")) {
      for (String workload : ALL) {
        find(workload, backend, SESSIONSTORE)
            .ifPresent(
                r ->
                    out.printf(
                        "%-20s %-6s %12s %10.0f %10.0f %9s %9s %16s %8s%n",
                        workload,
                        backend,
                        number(r.opsPerSec()) + (workload.endsWith("-mb") ? " MB/s" : ""),
                        r.p50Micros(),
                        r.p99Micros(),
                        ratio(find(workload, backend, FLOOR), r, true),
                        ratio(find(workload, backend, NAIVE), r, false),
                        ratio(find(workload, backend, peerOf(backend)), r, false),
                        r.requestsPerOp() == null ? "-" : r.requestsPerOp().toString()));
      }
    }
    for (String backend : List.of("file", "s3", "mongo")) {
      Optional<Row> shortRow = find(APPEND_SHORT, backend, SESSIONSTORE);
      Optional<Row> longRow = find(APPEND_LONG, backend, SESSIONSTORE);
      if (shortRow.isPresent() && longRow.isPresent()) {
        out.printf(
            "%s: append to 10,000 messages costs %.2fx append to 10 (target <= 1.5x)%n",
            backend, shortRow.get().opsPerSec() / longRow.get().opsPerSec());
      }
    }
    for (String backend : List.of("file", "s3", "mongo")) {
      find(IMPORT, backend, SESSIONSTORE)
          .filter(r -> r.storedRatio() != null)
          .ifPresent(
              r ->
                  out.printf(
                      "%s: after an import the backend holds %.2fx the archive's bytes%n",
                      backend, r.storedRatio()));
    }
    for (String backend : List.of("file", "mongo")) {
      Optional<Row> ours = find(APPEND_MID, backend, SESSIONSTORE);
      Optional<Row> peer = find(APPEND_MID, backend, peerOf(backend));
      if (ours.isPresent() && peer.isPresent()) {
        out.printf(
            "%s: append to 1,000 messages is %.1fx %s (target >= 10x)%n",
            backend, ours.get().opsPerSec() / peer.get().opsPerSec(), peerOf(backend));
      }
    }
  }

  private static String peerOf(String backend) {
    return backend.equals("file") ? SPRING_AI_JDBC : backend.equals("mongo") ? SPRING_AI_MONGO : "";
  }

  /**
   * The floor's ratio is cost (ours over its time); the others are speed-up (ours over their rate).
   */
  private static String ratio(Optional<Row> other, Row ours, boolean cost) {
    if (other.isEmpty()) {
      return "-";
    }
    double r =
        cost
            ? other.get().opsPerSec() / ours.opsPerSec()
            : ours.opsPerSec() / other.get().opsPerSec();
    return String.format(r >= 100 ? "%.0fx" : "%.1fx", r);
  }

  private static String number(double v) {
    return v >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
  }
}
