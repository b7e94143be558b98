package io.sessionstore.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code java -jar sessionstore-bench.jar [--quick|--tiny] [--only file,s3,mongo,serve,text] [--out
 * report.json]}: runs the bench, writes the JSON report and prints a table with the ratios to the
 * floor and to the peers.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    // S3Proxy, Jetty and the drivers log every connection at INFO; the bench's own output is the
    // table.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    // mongo-java-server logs the commands it does not know (the driver's probes) as errors with a
    // stack trace.
    System.setProperty("org.slf4j.simpleLogger.log.de.bwaldvogel", "off");
    Sizes sizes = Sizes.full();
    Path out = Path.of("sessionstore-bench-report.json");
    Set<String> backends = Set.of("file", "s3", "mongo");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> sizes = Sizes.quick();
        case "--tiny" -> sizes = Sizes.tiny();
        case "--out" -> {
          if (i + 1 == args.length) {
            usage("--out needs a file name");
          }
          out = Path.of(args[++i]);
        }
        case "--only" -> {
          if (i + 1 == args.length) {
            usage("--only needs backends, e.g. file,mongo");
          }
          backends = Set.of(args[++i].split(","));
        }
        case "-h", "--help" -> {
          usage(null);
          return;
        }
        default -> usage("unknown argument " + args[i]);
      }
    }
    System.err.println("sessionstore bench, sizes " + sizes);
    long start = System.nanoTime();
    List<Row> rows = Bench.run(sizes, backends, System.err);
    Report report = new Report(rows);
    report.writeJson(out);
    System.out.println();
    report.printTable(System.out);
    System.out.printf(
        "%d rows written to %s in %.0f s%n", rows.size(), out, (System.nanoTime() - start) / 1e9);
  }

  private static void usage(String problem) {
    System.err.println(
        "usage: java -jar sessionstore-bench.jar [--quick|--tiny] [--only file,s3,mongo,serve,text] [--out report.json]\n"
            + "  --only serve: the session browser's rows alone (on the file backend)\n"
            + "  --only text: the full-text search rows alone (on the file backend)\n"
            + "  --quick: the real append and load sizes, fewer sessions behind searches and recording (~2 min)\n"
            + "  --tiny: every workload at a toy size, to check that it runs");
    if (problem != null) {
      System.err.println(problem);
      System.exit(2);
    }
  }
}
