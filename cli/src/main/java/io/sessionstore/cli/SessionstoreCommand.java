package io.sessionstore.cli;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.claude.ClaudeCode;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code sessionstore} command: global options, the store they configure, and the subcommands.
 */
@Command(
    name = "sessionstore",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    usageHelpAutoWidth = true,
    scope = ScopeType.INHERIT,
    description =
        "Keeps AI-agent conversation sessions: record, store, tag, search, show, export, resume and "
            + "clean them up.",
    footer = {
      "",
      "Exit codes: 0 success, 1 not found or conflict, 2 bad usage, input or configuration,"
          + " 3 backend unavailable, 70 internal error (a bug); resume exits with Claude Code's exit code (127: the command is missing).",
      "Configuration: sessionstore.* keys from --config FILE or $SESSIONSTORE_CONFIG, SESSIONSTORE_* "
          + "variables, -D key=value."
    })
final class SessionstoreCommand {
  /**
   * The subcommands, in the order of the help. {@link Main} adds them, not the annotation: only the
   * one a command line runs, so that a short command does not pay for picocli's reflection over all
   * of them.
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          QuickstartCommand.class,
          SaveCommand.class,
          AppendCommand.class,
          ShowCommand.class,
          InfoCommand.class,
          ListCommand.class,
          SearchCommand.class,
          UsageCommand.class,
          ServeCommand.class,
          PricingCommand.class,
          TagCommand.class,
          DescribeCommand.class,
          DeleteCommand.class,
          CleanupCommand.class,
          AdoptCommand.class,
          ExportCommand.class,
          ImportCommand.class,
          RecordCommand.class,
          ImportClaudeCommand.class,
          PullCommand.class,
          ResumeCommand.class,
          MigrateCommand.class,
          ReindexCommand.class,
          BackendsCommand.class,
          VersionCommand.class,
          AutoComplete.GenerateCompletion.class);

  final InputStream in;
  final PrintStream out;
  final PrintStream err;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "Configuration file (properties), instead of $SESSIONSTORE_CONFIG.")
  Path config;

  final Map<String, String> properties = new LinkedHashMap<>();

  /**
   * Gathers every {@code -D}, before and after the subcommand's name: picocli starts the value over
   * when the option comes again on a subcommand, so the values are kept here rather than in a bound
   * field.
   */
  @Option(
      names = "-D",
      paramLabel = "key=value",
      scope = ScopeType.INHERIT,
      description =
          "A configuration value that wins over every other source, e.g. -D sessionstore.file.dir=/data.")
  void define(Map<String, String> values) {
    properties.putAll(values);
  }

  @Option(
      names = "--project",
      paramLabel = "PROJECT",
      scope = ScopeType.INHERIT,
      description =
          "The project (default: sessionstore.project). A session id is then looked up there only.")
  String project;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print stack traces of errors.")
  boolean verbose;

  private SessionStore store;

  SessionstoreCommand(InputStream in, PrintStream out, PrintStream err) {
    this.in = in;
    this.out = out;
    this.err = err;
  }

  /**
   * Whether the command running is {@link LongRunning}; otherwise its store is {@linkplain
   * io.sessionstore.api.SessionStoreBuilder#shortLived short-lived}.
   */
  boolean longRunning;

  /**
   * The configuration these options give; the CLI's processes do not cache unless asked to (and its
   * short commands not even then: see {@link LongRunning}).
   */
  SessionStoreConfig config() {
    Map<String, String> overrides = new LinkedHashMap<>(properties);
    if (project != null) {
      overrides.put("sessionstore.project", project);
    }
    SessionStoreConfig loaded = SessionStoreConfig.load(config, overrides);
    return loaded.get("sessionstore.cache.enabled").isPresent()
        ? loaded
        : loaded.with("sessionstore.cache.enabled", "false");
  }

  SessionStore store() {
    if (store == null) {
      store = SessionStore.builder().config(config()).shortLived(!longRunning).build();
    }
    return store;
  }

  /** Claude Code working with the store, as sessionstore.claude.* configure it. */
  ClaudeCode claude() {
    return ClaudeCode.of(store(), config());
  }

  void close() {
    if (store != null) {
      store.close();
      store = null;
    }
  }

  /** The project writes go to: the given one, else the configured default. */
  String writeProject() {
    return project != null ? project : store().defaultProject();
  }

  /**
   * The key of a session id: in the given project only; without one, in the default project, else
   * in the one project that has it. A session in several projects is bad usage (the message lists
   * them).
   */
  SessionKey resolve(String id, String subpath) {
    SessionStore s = store();
    if (project != null) {
      return new SessionKey(project, id, subpath);
    }
    // One lookup by id (an index query on the shared backends), not a read in the default project
    // first.
    List<SessionMetadata> found = s.findSessions(id);
    if (found.stream().anyMatch(m -> m.project().equals(s.defaultProject()))) {
      return new SessionKey(s.defaultProject(), id, subpath);
    }
    if (found.size() > 1) {
      throw new Main.UsageException(
          "Session '"
              + id
              + "' exists in several projects ("
              + found.stream().map(SessionMetadata::project).collect(Collectors.joining(", "))
              + "): choose one with --project");
    }
    String p = found.isEmpty() ? s.defaultProject() : found.get(0).project();
    return new SessionKey(p, id, subpath);
  }

  /** The metadata of a session, or a not-found error naming it. */
  SessionMetadata metadata(SessionKey key) {
    Optional<SessionMetadata> m = store().getMetadata(key);
    return m.orElseThrow(
        () -> new io.sessionstore.api.NotFoundException("Session " + key + " does not exist"));
  }
}
