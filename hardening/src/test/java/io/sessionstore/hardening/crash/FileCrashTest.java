package io.sessionstore.hardening.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.Session;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.hardening.crash.FileCrashChild.Scenario;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash injection on every write path of the file backend: each write runs in a child JVM ({@link
 * FileCrashChild}) that halts just before its Nth force, truncate, rename or delete, for N = 1, 2,
 * … until the write completes. After each kill a fresh store must open, show every transcript
 * exactly in its state before or after the write, list and search exactly the sessions that load
 * (with the sub-transcripts that load), and take a further write.
 */
class FileCrashTest {
  private static final boolean LONG = "long".equals(System.getProperty("hardening.level", "quick"));
  private static final long DEFAULT_COMPACT_AFTER = 10_000;
  private static final int MAX_CALLS = 1_000;

  @TempDir Path tmp;

  private int kills;
  private int states;
  private final List<String> failures = new ArrayList<>();

  @Test
  void everyWriteLeavesItsOldOrItsNewStateWhereverItIsKilled() throws Exception {
    for (Scenario scenario : Scenario.values()) {
      long compactAfter = scenario == Scenario.COMPACTION ? 8 : DEFAULT_COMPACT_AFTER;
      crash(scenario, 2, compactAfter);
      if (LONG) {
        // Many messages, and an index compacted inside every write.
        crash(scenario, 200, 2);
      }
    }
    System.out.println(
        "hardening crash file ("
            + (LONG ? "long" : "quick")
            + "): "
            + kills
            + " kills, "
            + states
            + " states checked, "
            + failures.size()
            + " failures");
    failures.forEach(System.out::println);
    assertEquals(List.of(), failures);
  }

  private void crash(Scenario scenario, int size, long compactAfter) throws Exception {
    String name = scenario + " (size " + size + ", compaction after " + compactAfter + " records)";
    Path template = tmp.resolve(scenario + "-" + size + "-" + compactAfter);
    try (SessionStore store = FileCrashChild.open(template.resolve("store"), compactAfter)) {
      scenario.setUp(store, size);
    }
    if (scenario == Scenario.IMPORT) {
      writeArchive(template, size);
    }
    // The check writes too: it looks at a copy.
    Path work = tmp.resolve("run");
    copy(template, work);
    Map<SessionKey, String> before = check(work, name + " before the write");
    deleteTree(work);
    Map<Integer, Map<SessionKey, String>> killed = new LinkedHashMap<>();
    Map<SessionKey, String> after = null;
    for (int n = 1; n <= MAX_CALLS && after == null; n++) {
      copy(template, work);
      int rc = runChild(work, scenario, size, compactAfter, n);
      if (rc == 137) {
        kills++;
        killed.put(n, check(work, name + " killed at call " + n));
      } else if (rc == 0) {
        after = check(work, name + " completed");
      } else {
        failures.add(
            name
                + " killed at call "
                + n
                + ": the child failed with exit "
                + rc
                + ":\n"
                + Files.readString(work.resolve("child.log")));
        return;
      }
      deleteTree(work);
    }
    if (after == null) {
      failures.add(name + ": did not complete within " + MAX_CALLS + " calls");
      return;
    }
    if (after.equals(before)) {
      failures.add(name + ": the write changed nothing");
    }
    for (Map.Entry<Integer, Map<SessionKey, String>> k : killed.entrySet()) {
      for (SessionKey key : FileCrashChild.KEYS) {
        String state = k.getValue().get(key);
        if (!state.equals(before.get(key)) && !state.equals(after.get(key))) {
          failures.add(
              name
                  + " killed at call "
                  + k.getKey()
                  + ": "
                  + key
                  + " is neither in its old state\n  "
                  + before.get(key)
                  + "\nnor in its new one\n  "
                  + after.get(key)
                  + "\nbut\n  "
                  + state);
        }
      }
    }
  }

  /** An archive that creates {@code n} with a sub-transcript and extends {@code t}. */
  private static void writeArchive(Path template, int size) throws Exception {
    try (SessionStore source =
            FileCrashChild.open(template.resolve("source"), DEFAULT_COMPACT_AFTER);
        OutputStream out = Files.newOutputStream(template.resolve("archive.jsonl"))) {
      source.saveSession(FileCrashChild.T, FileCrashChild.messages("t", size));
      source.appendMessages(FileCrashChild.T, FileCrashChild.messages("t-more", size));
      source.saveSession(FileCrashChild.N, FileCrashChild.messages("n", size));
      source.appendMessages(FileCrashChild.N_SUB, FileCrashChild.messages("n-a", size));
      source.exportSessions(SearchQuery.in(Scope.allProjects()).build(), out);
    }
  }

