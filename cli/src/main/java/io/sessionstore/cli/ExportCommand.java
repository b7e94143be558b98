package io.sessionstore.cli;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ExportResult;
import io.sessionstore.api.SearchQuery;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "export",
    description =
        "Write sessions to a portable archive (JSON Lines; gzip with --gzip or a " + ".gz name).",
    footer = {"", "Example: sessionstore export --tag review --out reviews.jsonl.gz"})
final class ExportCommand implements Callable<Integer>, LongRunning {
  @ParentCommand SessionstoreCommand root;

  @Mixin Filters filters;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      required = true,
      description = "The archive ('-': standard output).")
  String out;

  @Option(
      names = "--gzip",
      description = "Compress the archive (the default for a name ending in .gz).")
  boolean gzip;

  @Override
  public Integer call() throws IOException {
    boolean compress = gzip || out.endsWith(".gz");
    SearchQuery query = filters.query(root).build();
    ExportResult r;
    try (TerminalProgress progress = new TerminalProgress(root.err, "exported sessions")) {
      if (out.equals("-")) {
        OutputStream target =
            new FilterOutputStream(root.out) {
              @Override
              public void close() throws IOException {
                flush();
              }
            };
        try (OutputStream o = compress ? new BackgroundGzip(target) : target) {
          r = root.store().exportSessions(query, o, progress);
        }
      } else {
        // Written beside the target and renamed, so a failed export never leaves half an archive
        // under its name.
        Path file = Path.of(out).toAbsolutePath();
        Path tmp = file.resolveSibling(file.getFileName() + ".partial");
        try (OutputStream o = open(tmp, compress)) {
          r = root.store().exportSessions(query, o, progress);
        } catch (RuntimeException | IOException e) {
          Files.deleteIfExists(tmp);
          throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    root.err.println(
        "exported "
            + r.sessions()
            + " sessions, "
            + r.messages()
            + " messages ("
            + r.bytes()
            + " bytes) to "
            + out);
    root.hintOtherProjects(
        query.scope(),
        r.sessions() == 0,
        all -> !root.store().search(filters.query(root, all).limit(1).build()).items().isEmpty());
    return Main.OK;
  }

  private static OutputStream open(Path file, boolean compress) {
    try {
      OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
      return compress ? new BackgroundGzip(o) : o;
    } catch (IOException e) {
      throw new BackendUnavailableException(
          "Cannot write the archive: " + io.sessionstore.spi.IoErrors.describe(e), e);
    }
  }
}
