package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every workload of every system at a toy size, so the bench cannot rot, and checks the
 * report's shape. No timing is asserted: the machines that run the tests are too noisy for that.
 */
class BenchSmokeTest {
  @Test
  void everyWorkloadRunsAndIsReportedOnce(@TempDir Path dir) throws Exception {
    List<Row> measured = Bench.run(Sizes.tiny(), new PrintStream(OutputStream.nullOutputStream()));
    Path json = dir.resolve("report.json");
    new Report(measured).writeJson(json);
    List<Row> rows = Report.readJson(json);
    assertEquals(measured, rows, "the JSON report reads back as the rows measured");

    Set<String> expected = new HashSet<>();
    for (String backend : List.of("file", "s3", "mongo")) {
      ALL.stream()
          .filter(w -> backend.equals("file") || !FILE_ONLY.contains(w))
          .forEach(w -> expected.add(key(w, backend, SESSIONSTORE)));
      WITH_FLOOR.forEach(w -> expected.add(key(w, backend, FLOOR)));
      LIST_FLOOR.forEach(w -> expected.add(key(w, backend, FLOOR)));
      BULK_FLOOR.forEach(w -> expected.add(key(w, backend, FLOOR)));
    }
    FILE_FLOOR.forEach(w -> expected.add(key(w, "file", FLOOR)));
    NAIVE_WORKLOADS.forEach(w -> expected.add(key(w, "file", NAIVE)));
    PEER_WORKLOADS.forEach(w -> expected.add(key(w, "file", SPRING_AI_JDBC)));
    PEER_WORKLOADS.forEach(w -> expected.add(key(w, "mongo", SPRING_AI_MONGO)));

    Set<String> seen = new HashSet<>();
    for (Row r : rows) {
      String k = key(r.workload(), r.backend(), r.system());
      assertTrue(seen.add(k), "reported twice: " + k);
      assertTrue(r.opsPerSec() > 0 && Double.isFinite(r.opsPerSec()), "a positive rate: " + r);
      assertTrue(
          r.p50Micros() > 0 && r.p99Micros() >= r.p50Micros(), "p50 > 0 and p99 >= p50: " + r);
      assertTrue(r.bytes() >= 0, "bytes: " + r);
      if (r.workload().equals(IMPORT)
          && r.system().equals(SESSIONSTORE)
          && !r.backend().equals("mongo")) {
        assertTrue(r.storedRatio() != null && r.storedRatio() > 0, "bytes stored measured: " + r);
      }
      if ((FRESH_PROCESS.contains(r.workload()) || LIST_FLOOR.contains(r.workload()))
          && !r.backend().equals("file")) {
        assertTrue(r.requestsPerOp() != null && r.requestsPerOp() > 0, "requests counted: " + r);
      }
    }
    assertEquals(expected, seen);
  }

  @Test
  void theJsonRowsHaveTheDocumentedFields(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("report.json");
    new Report(List.of(new Row(SAVE, "file", SESSIONSTORE, 1.5, 2.0, 3.0, 4, 7L, 1.25)))
        .writeJson(json);
    String text = Files.readString(json).replaceAll("\\s", "");
    assertEquals(
        "[{\"workload\":\"save-100\",\"backend\":\"file\",\"system\":\"sessionstore\",\"opsPerSec\":1.5,"
            + "\"p50Micros\":2.0,\"p99Micros\":3.0,\"bytes\":4,\"requestsPerOp\":7,\"storedRatio\":1.25}]",
        text);
  }

  private static String key(String workload, String backend, String system) {
    return workload + " " + backend + " " + system;
  }
}