  private static int runChild(Path work, Scenario scenario, int size, long compactAfter, int n)
      throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "-cp",
                System.getProperty("java.class.path"),
                FileCrashChild.class.getName(),
                work.toString(),
                scenario.name(),
                String.valueOf(size),
                String.valueOf(compactAfter),
                String.valueOf(n))
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("child.log").toFile())
            .start();
    // A hung child is a failure of its own, not a hung build.
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor();
      return -1;
    }
    return p.exitValue();
  }

  /**
   * Opens a fresh store on what a write left and checks that it is consistent and takes a further
   * write; returns each transcript's state as seen before that write.
   */
  private Map<SessionKey, String> check(Path work, String where) throws Exception {
    states++;
    Map<SessionKey, String> view = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    try (SessionStore store = FileCrashChild.open(work.resolve("store"), DEFAULT_COMPACT_AFTER)) {
      for (SessionKey key : FileCrashChild.KEYS) {
        view.put(key, state(store.loadSession(key)));
      }
      Set<String> listed = ids(store.listSessions(Scope.allProjects(), 1_000, null).items());
      Set<String> searched =
          ids(store.search(SearchQuery.in(Scope.allProjects()).limit(1_000).build()).items());
      Set<String> loadable = new TreeSet<>();
      for (SessionKey key : FileCrashChild.KEYS) {
        if (!key.isSubpath() && store.loadSession(key).isPresent()) {
          loadable.add(key.sessionId());
        }
      }
      if (!listed.equals(loadable) || !searched.equals(loadable)) {
        problems.add(
            "list "
                + listed
                + " and search "
                + searched
                + " disagree with the sessions that load "
                + loadable);
      }
      for (SessionKey main : FileCrashChild.KEYS) {
        Optional<SessionMetadata> meta = store.getMetadata(main);
        if (main.isSubpath() || meta.isEmpty()) {
          continue;
        }
        Set<String> subs = new TreeSet<>(store.listSubpaths(main));
        Set<String> subsThatLoad = new TreeSet<>();
        for (SessionKey sub : FileCrashChild.KEYS) {
          if (sub.isSubpath() && sub.main().equals(main) && store.loadSession(sub).isPresent()) {
            subsThatLoad.add(sub.subpath());
          }
        }
        if (!subs.equals(subsThatLoad) || !Set.copyOf(meta.get().subpaths()).equals(subsThatLoad)) {
          problems.add(
              main
                  + ": listSubpaths "
                  + subs
                  + " and info's subpaths "
                  + meta.get().subpaths()
                  + " disagree with the sub-transcripts that load "
                  + subsThatLoad);
        }
      }
      furtherWrites(store, problems);
    } catch (RuntimeException e) {
      problems.add("the store failed: " + e);
    }
    problems.forEach(p -> failures.add(where + ": " + p));
    return view;
  }

  private static void furtherWrites(SessionStore store, List<String> problems) {
    List<Message> probe = FileCrashChild.messages("probe", 1);
    store.appendMessages(FileCrashChild.S, probe);
    List<Message> s = store.loadSession(FileCrashChild.S).orElseThrow().messages();
    if (!s.get(s.size() - 1).json().equals(probe.get(0).json())) {
      problems.add("an append after the crash is not the last message of " + FileCrashChild.S);
    }
    SessionKey fresh = new SessionKey(FileCrashChild.PROJECT, "probe", null);
    store.saveSession(fresh, probe);
    if (store.loadSession(fresh).orElseThrow().messages().size() != 1) {
      problems.add("a save after the crash did not store its message");
    }
  }

  /**
   * A transcript's messages and its metadata, without times (a write takes its own) and
   * sub-transcripts.
   */
  private static String state(Optional<Session> session) {
    if (session.isEmpty()) {
      return "absent";
    }
    SessionMetadata m = session.get().metadata();
    SessionMetadata timeless =
        new SessionMetadata(
            m.project(),
            m.sessionId(),
            Instant.EPOCH,
            Instant.EPOCH,
            m.messageCount(),
            m.totalCostUsd(),
            m.turns(),
            m.tags(),
            m.summary(),
            m.attributes(),
            List.of(),
            m.version());
    return timeless + " " + session.get().messages().stream().map(Message::json).toList();
  }

  private static Set<String> ids(List<SessionMetadata> items) {
    return items.stream()
        .map(SessionMetadata::sessionId)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
