package io.sessionstore.hardening.fuzz;

import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.api.SessionStoreException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.opentest4j.AssertionFailedError;

/**
 * What every fuzz property shares: stores in temporary folders, store snapshots, the CLI in
 * process, a watchdog.
 */
final class Fuzz {
  private Fuzz() {}

  /** A new, empty folder under the build's temporary directory. */
  static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory("fuzz-" + prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes a folder tree, best effort (a left-over temporary folder is not a test result). */
  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort
    }
  }

  /** A store on the embedded file backend in a folder. */
  static SessionStore fileStore(Path dir) {
    return SessionStore.builder()
        .config(SessionStoreConfig.of(Map.of("sessionstore.file.dir", dir.toString())))
        .build();
  }

  /**
   * Everything a user can read from a store, as one string: every session's metadata (all projects)
   * and every message of its main transcript and of each subpath, in order. Two equal snapshots
   * mean nothing stored changed.
   */
  static String snapshot(SessionStore store) {
    StringBuilder s = new StringBuilder();
    for (SessionMetadata m : allSessions(store)) {
      s.append(m).append('\n');
      SessionKey key = SessionKey.of(m.project(), m.sessionId());
      appendMessages(s, store, key);
      for (String sub : store.listSubpaths(key)) {
        s.append("  [").append(sub).append("]\n");
        appendMessages(s, store, key.withSubpath(sub));
      }
    }
    return s.toString();
  }

  /**
   * Like {@link #snapshot(SessionStore)} but without what legitimately differs between a store and
   * a copy made by export and import ({@code version}): keys, timestamps, derived figures, tags,
   * summary, attributes, messages.
   */
  static String snapshotWithoutVolatile(SessionStore store) {
    StringBuilder s = new StringBuilder();
    for (SessionMetadata m : allSessions(store)) {
      s.append(m.project())
          .append('/')
          .append(m.sessionId())
          .append(" created=")
          .append(m.createdAt())
          .append(" updated=")
          .append(m.updatedAt())
          .append(" count=")
          .append(m.messageCount())
          .append(" cost=")
          .append(m.totalCostUsd() == null ? null : m.totalCostUsd().stripTrailingZeros())
          .append(" turns=")
          .append(m.turns())
          .append(" tags=")
          .append(m.tags())
          .append(" summary=")
          .append(m.summary())
          .append(" attributes=")
          .append(m.attributes())
          .append(" subpaths=")
          .append(m.subpaths())
          .append('\n');
      SessionKey key = SessionKey.of(m.project(), m.sessionId());
      appendMessages(s, store, key);
      for (String sub : store.listSubpaths(key)) {
        s.append("  [").append(sub).append("]\n");
        appendMessages(s, store, key.withSubpath(sub));
      }
    }
    return s.toString();
  }

  private static void appendMessages(StringBuilder s, SessionStore store, SessionKey key) {
    try (Stream<Message> messages = store.streamMessages(key)) {
      messages.forEach(m -> s.append("  ").append(m.json()).append('\n'));
    }
  }

  /** The snapshot of the store in a folder, opened for this and closed again. */
  static String snapshot(Path dir) {
    try (SessionStore store = fileStore(dir)) {
      return snapshot(store);
    }
  }

  /** Every session of every project, following the cursor. */
  static List<SessionMetadata> allSessions(SessionStore store) {
    List<SessionMetadata> all = new ArrayList<>();
    String cursor = null;
    do {
      var page =
          store.search(
              SearchQuery.in(Scope.allProjects())
                  .limit(SearchQuery.MAX_LIMIT)
                  .cursor(cursor)
                  .build());
      all.addAll(page.items());
      cursor = page.nextCursor();
    } while (cursor != null);
    all.sort(
        Comparator.comparing(SessionMetadata::project).thenComparing(SessionMetadata::sessionId));
    return all;
  }

  /** The messages of a key, as their texts; none when the key holds no session. */
  static List<String> textsOrNone(SessionStore store, SessionKey key) {
    try {
      return texts(store, key);
    } catch (io.sessionstore.api.NotFoundException e) {
      return List.of();
    }
  }

  /** The messages of a key, as their texts. */
  static List<String> texts(SessionStore store, SessionKey key) {
    try (Stream<Message> messages = store.streamMessages(key)) {
      return messages.map(Message::json).toList();
    }
  }

  /** One CLI run: exit code, standard output and standard error. */
  record Cli(int code, String out, String err) {
    /**
     * Fails unless the code is 0 or 2, and unless an exit 2 said why on standard error without a
     * stack trace.
     */
    Cli zeroOrTwo(String what) {
      if (code != 0 && code != 2) {
        throw new AssertionFailedError(
            what
                + ": exit "
                + code
                + " (only 0 or 2 are right for this input); stderr: "
                + clip(err));
      }
      if (code == 2) {
        noStackTrace(what);
        if (err.isBlank()) {
          throw new AssertionFailedError(what + ": exit 2 without a word on standard error");
        }
      }
      return this;
    }

    Cli noStackTrace(String what) {
      if (err.contains("\tat ")
          || err.contains("Exception in thread")
          || err.contains("OutOfMemoryError")
          || err.contains("StackOverflowError")) {
        throw new AssertionFailedError(
            what + ": a stack trace or VM error on standard error: " + clip(err));
      }
      return this;
    }
  }

  /**
   * Runs the CLI in this process on the file store in {@code dir}, with the given standard input.
   */
  static Cli cli(Path dir, byte[] stdin, String... args) {
    // import-claude's state beside the store, not in the user's ~/.local/state.
    List<String> all =
        new ArrayList<>(
            List.of(
                "-D",
                "sessionstore.file.dir=" + dir,
                "-D",
                "sessionstore.claude.import-state="
                    + dir.resolveSibling(dir.getFileName() + "-import-state")));
    all.addAll(List.of(args));
    return cliRaw(stdin, all.toArray(String[]::new));
  }

  /** Runs the CLI in this process with exactly these arguments. */
  static Cli cliRaw(byte[] stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        io.sessionstore.cli.Main.run(
            args,
            new ByteArrayInputStream(stdin),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** At most 600 characters of a text, for failure messages. */
  static String clip(String s) {
    return s.length() <= 600 ? s : s.substring(0, 600) + "… (" + s.length() + " chars)";
  }

  /** A readable form of a test input: long runs shortened, control characters escaped. */
  static String show(String s) {
    StringBuilder b = new StringBuilder();
    int n = Math.min(s.length(), 400);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20
          || (c >= 0x7f && c <= 0xa0)
          || c == 0x2028
          || c == 0x2029
          || c == 0xfeff
          || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return s.length() > n ? b + "…(" + s.length() + " chars)" : b.toString();
  }

  /**
   * Runs a call on its own thread and fails when it takes longer than the bound: a hang detector,
   * not a timing assertion. A call still running then is stopped (Java 17 still has {@code
   * Thread.stop}), so that an endless loop in the product does not keep burning a core for the rest
   * of the build; the failure carries its stack.
   */
  @SuppressWarnings({"deprecation", "removal"})
  static <T> T within(long seconds, String what, Callable<T> call) throws Throwable {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                result.set(call.call());
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            "fuzz-watchdog-" + what);
    t.setDaemon(true);
    t.start();
    t.join(seconds * 1000);
    if (t.isAlive()) {
      StackTraceElement[] stack = t.getStackTrace();
      StringBuilder where = new StringBuilder();
      for (int i = 0; i < Math.min(stack.length, 12); i++) {
        where.append("\n    at ").append(stack[i]);
      }
      t.stop();
      throw new AssertionFailedError(
          what + ": still running after " + seconds + " s (a hang), stopped it; it was" + where);
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return result.get();
  }

  /**
   * Fails unless an exception is one of the API's types (never a bare runtime exception or an
   * error).
   */
  static void assertApiException(
      String what, Throwable e, Class<? extends SessionStoreException> expected) {
    if (e instanceof AssertionError a) {
      throw a; // the watchdog's verdict, or a check inside the call
    }
    if (!expected.isInstance(e)) {
      AssertionFailedError f =
          new AssertionFailedError(
              what
                  + ": expected "
                  + expected.getSimpleName()
                  + " or success, got "
                  + e.getClass().getName()
                  + ": "
                  + clip(String.valueOf(e.getMessage())));
      f.initCause(e);
      throw f;
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("\n") || message.contains("\r")) {
      throw new AssertionFailedError(what + ": the error is not one line: " + clip(message));
    }
  }

  /** Counts inputs and failures of one property class, for its summary line. */
  static final class Tally {
    private final String name;
    private final AtomicLong inputs = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    Tally(String name) {
      this.name = name;
    }

    /** Runs one input's check, counting it, and counting it as a failure when it throws. */
    void check(ThrowingRunnable check) throws Throwable {
      inputs.incrementAndGet();
      try {
        check.run();
      } catch (Throwable e) {
        failures.incrementAndGet();
        throw e;
      }
    }

    void print() {
      System.out.println(
          "hardening fuzz "
              + name
              + ": "
              + inputs.get()
              + " inputs, "
              + failures.get()
              + " failures"
              + " (level "
              + (Level.Run.isLong() ? "long" : "quick")
              + ")");
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Throwable;
  }
}
