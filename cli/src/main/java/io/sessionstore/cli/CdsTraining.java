package io.sessionstore.cli;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training run of the class-data archive ({@link CdsArchive}): the commands a user types most,
 * run in this process on a new store in the given folder, so that the classes they load are those
 * the archive holds. Prints nothing unless a command fails; exits 1 then.
 */
final class CdsTraining {
  private CdsTraining() {}

  /** {@code args[0]}: an empty folder for the store. */
  public static void main(String[] args) throws java.io.IOException {
    // Everything the commands write stays in the given folder (import-claude's state too).
    String[] store = {
      "-D",
      "sessionstore.file.dir=" + Path.of(args[0]).resolve("store"),
      "-D",
      "sessionstore.claude.import-state=" + Path.of(args[0]).resolve("state")
    };
    // A Claude Code projects folder of one session with a sub-agent's transcript (the bundled
    // sample, twice), for import-claude.
    Path projects = Path.of(args[0]).resolve("claude-projects");
    Path folder = projects.resolve("-home-me-app");
    String session = "5bd47723-950c-4c20-917e-77acb15dc4ea";
    java.nio.file.Files.createDirectories(folder.resolve(session).resolve("subagents"));
    for (Path transcript :
        List.of(
            folder.resolve(session + ".jsonl"),
            folder.resolve(session).resolve("subagents").resolve("agent-1.jsonl"))) {
      try (java.io.InputStream sample =
          QuickstartCommand.class.getResourceAsStream("samples/stream-json-session.jsonl")) {
        java.nio.file.Files.copy(
            java.util.Objects.requireNonNull(sample, "the bundled sample"), transcript);
      }
    }
    String id = QuickstartCommand.SESSION;
    String[][] commands = {
      // quickstart: save, tag, search, info, show and export of the bundled sample session
      {"quickstart"},
      {"list"},
      {"list", "--all-projects", "--json"},
      {"search", "--tag", "demo", "--text", "files", "--after", "30d"},
      {"search", "--any-tag", "demo", "--json", "--limit", "1"},
      // full text: the first builds the index, the next catch up and query it
      {"search", "files", "--all-projects"},
      {"search", "\"list the files\" OR tool:Bash", "--json"},
      {"info", id},
      {"info", id, "--json"},
      {"--project", "default", "show", id},
      {"view", id},
      {"describe", id, "--attr", "ticket=T-1"},
      {"append", id},
      // import-claude, first and again (the cron or hook case)
      {"import-claude", projects.toString()},
      {"import-claude", projects.toString()},
      {"backends"},
      {"version"},
      {"--help"},
      {"list", "--help"},
    };
    PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
    for (String[] command : commands) {
      List<String> line = new ArrayList<>(List.of(store));
      line.addAll(List.of(command));
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      int code =
          Main.run(
              line.toArray(String[]::new),
              new ByteArrayInputStream(new byte[0]),
              discard,
              new PrintStream(err, true, StandardCharsets.UTF_8));
      if (code != Main.OK) {
        System.err.println(
            "sessionstore CDS training: '"
                + String.join(" ", command)
                + "' exited with "
                + code
                + ": "
                + err.toString(StandardCharsets.UTF_8).strip());
        System.exit(1);
      }
    }
  }
}
