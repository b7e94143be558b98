package io.sessionstore.cli;

import io.sessionstore.api.Scope;
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
          ViewCommand.class,
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
   * Whether a project was chosen: {@code --project}, or {@code sessionstore.project} configured.
   */
  boolean projectGiven() {
    return project != null || config().get("sessionstore.project").isPresent();
  }

  /**
   * The scope of a read command ({@code list}, {@code search}, {@code usage}): every project unless
   * one was chosen, and every project with {@code --all-projects} anyway.
   */
  Scope readScope(boolean allProjects) {
    return allProjects || !projectGiven() ? Scope.allProjects() : Scope.project(writeProject());
  }

  /**
   * The scope of a command that removes or writes in bulk ({@code cleanup}, {@code export}, {@code
   * migrate}): the chosen or default project, every project only with {@code --all-projects}.
   */
  Scope writeScope(boolean allProjects) {
    return allProjects ? Scope.allProjects() : Scope.project(writeProject());
  }

  /**
   * After a command that removes or writes in bulk found nothing in its one project: when other
   * projects hold sessions it would have found, one line on standard error says so and how to reach
   * them.
   */
  void hintOtherProjects(
      Scope scope, boolean foundNothing, java.util.function.Predicate<Scope> anyIn) {
    if (foundNothing && !scope.isAllProjects() && anyIn.test(Scope.allProjects())) {
      err.println(
          "note: nothing in project '"
              + scope.project()
              + "', but other projects have sessions this would take: add --all-projects, or name"
              + " one with --project (sessionstore list shows each session's project)");
    }
  }

  /** The shortest session id prefix that may name a session. */
  static final int MIN_PREFIX = 4;

  /**
   * Metadata that resolving an id read, for the command that asked (saves it reading them again).
   */
  private final Map<SessionKey, SessionMetadata> resolved = new java.util.HashMap<>();

  /**
   * The key of a session named on the command line: its whole id or, git-style, a unique prefix of
   * at least {@value #MIN_PREFIX} characters (a whole id always wins over a prefix). With {@code
   * --project}, in that project only; without it, the default project's session with that id, else
   * the one session in any project with that id or prefix. Several sessions with that id in other
   * projects, or several with that prefix, are bad usage: the message lists them. Nothing found
   * gives the default project's key, whose reading then reports it missing. Every command that
   * reads or changes an existing session resolves its ID here; one that may create it uses {@link
   * #resolveExact}.
   */
  SessionKey resolve(String id, String subpath) {
    SessionStore s = store();
    SessionKey.checkName("session id", id);
    List<SessionMetadata> found;
    if (project != null) {
      SessionKey exact = new SessionKey(project, id, subpath);
      if (id.length() < MIN_PREFIX) {
        return exact;
      }
      Optional<SessionMetadata> whole = s.getMetadata(exact.main());
      if (whole.isPresent()) {
        resolved.put(exact.main(), whole.get());
        return exact;
      }
      found = s.findSessionsByPrefix(Scope.project(project), id);
    } else {
      // One lookup (an index query on the shared backends) finds the whole id and the prefix alike.
      found = s.findSessionsByPrefix(Scope.allProjects(), id);
      List<SessionMetadata> whole = found.stream().filter(m -> m.sessionId().equals(id)).toList();
      if (!whole.isEmpty()) {
        SessionMetadata pick =
            whole.stream()
                .filter(m -> m.project().equals(s.defaultProject()))
                .findFirst()
                .orElse(whole.size() == 1 ? whole.get(0) : null);
        if (pick == null) {
          throw inSeveralProjects(id, whole);
        }
        return found(pick, subpath);
      }
    }
    if (found.isEmpty() && id.endsWith("…") && id.length() > MIN_PREFIX) {
      // An id copied from a table whose width cut it: the part before the … is the prefix.
      return resolve(id.substring(0, id.length() - 1), subpath);
    }
    if (id.length() < MIN_PREFIX || found.isEmpty()) {
      return new SessionKey(project != null ? project : s.defaultProject(), id, subpath);
    }
    if (found.size() > 1) {
      int shown = Math.min(found.size(), 10);
      throw new Main.UsageException(
          "Session id prefix '"
              + id
              + "' is ambiguous, it starts "
              + found.size()
              + " sessions: "
              + found.subList(0, shown).stream()
                  .map(m -> m.project() + "/" + m.sessionId())
                  .collect(Collectors.joining(", "))
              + (found.size() > shown ? ", …" : "")
              + " (give more of the id"
              + (project == null ? ", or --project" : "")
              + ")");
    }
    return found(found.get(0), subpath);
  }

  private SessionKey found(SessionMetadata m, String subpath) {
    resolved.put(m.key(), m);
    return new SessionKey(m.project(), m.sessionId(), subpath);
  }

  /**
   * The key of a session id that a command may create ({@code append}): the whole id only, never a
   * prefix; looked up like {@link #resolve}, else in the chosen or default project.
   */
  SessionKey resolveExact(String id, String subpath) {
    SessionStore s = store();
    if (project != null) {
      return new SessionKey(project, id, subpath);
    }
    List<SessionMetadata> found = s.findSessions(id);
    if (found.stream().anyMatch(m -> m.project().equals(s.defaultProject()))) {
      return new SessionKey(s.defaultProject(), id, subpath);
    }
    if (found.size() > 1) {
      throw inSeveralProjects(id, found);
    }
    String p = found.isEmpty() ? s.defaultProject() : found.get(0).project();
    return new SessionKey(p, id, subpath);
  }

  private static Main.UsageException inSeveralProjects(String id, List<SessionMetadata> found) {
    return new Main.UsageException(
        "Session '"
            + id
            + "' exists in several projects ("
            + found.stream().map(SessionMetadata::project).collect(Collectors.joining(", "))
            + "): choose one with --project");
  }

  /** The metadata of a session, or a not-found error naming it. */
  SessionMetadata metadata(SessionKey key) {
    SessionMetadata known = resolved.get(key);
    if (known != null) {
      return known;
    }
    Optional<SessionMetadata> m = store().getMetadata(key);
    return m.orElseThrow(
        () -> new io.sessionstore.api.NotFoundException("Session " + key + " does not exist"));
  }
}
