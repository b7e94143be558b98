package io.sessionstore.cli;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.NotFoundException;
import io.sessionstore.claude.ClaudeCommandNotFoundException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Entry point of the {@code sessionstore} command. Exit codes: 0 success, 1 not found or conflict,
 * 2 bad usage, input or configuration (also when some lines of an import or a recording were
 * rejected), 3 backend unavailable, 70 an internal error (a bug), 127 when the Claude Code command
 * to resume with is missing. Errors are one line on standard error; {@code --verbose} adds the
 * stack trace.
 */
public final class Main {
  static final int OK = 0;
  static final int NOT_FOUND = 1;
  static final int BAD_INPUT = 2;
  static final int UNAVAILABLE = 3;

  /**
   * sysexits' EX_SOFTWARE: nothing the user did, so no code that means "fix your input" or "retry".
   */
  static final int INTERNAL = 70;

  static final int COMMAND_NOT_FOUND = 127;

  private Main() {}

  public static void main(String[] args) {
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out),
            false,
            StandardCharsets.UTF_8);
    PrintStream err =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
    Terminal.stdoutIsTerminal = System.console() != null;
    int code;
    try {
      Thread.currentThread()
          .setContextClassLoader(
              Plugins.loader(System.getenv(Plugins.VARIABLE), Main.class.getClassLoader()));
      code = run(args, System.in, out, err);
    } catch (UsageException e) {
      err.println("sessionstore: " + e.getMessage());
      code = BAD_INPUT;
    }
    out.flush();
    System.exit(code);
  }

  /** Runs one command line in this process, with the given streams; returns the exit code. */
  public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    return commandLine(in, out, err, args).execute(args);
  }

  /**
   * The command line to execute {@code args} with: the root command and, when {@code args} name a
   * subcommand after nothing but the global options, only that subcommand (building picocli's model
   * of every subcommand is most of a short command's start-up); otherwise all of them, for the
   * help, the suggestions of a mistyped name and the completion script.
   */
  static CommandLine commandLine(InputStream in, PrintStream out, PrintStream err, String... args) {
    SessionstoreCommand root = new SessionstoreCommand(in, out, err);
    CommandLine cl = new CommandLine(root);
    Class<?> only = subcommandOf(args);
    for (Class<?> c : SessionstoreCommand.SUBCOMMANDS) {
      if (only == null || c == only) {
        cl.addSubcommand(c);
      }
    }
    // Settings below reach the subcommands added so far, so they come after them.
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    // Project names may start with '-' (Claude Code's encoded folders): `--project -home-me-repo`
    // takes it as a value.
    cl.setAllowOptionsAsOptionParameters(true);
    cl.setParameterExceptionHandler(
        (e, badArgs) -> {
          err.println("sessionstore: " + oneLine(e.getMessage()) + suggestions(e));
          err.println(
              "Try 'sessionstore "
                  + commandPath(e.getCommandLine())
                  + "--help' for more information.");
          return BAD_INPUT;
        });
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          String message =
              e instanceof java.io.IOException failure
                  ? io.sessionstore.spi.IoErrors.describe(failure)
                  : e.getMessage() == null ? e.toString() : e.getMessage();
          if (exitCode(e) == INTERNAL) {
            message = "internal error, please report it with the output of --verbose: " + e;
          }
          err.println("sessionstore: " + oneLine(message));
          if (root.verbose) {
            e.printStackTrace(err);
          }
          return exitCode(e);
        });
    cl.setExecutionStrategy(
        parseResult -> {
          root.longRunning =
              parseResult.hasSubcommand()
                  && parseResult.subcommand().commandSpec().userObject() instanceof LongRunning;
          try {
            return new CommandLine.RunLast().execute(parseResult);
          } finally {
            root.close();
          }
        });
    return cl;
  }

  /**
   * The subcommand {@code args} run when only global options ({@code --config}, {@code -D}, {@code
   * --project}, {@code --verbose}) come before its name, or null: then every subcommand is needed
   * (no name, a mistyped one, {@code --help} or {@code --version} of the root, an {@code @file},
   * the completion script, which describes them all).
   */
  static Class<?> subcommandOf(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--config") || a.equals("-D") || a.equals("--project")) {
        i++;
      } else if (a.startsWith("--config=")
          || a.startsWith("-D")
          || a.startsWith("--project=")
          || a.equals("--verbose")) {
        continue;
      } else {
        for (Class<?> c : SessionstoreCommand.SUBCOMMANDS) {
          if (c != AutoComplete.GenerateCompletion.class
              && c.getAnnotation(CommandLine.Command.class).name().equals(a)) {
            return c;
          }
        }
        return null;
      }
    }
    return null;
  }

  static int exitCode(Exception e) {
    if (e instanceof ClaudeCommandNotFoundException) {
      return COMMAND_NOT_FOUND;
    }
    if (e instanceof NotFoundException || e instanceof ConflictException) {
      return NOT_FOUND;
    }
    if (e instanceof InvalidInputException
        || e instanceof ConfigurationException
        || e instanceof UsageException) {
      return BAD_INPUT;
    }
    if (e instanceof BackendUnavailableException
        || e instanceof java.io.IOException
        || e instanceof java.io.UncheckedIOException) {
      return UNAVAILABLE;
    }
    return INTERNAL;
  }

  private static String suggestions(CommandLine.ParameterException e) {
    if (e instanceof CommandLine.UnmatchedArgumentException u) {
      java.util.List<String> s = u.getSuggestions();
      if (!s.isEmpty()) {
        return " (did you mean " + String.join(" or ", s.subList(0, Math.min(2, s.size()))) + "?)";
      }
    }
    return "";
  }

  private static String commandPath(CommandLine cl) {
    StringBuilder path = new StringBuilder();
    for (CommandLine c = cl; c != null && c.getParent() != null; c = c.getParent()) {
      path.insert(0, c.getCommandName() + " ");
    }
    return path.toString();
  }

  static String oneLine(String message) {
    return message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }

  /** A command used wrongly: exit code 2. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
