package io.sessionstore.cli;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.claude.view.TranscriptRenderer;
import io.sessionstore.claude.view.TranscriptView;
import io.sessionstore.claude.view.ViewEntry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "view",
    description =
        "Show a session as a conversation to read: prompts, answers, tool calls and their results,"
            + " sub-agents where they ran, tokens and cost per turn. Colours and a pager on a"
            + " terminal, plain text when piped; 'show' prints the exact JSON Lines.",
    footer = {
      "",
      "Example: sessionstore view 5bd47723-950c-4c20-917e-77acb15dc4ea --format markdown"
    })
final class ViewCommand implements Callable<Integer> {
  enum ViewFormat {
    TEXT,
    MARKDOWN
  }

  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "ID", description = "The session id.")
  String id;

  @Option(names = "--subpath", paramLabel = "SUBPATH", description = "View a sub-transcript alone.")
  String subpath;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "text (the default) or markdown (to paste into an issue).")
  ViewFormat format = ViewFormat.TEXT;

  @Option(
      names = "--full",
      description =
          "Show thinking whole, every line of tool results and Claude Code's bookkeeping lines.")
  boolean full;

  @Option(names = "--no-color", description = "No colours, even on a terminal.")
  boolean noColor;

  @Option(names = "--no-pager", description = "No pager, even on a terminal.")
  boolean noPager;

  @Override
  public Integer call() throws IOException {
    SessionKey key = root.resolve(id, subpath);
    SessionStore store = root.store();
    // A person at a terminal gets colours and a pager; a pipe or a file gets plain text.
    boolean terminal = System.console() != null;
    boolean color =
        terminal && !noColor && format == ViewFormat.TEXT && System.getenv("NO_COLOR") == null;
    try (Stream<ViewEntry> entries = view(store, full).entries(key)) {
      Process pager = terminal && !noPager ? startPager() : null;
      OutputStream target = pager != null ? pager.getOutputStream() : root.out;
      Writer out = new BufferedWriter(new OutputStreamWriter(target, StandardCharsets.UTF_8));
      TranscriptRenderer r =
          format == ViewFormat.MARKDOWN
              ? TranscriptRenderer.markdown(out, ZoneId.systemDefault(), full)
              : TranscriptRenderer.text(out, ZoneId.systemDefault(), color, full);
      try {
        r.session(key, store.getMetadata(key.main()).orElse(null), entries);
        out.flush();
      } catch (UncheckedIOException | IOException e) {
        if (pager == null) {
          throw e;
        }
        // The person quit the pager before the end: nothing more to show.
      }
      if (pager != null) {
        closeQuietly(out);
        waitFor(pager);
      }
    }
    return Main.OK;
  }

  /** The view {@code view} and {@code export} show: cut tool results unless {@code full}. */
  static TranscriptView view(SessionStore store, boolean full) {
    TranscriptView view = TranscriptView.of(store);
    return full ? view.withResultLines(Integer.MAX_VALUE) : view;
  }

  /** {@code $PAGER}, else {@code less -R} when it is on the path; null for none. */
  private static Process startPager() throws IOException {
    String pager = System.getenv("PAGER");
    List<String> command;
    if (pager != null) {
      if (pager.isBlank() || pager.strip().equals("cat")) {
        return null;
      }
      command = List.of("sh", "-c", pager);
    } else if (onPath("less")) {
      command = List.of("less", "-R");
    } else {
      return null;
    }
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    // As git does: quit at once when it fits on one screen, and leave it on the screen.
    pb.environment().putIfAbsent("LESS", "FRX");
    return pb.start();
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  private static void closeQuietly(Writer out) {
    try {
      out.close();
    } catch (IOException e) {
      // The pager is gone; so is the need to tell it anything.
    }
  }

  private static void waitFor(Process pager) {
    try {
      pager.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
