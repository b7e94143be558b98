package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.cli.CliRun.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

/**
 * What a command starts: only its own subcommand's model, and the script's choice of compiler by
 * command. (Start-up times are measured, never asserted: see the README.)
 */
class StartupTest {
  @TempDir Path tmp;

  private static String name(Class<?> command) {
    return command.getAnnotation(Command.class).name();
  }

  @Test
  void aCommandLineBuildsTheModelOfTheSubcommandItNamesOnly() {
    assertEquals(ListCommand.class, Main.subcommandOf("list"));
    assertEquals(
        InfoCommand.class,
        Main.subcommandOf(
            "-D",
            "a=b",
            "-Dc=d",
            "--config",
            "f",
            "--config=g",
            "--project",
            "-home-me",
            "--verbose",
            "info",
            "x"));
    assertEquals(SearchCommand.class, Main.subcommandOf("--project=list", "search", "--help"));
    // Every subcommand is needed for the root's help and version, a mistyped name's suggestions,
    // an @-file's arguments and the completion script.
    for (String[] args :
        List.of(
            new String[] {},
            new String[] {"--help"},
            new String[] {"-V", "list"},
            new String[] {"--help", "list"},
            new String[] {"lst"},
            new String[] {"@args"},
            new String[] {"generate-completion"},
            new String[] {"--project", "list"},
            new String[] {"-D"},
            new String[] {"--verbose=true", "list"})) {
      assertNull(Main.subcommandOf(args), Arrays.toString(args));
    }
    for (Class<?> c : SessionstoreCommand.SUBCOMMANDS) {
      if (!name(c).equals("generate-completion")) {
        assertEquals(c, Main.subcommandOf(name(c)), name(c));
      }
    }
  }

  @Test
  void theRootsHelpStillListsEveryCommandAndAMistypedOneGetsSuggestions() {
    CliRun cli = new CliRun(tmp.resolve("store"));
    String help = cli.run("--help").out();
    for (Class<?> c : SessionstoreCommand.SUBCOMMANDS) {
      assertTrue(help.contains("  " + name(c) + " "), name(c) + " missing in\n" + help);
    }
    Result r = cli.run("lst");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("did you mean list or quickstart?"), r.err());
    assertTrue(cli.run("generate-completion").out().contains("import-claude"));
  }

  /**
   * ./sessionstore runs every command with C1 alone but those that run for as long as another
   * program or a server does, which must be among the commands whose classes say they run for long
   * ({@link LongRunning}, which also lets them cache). Bulk copies run with C1 alone: on a history
   * of hundreds of megabytes the optimising compiler costs them more than it saves.
   */
  @Test
  void theScriptKeepsTheOptimisingCompilerForTheLongRunningCommandsOnly() throws IOException {
    String script =
        Files.readString(Path.of("..", "sessionstore").toAbsolutePath(), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("\\n\\s*([a-z| -]+)\\)\\s*;;\\s*# long-running").matcher(script);
    assertTrue(m.find(), "no '# long-running' case in the script");
    Set<String> inScript =
        Arrays.stream(m.group(1).split("\\|"))
            .map(String::strip)
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> longRunning =
        SessionstoreCommand.SUBCOMMANDS.stream()
            .filter(LongRunning.class::isAssignableFrom)
            .map(StartupTest::name)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(Set.of("record", "resume", "serve"), inScript);
    assertTrue(longRunning.containsAll(inScript), longRunning + " holds " + inScript);
  }
}
