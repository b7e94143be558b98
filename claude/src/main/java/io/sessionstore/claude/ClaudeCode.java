package io.sessionstore.claude;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.Message;
import io.sessionstore.api.NotFoundException;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.BackendRegistry;
import io.sessionstore.spi.IoErrors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Claude Code and a {@link SessionStore} working together (the README's "Claude Code"): import
 * Claude Code's transcripts, write a stored session back where Claude Code looks for it ({@code
 * <config dir>/projects/<encoded working directory>/<id>.jsonl}), and resume a stored session
 * through the Claude Code command, recording what it prints.
 *
 * <p>Sessions imported from transcripts carry the attribute {@code format=claude-transcript};
 * sessions recorded from {@code --output-format stream-json} output carry {@code
 * format=stream-json} and have no transcript to write back. Thread-safe as far as the store is; two
 * resumes of one session at once are not coordinated.
 */
public final class ClaudeCode {
  private static final int FOLDER_LENGTH = 200;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClaudeCode.class);

  private final SessionStore store;
  private final List<String> command;
  private final Path configDir;

  /** Where imports remember what they stored, or null. */
  private final Path importStateDir;

  /** Tells the store apart from others imported into from this account, for the import state. */
  private final String storeName;

  /**
   * @param command the Claude Code command and any arguments that come before the ones a resume
   *     adds
   * @param configDir Claude Code's configuration folder (its {@code CLAUDE_CONFIG_DIR})
   */
  public ClaudeCode(SessionStore store, List<String> command, Path configDir) {
    if (command.isEmpty()) {
      throw new io.sessionstore.api.ConfigurationException(
          "Invalid " + ClaudeConfig.COMMAND + ": it is empty");
    }
    this.store = store;
    this.command = List.copyOf(command);
    this.configDir = configDir.toAbsolutePath().normalize();
    this.importStateDir = null;
    this.storeName = null;
  }

  private ClaudeCode(ClaudeCode c, Path importStateDir, String storeName) {
    this.store = c.store;
    this.command = c.command;
    this.configDir = c.configDir;
    this.importStateDir = importStateDir;
    this.storeName = storeName;
  }

  /**
   * This integration with imports that remember, in a file under {@code stateDir}, what they stored
   * of each transcript file, so that importing the same folder again reads only what was added
   * since (the README's "import-claude"). What they remember is checked against the store and the
   * files on every use, and anything that does not match is read whole; a missing or damaged file
   * costs a whole import, nothing more. Without this (and with {@code stateDir} null), every import
   * reads every file.
   *
   * @param storeName tells this store apart from the others imported into from this account (their
   *     imports remember separately); it is never shown
   */
  public ClaudeCode withImportState(Path stateDir, String storeName) {
    return new ClaudeCode(
        this,
        stateDir == null ? null : stateDir.toAbsolutePath().normalize(),
        java.util.Objects.requireNonNull(storeName, "storeName is null"));
  }

  /**
   * The command from {@link ClaudeConfig#COMMAND} (default {@code claude}, split at spaces) and the
   * folder from {@link ClaudeConfig#CONFIG_DIR}, else {@code $CLAUDE_CONFIG_DIR}, else {@code
   * ~/.claude}.
   */
  public static ClaudeCode of(SessionStore store, SessionStoreConfig config) {
    String cmd = config.get(ClaudeConfig.COMMAND).orElse(ClaudeConfig.DEFAULT_COMMAND).strip();
    Path dir =
        config
            .get(ClaudeConfig.CONFIG_DIR)
            .filter(s -> !s.isBlank())
            .map(ClaudeCode::expandHome)
            .orElseGet(ClaudeCode::defaultConfigDir);
    ClaudeCode claude =
        new ClaudeCode(store, cmd.isEmpty() ? List.of() : Arrays.asList(cmd.split("\\s+")), dir);
    String state = config.get(ClaudeConfig.IMPORT_STATE).map(String::strip).orElse("");
    if (state.equals(ClaudeConfig.OFF)) {
      return claude;
    }
    return claude.withImportState(
        state.isEmpty() ? defaultStateDir() : expandHome(state), storeName(config));
  }

  /** {@code $XDG_STATE_HOME/sessionstore}, else {@code ~/.local/state/sessionstore}. */
  static Path defaultStateDir() {
    String env = System.getenv("XDG_STATE_HOME");
    Path base =
        env != null && !env.isBlank() && Path.of(env).isAbsolute()
            ? Path.of(env)
            : home().resolve(".local").resolve("state");
    return base.resolve("sessionstore");
  }

  /**
   * The store a configuration opens, as far as the import state needs to tell stores apart: the
   * backend's name and its settings (defaults included, a leading {@code ~} expanded), secrets left
   * out.
   */
  static String storeName(SessionStoreConfig config) {
    return BackendRegistry.storeIdentity(config);
  }

  /** {@code $CLAUDE_CONFIG_DIR}, else {@code ~/.claude}, as Claude Code itself decides. */
  public static Path defaultConfigDir() {
    String env = System.getenv("CLAUDE_CONFIG_DIR");
    return env != null && !env.isBlank() ? Path.of(env) : home().resolve(".claude");
  }

  public Path configDir() {
    return configDir;
  }

  /** Where Claude Code keeps transcripts: one folder per working directory. */
  public Path projectsDir() {
    return configDir.resolve("projects");
  }

  /**
   * The folder Claude Code keeps a working directory's transcripts in: the directory's real path
   * with every character other than an ASCII letter or digit replaced by {@code -}, cut to 200
   * characters and followed by a hash when longer (an existing folder with that start is used,
   * since the hash differs between Claude Code builds).
   */
  public Path transcriptFolder(Path workingDir) {
    String path = realPath(workingDir).toString();
    String encoded = encode(path);
    if (encoded.length() <= FOLDER_LENGTH) {
      return projectsDir().resolve(encoded);
    }
    String prefix = encoded.substring(0, FOLDER_LENGTH);
    if (Files.isDirectory(projectsDir())) {
      try (Stream<Path> folders = Files.list(projectsDir())) {
        Optional<Path> existing =
            folders
                .filter(
                    f -> {
                      String name = f.getFileName().toString();
                      return name.length() > FOLDER_LENGTH
                          && name.startsWith(prefix)
                          && Files.isDirectory(f);
                    })
                .sorted()
                .findFirst();
        if (existing.isPresent()) {
          return existing.get();
        }
      } catch (IOException e) {
        throw new BackendUnavailableException(
            "Cannot list " + projectsDir() + ": " + IoErrors.describe(e), e);
      }
    }
    return projectsDir()
        .resolve(prefix + "-" + Long.toString(Math.abs((long) path.hashCode()), 36));
  }

  /**
   * Claude Code's folder name for a path: each UTF-16 unit other than an ASCII letter or digit
   * becomes '-'.
   */
  static String encode(String path) {
    StringBuilder out = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      out.append(
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '-');
    }
    return out.toString();
  }

  /**
   * Imports every transcript under a projects folder: {@code <folder>/<id>.jsonl} becomes session
   * {@code <id>} of project {@code <folder>}, {@code <folder>/<id>/subagents/<name>.jsonl} its
   * sub-transcript {@code subagents/<name>}; a folder that holds {@code <id>.jsonl} files itself is
   * taken as one project's folder. Every line is kept byte for byte; importing again stores only
   * lines added since. A line that is not a JSON object is reported and skipped; a last line
   * without its newline is left for the next import.
   *
   * @param progress told after each project folder
   * @throws io.sessionstore.api.InvalidInputException when the folder does not exist
   */
  public TranscriptImportResult importTranscripts(Path projectsDir, ProgressListener progress) {
    Path stateFile = null;
    Path earlierStateFile = null;
    String identity = null;
    ImportState previous = ImportState.EMPTY;
    if (importStateDir != null && Files.isDirectory(projectsDir)) {
      identity = "store " + storeName + "\nsource " + realPath(projectsDir);
      Path dir = importStateDir.resolve("import-claude");
      stateFile = dir.resolve(stateFileName(identity));
      previous = ImportState.load(stateFile, identity);
      if (previous == ImportState.EMPTY && !Files.exists(stateFile)) {
        // A state an earlier version wrote under its name: taken up, and removed once this
        // import's is written.
        Path earlier = dir.resolve(earlierStateFileName(identity));
        if (Files.exists(earlier)) {
          earlierStateFile = earlier;
          previous = ImportState.load(earlier, identity);
        }
      }
    }
    TranscriptImporter importer = new TranscriptImporter(store, previous, changeTokenNow());
    boolean complete = false;
    try {
      importer.importProjects(projectsDir, progress);
      complete = true;
    } finally {
      if (stateFile != null) {
        ImportState now = importer.state(complete, complete ? changeTokenNow() : null);
        if ((earlierStateFile != null || !now.equals(previous))
            && saveState(stateFile, now.toBytes(identity))
            && earlierStateFile != null) {
          deleteQuietly(earlierStateFile);
        }
      }
    }
    return importer.result();
  }

  /**
   * The store's change token, or null when it has none or it cannot be read (the next import then
   * checks every session against the store).
   */
  private String changeTokenNow() {
    try {
      return store.changeToken().orElse(null);
    } catch (BackendUnavailableException e) {
      return null;
    }
  }

  /**
   * The name of the file of an import's state: a 64-bit FNV-1a hash of its identity (the store and
   * the projects folder), in hex. Not a SHA-256: the JDK's first digest costs a command 20 ms of
   * start-up (its security providers), most of what an import that finds nothing changed does.
   */
  static String stateFileName(String identity) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : identity.getBytes(StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
    }
    String hex = Long.toHexString(hash);
    return "0".repeat(16 - hex.length()) + hex + ".state";
  }

  /** The name versions before 2026-12-01 gave that file: the first half of a SHA-256, in hex. */
  static String earlierStateFileName(String identity) {
    return TranscriptFile.hash(identity.getBytes(StandardCharsets.UTF_8)).substring(0, 32)
        + ".state";
  }

  /**
   * Writes the import state; a failure only costs the next import a whole read, so it is logged.
   *
   * @return whether it was written
   */
  private static boolean saveState(Path file, byte[] bytes) {
    // An interrupted import remembers what it stored too: the flag, which would close the file's
    // channel, is set again once it is written.
    boolean interrupted = Thread.interrupted();
    try {
      writeFile(file, bytes, false);
      return true;
    } catch (BackendUnavailableException e) {
      LOG.warn(
          "Cannot remember what this import stored ({}): the next import reads every transcript",
          e.getMessage());
      return false;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("Cannot remove {}, an import state no longer used: {}", file, e.getMessage());
    }
  }

  /**
   * Writes a stored session's transcript, and its {@code subagents/…} sub-transcripts, where Claude
   * Code started in {@code workingDir} finds them, so that {@code claude --resume <id>} works
   * there. A file that already holds the same lines is left as it is.
   *
   * @param force overwrite files that differ
   * @throws NotFoundException when the session does not exist, or holds stream-json messages (no
   *     transcript)
   * @throws ConflictException when a file exists and differs, and {@code force} is not set; nothing
   *     is written
   */
  public PullResult pull(SessionKey key, Path workingDir, boolean force) {
    return pull(key, workingDir, force ? Existing.OVERWRITE : Existing.REFUSE);
  }

  /** What to do with a transcript file that exists and differs from the stored one. */
  private enum Existing {
    REFUSE,
    OVERWRITE,
    KEEP_LONGER
  }

  private PullResult pull(SessionKey key, Path workingDir, Existing existing) {
    SessionKey session = key.main();
    SessionMetadata m = metadata(session);
    if (SessionMetadata.FORMAT_STREAM_JSON.equals(m.attributes().get(SessionMetadata.FORMAT))) {
      throw new NotFoundException(
          "Cannot pull "
              + session
              + ": it was recorded from stream-json output, which "
              + "holds no Claude Code transcript (resume it with sessionstore resume)");
    }
    Path folder = transcriptFolder(workingDir);
    Path transcript = folder.resolve(fileName(session, session.sessionId()));
    Map<Path, List<String>> files = new LinkedHashMap<>();
    files.put(transcript, lines(session));
    for (String sub : store.listSubpaths(session)) {
      if (sub.startsWith(TranscriptImporter.SUBAGENTS + "/")) {
        String[] segments = sub.split("/");
        Path file = folder.resolve(session.sessionId());
        for (int i = 0; i < segments.length - 1; i++) {
          file = file.resolve(segments[i]);
        }
        files.put(
            file.resolve(fileName(session, segments[segments.length - 1])),
            lines(session.withSubpath(sub)));
      }
    }
    // Decide about every file before writing any, so a refusal leaves nothing half pulled.
    List<Path> write = new ArrayList<>();
    List<Path> unchanged = new ArrayList<>();
    for (Map.Entry<Path, List<String>> f : files.entrySet()) {
      byte[] there = readIfExists(f.getKey());
      if (there == null) {
        write.add(f.getKey());
      } else if (Arrays.equals(there, bytes(f.getValue()))
          || (existing == Existing.KEEP_LONGER && continues(f.getKey(), f.getValue()))) {
        unchanged.add(f.getKey());
      } else if (existing == Existing.OVERWRITE) {
        write.add(f.getKey());
      } else {
        throw new ConflictException(
            "Cannot pull "
                + session
                + ": "
                + f.getKey()
                + " exists and differs from the "
                + "stored transcript"
                + (existing == Existing.KEEP_LONGER ? " (it does not continue it)" : "")
                + "; sessionstore pull --force overwrites it");
      }
    }
    for (Path p : write) {
      writeFile(p, bytes(files.get(p)));
    }
    return new PullResult(transcript, write, unchanged);
  }

  /**
   * Resumes a stored session: runs {@code <command> --resume <id> -p <prompt> --output-format
   * stream-json --verbose} in {@code workingDir}, hands every line it prints to {@code output}, and
   * records the printed messages as they arrive. A stream-json session gets them appended. A Claude
   * Code transcript session is first pulled for {@code workingDir} (a local transcript that already
   * continues the stored one is kept), gets the printed messages as a new sub-transcript {@code
   * runs/<n>} (whose costs count in the session's cost), and after the run gets the lines Claude
   * Code added to its transcript.
   *
   * @throws NotFoundException when the session does not exist
   * @throws ConflictException when a local transcript differs from the stored one and does not
   *     continue it
   * @throws ClaudeCommandNotFoundException when the command cannot be run
   */
  public ResumeResult resume(
      SessionKey key, String prompt, Path workingDir, Consumer<String> output) {
    SessionKey session = key.main();
    SessionMetadata m = metadata(session);
    boolean transcript =
        SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT.equals(m.attributes().get(SessionMetadata.FORMAT));
    PullResult pulled = transcript ? pull(session, workingDir, Existing.KEEP_LONGER) : null;
    SessionKey into =
        transcript ? session.withSubpath(SessionMetadata.RUNS_PREFIX + nextRun(session)) : session;
    List<String> args = new ArrayList<>(command);
    args.addAll(
        List.of(
            "--resume",
            session.sessionId(),
            "-p",
            prompt,
            "--output-format",
            "stream-json",
            "--verbose"));
    ProcessBuilder builder =
        new ProcessBuilder(args)
            .directory(workingDir.toAbsolutePath().toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    // Only a configured folder is handed down: Claude Code moves more than transcripts (its login,
    // its settings)
    // with CLAUDE_CONFIG_DIR, so the default is left for it to find as it always does.
    if (!configDir.equals(defaultConfigDir().toAbsolutePath().normalize())) {
      builder.environment().put("CLAUDE_CONFIG_DIR", configDir.toString());
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      if (pulled != null) {
        // Nothing ran: the transcript pulled for the run would only be imported again later, as
        // another project's.
        unpull(pulled);
      }
      throw new ClaudeCommandNotFoundException(
          "Cannot run the Claude Code command '"
              + command.get(0)
              + "': "
              + IoErrors.describe(e)
              + " (install Claude Code, or set "
              + ClaudeConfig.COMMAND
              + ")",
          e);
    }
    // Stopping sessionstore stops the run it started.
    Thread stopRun = new Thread(process::destroy);
    Runtime.getRuntime().addShutdownHook(stopRun);
    List<Message> printed = new ArrayList<>();
    RecordResult recorded;
    try {
      process.getOutputStream().close();
      Consumer<String> echo =
          line -> {
            output.accept(line);
            if (!line.isBlank()) {
              try {
                printed.add(Message.parse(line));
              } catch (io.sessionstore.api.InvalidInputException e) {
                // the recorder reports it
              }
            }
          };
      try {
        recorded =
            Recorder.of(store, RecordOptions.into(into)).record(process.getInputStream(), echo);
      } catch (RuntimeException storeFailed) {
        // The run goes on to its end, its output still passed through; only the recording stopped.
        passThrough(process, output);
        waitFor(process);
        throw storeFailed;
      }
      waitFor(process);
    } catch (IOException e) {
      throw new BackendUnavailableException(
          "Cannot run the Claude Code command: " + IoErrors.describe(e), e);
    } finally {
      process.destroy();
      try {
        Runtime.getRuntime().removeShutdownHook(stopRun);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
    TranscriptImportResult after = null;
    if (transcript) {
      Path file = pulled.transcript();
      after =
          new TranscriptImporter(store)
              .importSession(
                  session,
                  file,
                  file.resolveSibling(session.sessionId()).resolve(TranscriptImporter.SUBAGENTS))
              .result();
    }
    return new ResumeResult(
        process.exitValue(), into, printed, recorded.stored(), recorded.rejected(), pulled, after);
  }

  /** Removes the files a pull wrote, and the folders it left empty. */
  private static void unpull(PullResult pulled) {
    for (Path file : pulled.written()) {
      try {
        Files.deleteIfExists(file);
        for (Path dir = file.getParent();
            dir != null && !dir.equals(pulled.transcript().getParent().getParent());
            dir = dir.getParent()) {
          try (Stream<Path> left = Files.list(dir)) {
            if (left.findAny().isPresent()) {
              break;
            }
          }
          Files.delete(dir);
        }
      } catch (IOException e) {
        // A file left behind is the worst case, the one this tries to avoid; the run's error is
        // what matters.
      }
    }
  }

  private static void passThrough(Process process, Consumer<String> output) throws IOException {
    try (var lines =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        output.accept(line);
      }
    }
  }

  private static void waitFor(Process process) {
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendUnavailableException("Interrupted while the Claude Code command ran", e);
    }
  }

  /** The next free {@code runs/<n>}, counting from 1. */
  private long nextRun(SessionKey session) {
    long last = 0;
    for (String sub : store.listSubpaths(session)) {
      if (sub.startsWith(SessionMetadata.RUNS_PREFIX)
          && sub.substring(SessionMetadata.RUNS_PREFIX.length()).matches("[0-9]{1,18}")) {
        last = Math.max(last, Long.parseLong(sub.substring(SessionMetadata.RUNS_PREFIX.length())));
      }
    }
    return last + 1;
  }

  private SessionMetadata metadata(SessionKey session) {
    return store
        .getMetadata(session)
        .orElseThrow(() -> new NotFoundException("Session " + session + " does not exist"));
  }

  private List<String> lines(SessionKey key) {
    try (Stream<Message> messages = store.streamMessages(key)) {
      return messages.map(Message::json).toList();
    }
  }

  /** The lines, each followed by a newline, as Claude Code writes them. */
  private static byte[] bytes(List<String> lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : lines) {
      out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    return out.toByteArray();
  }

  /**
   * Whether a local transcript goes on from the stored lines: its lines, read as an import reads
   * them (line ends, blank and rejected lines aside), start with them.
   */
  private static boolean continues(Path file, List<String> stored) {
    try {
      List<Message> local = TranscriptFile.read(file).lines;
      return local.size() >= stored.size()
          && local.subList(0, stored.size()).stream().map(Message::json).toList().equals(stored);
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot read " + file + ": " + IoErrors.describe(e), e);
    }
  }

  /**
   * A transcript's file name; one the file system cannot hold is bad input, not a failure to retry.
   */
  private static String fileName(SessionKey session, String name) {
    String file = name + ".jsonl";
    if (file.getBytes(StandardCharsets.UTF_8).length > 255) {
      throw new io.sessionstore.api.InvalidInputException(
          "Cannot pull "
              + session
              + ": '"
              + name
              + "' is too long "
              + "for a transcript file name (at most 249 bytes)");
    }
    return file;
  }

  private static byte[] readIfExists(Path file) {
    try {
      return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot read " + file + ": " + IoErrors.describe(e), e);
    }
  }

  /** Writes beside the target and renames, so Claude Code never reads half a transcript. */
  private static void writeFile(Path file, byte[] bytes) {
    writeFile(file, bytes, true);
  }

  /**
   * Writes beside the target and renames, with mode {@code 0600} (folders it creates {@code 0700}).
   *
   * @param force whether to force the bytes to disk before the rename
   */
  private static void writeFile(Path file, byte[] bytes, boolean force) {
    Path tmp = null;
    try {
      boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
      // Transcripts hold prompts, code and secrets.
      if (posix) {
        Files.createDirectories(
            file.getParent(),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        tmp =
            Files.createTempFile(
                file.getParent(),
                ".sessionstore-",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createDirectories(file.getParent());
        tmp = Files.createTempFile(file.getParent(), ".sessionstore-", ".tmp");
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        if (force) {
          ch.force(true);
        }
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      try {
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException ignored) {
        // the write failed already; that is what the caller hears about
      }
      throw new BackendUnavailableException(
          "Cannot write " + file + ": " + IoErrors.describe(e), e);
    }
  }

  /**
   * The path with links resolved, also for a directory that does not exist yet (its nearest
   * existing parent's).
   */
  private static Path realPath(Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    Path existing = absolute;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return absolute;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(absolute));
    } catch (IOException e) {
      return absolute;
    }
  }

  private static Path expandHome(String path) {
    if (path.equals("~")) {
      return home();
    }
    return path.startsWith("~/") ? home().resolve(path.substring(2)) : Path.of(path);
  }

  private static Path home() {
    String home = System.getenv("HOME");
    return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
  }
}
