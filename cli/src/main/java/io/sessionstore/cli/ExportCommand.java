package io.sessionstore.cli;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ExportResult;
import io.sessionstore.api.Page;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.claude.view.TranscriptRenderer;
import io.sessionstore.claude.view.TranscriptView;
import io.sessionstore.claude.view.ViewEntry;
import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "export",
    description =
        "Write sessions to a portable archive (JSON Lines; gzip with --gzip or a .gz name), or, with"
            + " --format markdown or html, to one file to read.",
    footer = {
      "",
      "Example: sessionstore export --tag review --out reviews.jsonl.gz",
      "         sessionstore export 5bd47723-950c-4c20-917e-77acb15dc4ea --format html --out s.html"
    })
final class ExportCommand implements Callable<Integer>, LongRunning {
  enum ExportFormat {
    ARCHIVE,
    MARKDOWN,
    HTML
  }

  /** Sessions read per page when the filters choose them. */
  private static final int PAGE = 500;

  @ParentCommand SessionstoreCommand root;

  @Mixin Filters filters;

  @Parameters(
      paramLabel = "ID",
      arity = "0..*",
      description =
          "Sessions to write with --format markdown or html, in this order (without IDs: the"
              + " sessions the filters match).")
  List<String> ids = new ArrayList<>();

  @Option(
      names = "--out",
      paramLabel = "FILE",
      required = true,
      description = "The archive or file ('-': standard output).")
  String out;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description =
          "archive (the default: JSON Lines that import reads back), markdown or html (one"
              + " self-contained page that needs no network and runs no script).")
  ExportFormat format = ExportFormat.ARCHIVE;

  @Option(
      names = "--full",
      description =
          "markdown and html: every line of tool results and Claude Code's bookkeeping lines.")
  boolean full;

  @Option(
      names = "--gzip",
      description = "Compress the output (the default for a name ending in .gz).")
  boolean gzip;

  /** What is written to the output, which is closed afterwards. */
  private interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  @Override
  public Integer call() throws IOException {
    if (format != ExportFormat.ARCHIVE) {
      return readable();
    }
    if (!ids.isEmpty()) {
      throw new Main.UsageException(
          "Session IDs are for --format markdown or html; an archive takes filters (--tag, --after,"
              + " --all-projects, …)");
    }
    SearchQuery query = filters.query(root).build();
    ExportResult[] r = new ExportResult[1];
    try (TerminalProgress progress = new TerminalProgress(root.err, "exported sessions")) {
      write(o -> r[0] = root.store().exportSessions(query, o, progress));
    }
    root.err.println(
        "exported "
            + r[0].sessions()
            + " sessions, "
            + r[0].messages()
            + " messages ("
            + r[0].bytes()
            + " bytes) to "
            + out);
    root.hintOtherProjects(
        query.scope(),
        r[0].sessions() == 0,
        all -> !root.store().search(filters.query(root, all).limit(1).build()).items().isEmpty());
    return Main.OK;
  }

  /** The sessions named (each must exist), or those the filters match, as one readable file. */
  private int readable() throws IOException {
    SessionStore store = root.store();
    List<SessionMetadata> sessions = new ArrayList<>();
    if (ids.isEmpty()) {
      String cursor = null;
      do {
        Page<SessionMetadata> page =
            store.search(filters.query(root).limit(PAGE).cursor(cursor).build());
        sessions.addAll(page.items());
        cursor = page.nextCursor();
      } while (cursor != null);
    } else {
      for (String id : ids) {
        sessions.add(root.metadata(root.resolve(id, null)));
      }
    }
    TranscriptView view = ViewCommand.view(store, full);
    write(
        o -> {
          Writer w = new BufferedWriter(new OutputStreamWriter(o, StandardCharsets.UTF_8));
          TranscriptRenderer r =
              format == ExportFormat.HTML
                  ? TranscriptRenderer.html(w, ZoneId.systemDefault(), full)
                  : TranscriptRenderer.markdown(w, ZoneId.systemDefault(), full);
          r.begin(title(sessions));
          for (SessionMetadata m : sessions) {
            try (Stream<ViewEntry> entries = view.entries(m.key())) {
              r.session(m.key(), m, entries);
            }
          }
          r.end();
          w.flush();
        });
    root.err.println(
        "exported "
            + sessions.size()
            + (sessions.size() == 1 ? " session" : " sessions")
            + " as "
            + format.name().toLowerCase(java.util.Locale.ROOT)
            + " to "
            + out);
    return Main.OK;
  }

  private static String title(List<SessionMetadata> sessions) {
    if (sessions.size() != 1) {
      return sessions.size() + " sessions";
    }
    SessionMetadata m = sessions.get(0);
    return m.summary() != null ? m.summary() : "Session " + m.sessionId();
  }

  /** Writes to the output: standard output, or a file that only appears once it is complete. */
  private void write(Body body) throws IOException {
    boolean compress = gzip || out.endsWith(".gz");
    if (out.equals("-")) {
      OutputStream target =
          new FilterOutputStream(root.out) {
            @Override
            public void close() throws IOException {
              flush();
            }
          };
      try (OutputStream o = compress ? new BackgroundGzip(target) : target) {
        body.writeTo(o);
      }
      return;
    }
    // Written beside the target and renamed, so a failed export never leaves half a file under its
    // name.
    Path file = Path.of(out).toAbsolutePath();
    Path tmp = file.resolveSibling(file.getFileName() + ".partial");
    try (OutputStream o = open(tmp, compress)) {
      body.writeTo(o);
    } catch (RuntimeException | IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
