package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** One run: every system on every backend, in one process, on the same data. */
public final class Bench {
  private Bench() {}

  /**
   * Runs everything at the given sizes; each row is also printed to {@code log} as it is measured.
   */
  public static List<Row> run(Sizes sizes, PrintStream log) throws Exception {
    return run(sizes, Set.of("file", "s3", "mongo"), log);
  }

  /**
   * Runs the systems of the given backends ({@code file}, {@code s3}, {@code mongo}) at the given
   * sizes.
   */
  public static List<Row> run(Sizes sizes, Set<String> backends, PrintStream log) throws Exception {
    Corpus corpus = Corpus.load();
    List<Row> rows = new ArrayList<>();
    long start = System.nanoTime();
    Consumer<Row> out =
        r -> {
          rows.add(r);
          log.printf(
              "  %4.0f s  %-20s %-6s %-16s %12.1f ops/s  p50 %9.0f us  p99 %9.0f us%n",
              (System.nanoTime() - start) / 1e9,
              r.workload(),
              r.backend(),
              r.system(),
              r.opsPerSec(),
              r.p50Micros(),
              r.p99Micros());
        };
    Path root = Files.createTempDirectory("sessionstore-bench");
    try {
      if (backends.contains("file")) {
        log.println("file backend (temporary directory " + root + ")");
        try (FileTarget file = new FileTarget(root)) {
          new StoreSuite(file, sizes, corpus, out).run();
          new FloorSuite(file, sizes, corpus, out).run();
          new ClaudeImportSuite(file, sizes, root.resolve("claude"), out).run();
          new TextSearchSuite(file, sizes, out).run();
          new ServeSuite(file, sizes, corpus, out).run();
        }
        new NaiveSuite(root.resolve("naive"), sizes, corpus, out).run();
        try (SpringAiPeers.Peer jdbc =
            SpringAiPeers.jdbc(Files.createDirectories(root.resolve("h2")))) {
          new PeerSuite(SPRING_AI_JDBC, "file", jdbc.repository(), sizes, corpus, out).run();
        }
      }
      if (backends.contains("serve") && !backends.contains("file")) {
        log.println(
            "the session browser alone, on the file backend (temporary directory " + root + ")");
        try (FileTarget file = new FileTarget(root)) {
          new ServeSuite(file, sizes, corpus, out).run();
        }
      }
      if (backends.contains("text") && !backends.contains("file")) {
        log.println(
            "full-text search alone, on the file backend (temporary directory " + root + ")");
        try (FileTarget file = new FileTarget(root)) {
          new TextSearchSuite(file, sizes, out).run();
        }
      }
      if (backends.contains("s3")) {
        log.println("s3 backend (S3Proxy in this process)");
        try (S3Target s3 = S3Target.start()) {
          new StoreSuite(s3, sizes, corpus, out).run();
          new FloorSuite(s3, sizes, corpus, out).run();
        }
      }
      if (backends.contains("mongo")) {
        log.println("mongo backend (mongo-java-server in this process)");
        try (MongoTarget mongo = MongoTarget.start()) {
          new StoreSuite(mongo, sizes, corpus, out).run();
          new FloorSuite(mongo, sizes, corpus, out).run();
          try (SpringAiPeers.Peer peer = SpringAiPeers.mongo(mongo.uri())) {
            new PeerSuite(SPRING_AI_MONGO, "mongo", peer.repository(), sizes, corpus, out).run();
          }
        }
      }
    } finally {
      FileTarget.deleteTree(root);
    }
    return rows;
  }
}
