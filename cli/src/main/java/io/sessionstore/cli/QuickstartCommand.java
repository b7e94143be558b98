package io.sessionstore.cli;

import io.sessionstore.api.BackendUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * The tour: stores a real Claude Code session from the bundled sample, tags it, searches, shows and
 * exports it, running each step as the command a user would type and printing that command first.
 */
@Command(
    name = "quickstart",
    description =
        "Store a real Claude Code session from bundled sample data, tag it, "
            + "search, show and export it, printing each command as it runs.")
final class QuickstartCommand implements Callable<Integer> {
  static final String SESSION = "quickstart-demo";

  @ParentCommand SessionstoreCommand root;

  @Override
  public Integer call() throws IOException {
    Path work = Files.createTempDirectory("sessionstore-quickstart");
    Path sample = work.resolve("stream-json-session.jsonl");
    try (InputStream in =
        QuickstartCommand.class.getResourceAsStream("samples/stream-json-session.jsonl")) {
      if (in == null) {
        throw new BackendUnavailableException(
            "The bundled sample session is missing from this build");
      }
      Files.copy(in, sample, StandardCopyOption.REPLACE_EXISTING);
    }
    Path archive = work.resolve("quickstart-export.jsonl");
    String store = root.config().get("sessionstore.backend").orElse("file");
    root.out.println(
        "sessionstore quickstart: a real Claude Code session (stream-json from `claude -p`), on the "
            + store
            + " backend"
            + fileDir()
            + ".");
    List<List<String>> steps =
        List.of(
            List.of(
                "save",
                SESSION,
                "--file",
                sample.toString(),
                "--tag",
                "demo",
                "--tag",
                "claude-code",
                "--summary",
                "List the files of a repository"),
            List.of("tag", SESSION, "--add", "reviewed"),
            List.of("search", "--tag", "demo"),
            List.of("info", SESSION),
            List.of("show", SESSION),
            List.of("export", "--tag", "demo", "--out", archive.toString()));
    for (List<String> step : steps) {
      root.out.println();
      root.out.println(
          "$ sessionstore "
              + String.join(" ", step.stream().map(QuickstartCommand::quote).toList()));
      root.out.flush();
      String[] args = withGlobalOptions(step);
      int code = Main.commandLine(root.in, root.out, root.err, args).execute(args);
      if (code != Main.OK) {
        return code;
      }
    }
    root.out.println();
    root.out.println("Try next:");
    String[][] next = {
      {"./sessionstore view " + SESSION, "the conversation, for a person to read"},
      {"./sessionstore search 'tool:Bash AND git'", "search what was said, best match first"},
      {"./sessionstore search --text repository --json", "metadata as JSON"},
      {"./sessionstore serve --open", "browse the store in a web page"},
      {
        "./sessionstore append " + SESSION + " --file more.jsonl",
        "add messages; a retried append stores none twice"
      },
      {"./sessionstore import " + archive, "importing it again changes nothing"},
      {"./sessionstore cleanup --older-than 30d --dry-run", "what a cleanup would remove"},
      {"./sessionstore --help", "every command, with an example each"}
    };
    int width = java.util.Arrays.stream(next).mapToInt(n -> n[0].length()).max().orElse(0);
    for (String[] n : next) {
      root.out.println("  " + n[0] + " ".repeat(width - n[0].length()) + "   # " + n[1]);
    }
    return Main.OK;
  }

  private String fileDir() {
    var cfg = root.config();
    if (!cfg.get("sessionstore.backend").orElse("file").equals("file")) {
      return "";
    }
    return " in " + cfg.get("sessionstore.file.dir").orElse("~/.sessionstore");
  }

  private String[] withGlobalOptions(List<String> step) {
    List<String> args = new ArrayList<>();
    if (root.config != null) {
      args.add("--config");
      args.add(root.config.toString());
    }
    for (Map.Entry<String, String> p : root.properties.entrySet()) {
      args.add("-D");
      args.add(p.getKey() + "=" + p.getValue());
    }
    if (root.project != null) {
      args.add("--project=" + root.project);
    }
    args.addAll(step);
    return args.toArray(String[]::new);
  }

  private static String quote(String arg) {
    return arg.matches("[A-Za-z0-9_./=:-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
  }
}
