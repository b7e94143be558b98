package io.sessionstore.claude;

import io.sessionstore.api.ConflictException;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.Page;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.TranscriptTail;
import io.sessionstore.claude.ImportState.FileState;
import io.sessionstore.claude.ImportState.Head;
import io.sessionstore.claude.ImportState.Rejected;
import io.sessionstore.claude.ImportState.SessionState;
import io.sessionstore.claude.ImportState.Stat;
import io.sessionstore.spi.IoErrors;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Imports Claude Code transcripts (the README's "Claude Code"). Each session goes in through {@link
 * SessionStore#importSession}, so the archive import's merge rules apply: a new session is created,
 * a stored one whose lines start the file's gets the new lines appended as they are, and one that
 * does not is reported as diverged and left alone.
 *
 * <p>With the {@link ImportState} of an earlier import, a session whose files have not changed
 * since, and whose stored transcripts are still at the versions that import left them at, is not
 * read at all (those versions are not even looked up when the store's change token is the one an
 * earlier import found at its start and its end, so that every version it remembers holds); one
 * whose files grew has only the new bytes read, after a check that the line before them is still
 * the one that import read last, and they go in through {@link SessionStore#importSessionTail}.
 * Anything else (no state, a file shortened or rewritten, a session another writer changed) is read
 * whole, as without state. Sessions are imported by a few threads at once (each session by one).
 * Not thread-safe: one import per instance.
 */
final class TranscriptImporter {
  static final String SUBAGENTS = "subagents";

  private static final ImportOptions OPTIONS =
      new ImportOptions(false, true, ProgressListener.NONE);

  private final SessionStore store;
  private final ImportState previous;
  // The store's change token when this import began (null: it has none), and whether it is the one
  // the state remembers.
  private final String changeToken;
  private final boolean storeUnchanged;
  private final Map<SessionKey, SessionState> next = new HashMap<>();

  /** Each project's heads, listed once for the whole import (its sessions' importers share it). */
  private final Map<String, Map<String, SessionMetadata>> listed;

  /**
   * The files' bytes the sessions being imported may hold at once, in KiB: each session takes the
   * size of the files it may read before it starts (a larger one waits for the whole budget and
   * goes on alone), so that more threads do not hold more than this of a history however large its
   * sessions. A session whose files all have the {@code stat} the state remembers takes nothing.
   */
  private final java.util.concurrent.Semaphore holding;

  private final int holdingKib;

  private static final int HOLDING_KIB = 64 << 10;

  /**
   * Sessions imported at once: two more than the cores (at most 8), since a session's thread also
   * waits for its forced writes. On two cores, four threads imported a history of 1,000 sessions of
   * 150 KB in a seventh less time than two; one of 2,000 sessions of 1 MB, whose parsing keeps both
   * cores busy anyway, in about a twentieth more (more live data for the collector).
   */
  private static final int THREADS = Math.min(8, Runtime.getRuntime().availableProcessors() + 2);

  private long files;
  private long filesRead;
  private long bytesRead;
  private long created;
  private long extended;
  private long unchanged;
  private long stored;
  private long skipped;
  private long pending;
  private final List<SessionKey> diverged = new ArrayList<>();
  private final List<TranscriptImportResult.Rejection> rejected = new ArrayList<>();

  TranscriptImporter(SessionStore store) {
    this(store, ImportState.EMPTY, null);
  }

  /**
   * @param previous what an earlier import of the same folder into the same store remembered
   * @param changeToken the store's {@link SessionStore#changeToken change token}, read before
   *     anything else of the store, or null
   */
  TranscriptImporter(SessionStore store, ImportState previous, String changeToken) {
    this(store, previous, changeToken, new java.util.concurrent.Semaphore(HOLDING_KIB, true));
  }

  /**
   * As above, with the sessions held at once bounded by the permits {@code holding} has now, one a
   * KiB of their files.
   */
  TranscriptImporter(
      SessionStore store,
      ImportState previous,
      String changeToken,
      java.util.concurrent.Semaphore holding) {
    this(
        store,
        previous,
        changeToken,
        new java.util.concurrent.ConcurrentHashMap<>(),
        holding,
        holding.availablePermits());
  }

  private TranscriptImporter(
      SessionStore store,
      ImportState previous,
      String changeToken,
      Map<String, Map<String, SessionMetadata>> listed,
      java.util.concurrent.Semaphore holding,
      int holdingKib) {
    this.store = store;
    this.previous = previous;
    this.changeToken = changeToken;
    this.storeUnchanged = previous.storeUnchanged(changeToken);
    this.listed = listed;
    this.holding = holding;
    this.holdingKib = holdingKib;
  }

  /** An importer of one session for this import, whose counts {@link #absorb} adds up. */
  private TranscriptImporter forOneSession() {
    return new TranscriptImporter(store, previous, changeToken, listed, holding, holdingKib);
  }

  /**
   * Every {@code <folder>/<id>.jsonl} and {@code <folder>/<id>/subagents/*.jsonl} under a projects
   * folder; or, when the folder holds transcripts itself and none of its folders does, it is one
   * project's folder and those are imported.
   */
  TranscriptImporter importProjects(Path projectsDir, ProgressListener progress) {
    if (!Files.isDirectory(projectsDir)) {
      throw new InvalidInputException(
          "Cannot import Claude Code transcripts from " + projectsDir + ": no such folder");
    }
    List<Path> entries = children(projectsDir);
    List<Path> folders = entries.stream().filter(Files::isDirectory).toList();
    List<Path> loose = entries.stream().filter(TranscriptImporter::isTranscript).toList();
    if (!loose.isEmpty() && folders.stream().noneMatch(TranscriptImporter::holdsSessions)) {
      folders = List.of(projectsDir);
    } else {
      for (Path f : loose) {
        files++;
        rejected.add(
            new TranscriptImportResult.Rejection(
                f,
                0,
                "not in a project's folder (import its folder on "
                    + "its own to take it into that project)"));
      }
    }
    // Sessions are imported by several threads, so that one's reading and parsing overlap
    // another's forced writes; each into an importer of its own, whose counts, rejections and
    // state are added here in the order a single thread would have taken the sessions. Sessions
    // that most likely need no reading go to a thread in runs: handed over one by one, the handoffs
    // cost more than their checks (on two cores, about 25 ms of the 0.38 s an import of 1,200
    // unchanged files took).
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "sessionstore-import-claude");
              t.setDaemon(true);
              return t;
            });
    java.util.ArrayDeque<Pending> inFlight = new java.util.ArrayDeque<>();
    // The number (in the import's order) of the first session that failed: none after it starts.
    java.util.concurrent.atomic.AtomicLong firstFailed =
        new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    List<Numbered> run = new ArrayList<>();
    try {
      long number = 0;
      int folderNumber = 0;
      for (Path folder : folders) {
        for (Map.Entry<String, Listed> s : sessionsIn(folder).entrySet()) {
          if (Thread.currentThread().isInterrupted()) {
            throw interrupted(null);
          }
          String id = s.getKey();
          TranscriptImporter one = forOneSession();
          Numbered session;
          boolean likelyUnchanged;
          try {
            SessionKey key = SessionKey.of(folder.getFileName().toString(), id);
            Path transcript = folder.resolve(id + ".jsonl");
            BasicFileAttributes attributes = s.getValue().transcript();
            Path subagents =
                s.getValue().subagents() ? folder.resolve(id).resolve(SUBAGENTS) : null;
            long n = number++;
            session =
                new Numbered(
                    n,
                    () ->
                        one.importSession(key, transcript, attributes, subagents, n, firstFailed));
            likelyUnchanged = likelyUnchanged(key, attributes);
          } catch (InvalidInputException e) {
            one.rejected.add(
                new TranscriptImportResult.Rejection(
                    folder.resolve(id + ".jsonl"), 0, e.getMessage()));
            session = new Numbered(number++, () -> one);
            likelyUnchanged = true;
          }
          if (likelyUnchanged) {
            run.add(session);
            if (run.size() >= UNCHANGED_RUN) {
              handOver(run, pool, inFlight, firstFailed);
            }
          } else {
            handOver(run, pool, inFlight, firstFailed);
            run.add(session);
            handOver(run, pool, inFlight, firstFailed);
          }
          while (inFlight.size() > 2 * THREADS) {
            absorbNext(inFlight, progress, folders.size());
          }
        }
        handOver(run, pool, inFlight, firstFailed);
        inFlight.add(
            new Pending(
                java.util.concurrent.CompletableFuture.completedFuture(Ran.NOTHING),
                ++folderNumber));
      }
      while (!inFlight.isEmpty()) {
        absorbNext(inFlight, progress, folders.size());
      }
    } finally {
      // After a session's failure no later session starts; the sessions in flight finish (a thread
      // is never interrupted inside a write), and what they stored is remembered, before any
      // failure is thrown. (On a failure or an interrupt of this thread, too: none that waits
      // starts.)
      firstFailed.set(-1);
      pool.shutdown();
      awaitUninterruptibly(pool);
      absorbStored(inFlight);
    }
    return this;
  }

  /** The most sessions that most likely need no reading handed to a thread at once. */
  private static final int UNCHANGED_RUN = 16;

  /**
   * A session to import, and its number in the import's order; the session gives null when, by the
   * time it could start, it was no longer wanted.
   */
  private record Numbered(long number, java.util.function.Supplier<TranscriptImporter> session) {}

  /**
   * The sessions of a run, imported one after the other on a thread: those that did, in order, and
   * the failure of the next one, if it failed.
   */
  private record Ran(List<TranscriptImporter> done, Throwable failure) {
    static final Ran NOTHING = new Ran(List.of(), null);
  }

  /** Hands the sessions of {@code run} to a thread of the pool, as one task; empties it. */
  private static void handOver(
      List<Numbered> run,
      java.util.concurrent.ExecutorService pool,
      java.util.ArrayDeque<Pending> inFlight,
      java.util.concurrent.atomic.AtomicLong firstFailed) {
    if (run.isEmpty()) {
      return;
    }
    List<Numbered> sessions = List.copyOf(run);
    run.clear();
    inFlight.add(new Pending(pool.submit(() -> importAll(sessions, firstFailed)), 0));
  }

  /**
   * Imports sessions one after the other, none after a failure (this thread's or another's of an
   * earlier session): the sessions before a failed one all run, as they would on a single thread.
   */
  private static Ran importAll(
      List<Numbered> sessions, java.util.concurrent.atomic.AtomicLong firstFailed) {
    List<TranscriptImporter> done = new ArrayList<>(sessions.size());
    for (Numbered s : sessions) {
      if (s.number() > firstFailed.get()) {
        break;
      }
      try {
        TranscriptImporter one = s.session().get();
        if (one == null) {
          break;
        }
        done.add(one);
      } catch (RuntimeException | Error e) {
        firstFailed.accumulateAndGet(s.number(), Math::min);
        return new Ran(done, e);
      }
    }
    return new Ran(done, null);
  }

  /**
   * Whether the state remembers the session's transcript file with the {@code stat} it has now: a
   * session, then, that an import finds unchanged unless a sub-agent's file changed.
   */
  private boolean likelyUnchanged(SessionKey key, BasicFileAttributes transcript) {
    SessionState was = previous.get(key);
    return was != null
        && was.main() != null
        && transcript != null
        && was.main().stat().equals(Stat.of(transcript));
  }

  /** After a failure: adds what the sessions that did finish stored; the rest are left out. */
  private void absorbStored(java.util.ArrayDeque<Pending> inFlight) {
    for (Pending p : inFlight) {
      try {
        if (p.sessions().isDone()) {
          p.sessions().get().done().forEach(this::absorb);
        }
      } catch (java.util.concurrent.ExecutionException | InterruptedException e) {
        // those sessions failed (their failure, or the first one, is the one thrown)
      }
    }
    inFlight.clear();
  }

  private static void awaitUninterruptibly(java.util.concurrent.ExecutorService pool) {
    boolean interrupted = false;
    while (true) {
      try {
        if (pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sessions being imported, or (with {@code folderNumber} above 0) the end of a project's folder.
   */
  private record Pending(java.util.concurrent.Future<Ran> sessions, int folderNumber) {}

  /**
   * Waits for the oldest sessions in flight and adds what they did, then throws the failure of one
   * of them, if one failed; reports a folder's end.
   */
  private void absorbNext(
      java.util.ArrayDeque<Pending> inFlight, ProgressListener progress, int folders) {
    // Left in flight until it is absorbed, so that what it stored is remembered when waiting for it
    // is interrupted.
    Pending p = inFlight.peekFirst();
    Ran ran;
    try {
      ran = p.sessions().get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw unchecked(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw interrupted(e);
    }
    inFlight.removeFirst();
    ran.done().forEach(this::absorb);
    if (ran.failure() != null) {
      throw unchecked(ran.failure());
    }
    if (p.folderNumber() > 0) {
      progress.progress(p.folderNumber(), folders);
    }
  }

  private static RuntimeException unchecked(Throwable failure) {
    if (failure instanceof RuntimeException r) {
      return r;
    }
    if (failure instanceof Error err) {
      throw err;
    }
    return new IllegalStateException(failure);
  }

  private static io.sessionstore.api.BackendUnavailableException interrupted(
      InterruptedException e) {
    return new io.sessionstore.api.BackendUnavailableException(
        "Interrupted while importing Claude Code transcripts", e);
  }

  /** Adds what an importer of one session did to this import's counts, rejections and state. */
  private void absorb(TranscriptImporter one) {
    files += one.files;
    filesRead += one.filesRead;
    bytesRead += one.bytesRead;
    created += one.created;
    extended += one.extended;
    unchanged += one.unchanged;
    stored += one.stored;
    skipped += one.skipped;
    pending += one.pending;
    diverged.addAll(one.diverged);
    rejected.addAll(one.rejected);
    next.putAll(one.next);
  }

  /**
   * A session found in a project's folder: its transcript's attributes (null when it has none) and
   * whether it has a sub-agents' folder.
   */
  private record Listed(BasicFileAttributes transcript, boolean subagents) {}

  /**
   * The sessions in a project's folder, by id: one {@code stat} per entry (and one more per folder,
   * for its sub-agents' folder).
   */
  private static TreeMap<String, Listed> sessionsIn(Path folder) {
    TreeMap<String, Listed> out = new TreeMap<>();
    for (Path p : children(folder)) {
      String name = p.getFileName().toString();
      BasicFileAttributes a = attributes(p);
      if (a == null) {
        continue;
      }
      if (a.isRegularFile() && name.endsWith(".jsonl")) {
        out.merge(
            name.substring(0, name.length() - ".jsonl".length()),
            new Listed(a, false),
            (was, now) -> new Listed(now.transcript(), was.subagents()));
      } else if (a.isDirectory()) {
        BasicFileAttributes sub = attributes(p.resolve(SUBAGENTS));
        if (sub != null && sub.isDirectory()) {
          out.merge(name, new Listed(null, true), (was, now) -> new Listed(was.transcript(), true));
        }
      }
    }
    return out;
  }

  /**
   * A transcript file of a session, with what a {@code stat} said of it; or, with {@code invalid}
   * set, a sub-agent's file whose name is not a valid subpath (rejected, never read).
   */
  private record Found(Path path, String subpath, Stat stat, String invalid) {
    Found(Path path, String subpath, Stat stat) {
      this(path, subpath, stat, null);
    }
  }

  /** One session: its transcript file and its sub-agents' files, either of which may be absent. */
  TranscriptImporter importSession(SessionKey key, Path transcript, Path subagentsDir) {
    BasicFileAttributes dir = attributes(subagentsDir);
    return importSession(
        key,
        transcript,
        attributes(transcript),
        dir != null && dir.isDirectory() ? subagentsDir : null,
        0,
        new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE));
  }

  /**
   * One session.
   *
   * @param attributes the transcript file's, or null when there is none
   * @param subagentsDir the sub-agents' folder, or null when there is none
   * @param number the session's in the import's order
   * @param firstFailed the number of the first session that failed: a session after it does not
   *     start, though it may have waited to hold its files' bytes since before that failure
   * @return this, or null when it did not start
   */
  private TranscriptImporter importSession(
      SessionKey key,
      Path transcript,
      BasicFileAttributes attributes,
      Path subagentsDir,
      long number,
      java.util.concurrent.atomic.AtomicLong firstFailed) {
    Found main = null;
    if (attributes != null && attributes.isRegularFile()) {
      main = new Found(transcript, null, Stat.of(attributes));
    }
    List<Found> subFiles = new ArrayList<>();
    boolean complete = subagentsDir == null || subagents(key, subagentsDir, subFiles);
    SessionState was = complete ? previous.get(key) : null;
    List<Found> files = new ArrayList<>(subFiles);
    if (main != null) {
      files.add(main);
    }
    long all = 0;
    long changed = 0;
    for (Found f : files) {
      long size = f.stat() == null ? 0 : f.stat().size();
      all += size;
      changed += was != null && f.stat() != null && f.stat().equals(remembered(was, f)) ? 0 : size;
    }
    int held = kib(changed);
    if (held > 0) {
      // Not for none: a fair semaphore queues even a request for no permits behind those waiting.
      holding.acquireUninterruptibly(held);
    }
    try {
      if (number > firstFailed.get()) {
        return null;
      }
      if (was != null && incremental(key, was, main, subFiles)) {
        return this;
      }
      if (held < kib(all)) {
        // The state no longer holds: every file is read. Nothing held while waiting, so that two
        // sessions never wait for each other's share.
        holding.release(held);
        held = 0;
        holding.acquireUninterruptibly(kib(all));
        held = kib(all);
        if (number > firstFailed.get()) {
          return null;
        }
      }
      full(key, transcript, main, subFiles, complete);
    } catch (RuntimeException | Error e) {
      // Before the bytes are released: the session that takes them next must see the failure.
      firstFailed.accumulateAndGet(number, Math::min);
      throw e;
    } finally {
      holding.release(held);
    }
    return this;
  }

  /** Permits for that many bytes of files: one a KiB, at most the whole budget. */
  private int kib(long bytes) {
    return (int) Math.min(holdingKib, (bytes + 1023) >> 10);
  }

  /** The {@code stat} the state remembers of a session's file, or null. */
  private static Stat remembered(SessionState was, Found f) {
    FileState fs = f.subpath() == null ? was.main() : was.subs().get(f.subpath());
    return fs == null ? null : fs.stat();
  }

  /**
   * The sub-agents' transcript files, each with a {@code stat}, in name order (a file whose name is
   * not a valid subpath marked so).
   *
   * @return false when the folder could not be read whole (that is reported; what was found is
   *     imported)
   */
  private boolean subagents(SessionKey key, Path subagentsDir, List<Found> out) {
    TreeMap<Path, BasicFileAttributes> found = new TreeMap<>();
    boolean complete = true;
    try {
      Files.walkFileTree(
          subagentsDir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
              BasicFileAttributes target = attrs.isSymbolicLink() ? attributes(p) : attrs;
              if (target != null
                  && target.isRegularFile()
                  && p.getFileName().toString().endsWith(".jsonl")) {
                found.put(p, target);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
              throw e;
            }
          });
    } catch (IOException e) {
      rejected.add(
          new TranscriptImportResult.Rejection(
              subagentsDir, 0, "cannot be read: " + IoErrors.describe(e)));
      complete = false;
    }
    for (Map.Entry<Path, BasicFileAttributes> f : found.entrySet()) {
      Path p = f.getKey();
      String relative =
          subagentsDir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
      String subpath =
          SUBAGENTS + "/" + relative.substring(0, relative.length() - ".jsonl".length());
      try {
        key.withSubpath(subpath);
        out.add(new Found(p, subpath, Stat.of(f.getValue())));
      } catch (InvalidInputException e) {
        out.add(new Found(p, null, null, e.getMessage()));
      }
    }
    return complete;
  }

  /** Counts and reports a sub-agent's file whose name is not a valid subpath (never read). */
  private void invalid(Found f) {
    files++;
    rejected.add(new TranscriptImportResult.Rejection(f.path(), 0, f.invalid()));
  }

  // ---- with the state of an earlier import
  // ------------------------------------------------------------------

  /**
   * One file of a session imported with the state: what the state says of it (null: a file it does
   * not know) and what was read of it now (null: not read, unchanged).
   */
  private record Step(Found file, FileState was, TranscriptFile read) {
    /** The file's valid lines: those read before and those read now. */
    long messages() {
      return (was == null ? 0 : was.messages()) + (read == null ? 0 : read.lines.size());
    }

    boolean pending() {
      return read != null ? read.pending : was.pending();
    }

    /** The file's rejected lines: those the state remembers, and those read now. */
    List<TranscriptImportResult.Rejection> rejections() {
      List<TranscriptImportResult.Rejection> out = new ArrayList<>();
      if (was != null) {
        for (Rejected r : was.rejected()) {
          out.add(new TranscriptImportResult.Rejection(file.path(), r.line(), r.reason()));
        }
      }
      if (read != null) {
        out.addAll(read.rejected);
      }
      return out;
    }
  }

  /**
   * Imports the session with what the state says of it, when the state still holds: every file it
   * knows is there, and every stored transcript is at the version the state gives (the session's
   * own from one listing of its project). Files whose {@code stat} is what the state says are not
   * read; the others are read from where the last read stopped, once the line before that is found
   * unchanged, and only their new lines go to the store, conditional on those versions.
   *
   * @return false when the state does not hold (nothing was stored, nothing counted; the caller
   *     reads every file)
   */
  private boolean incremental(SessionKey key, SessionState was, Found main, List<Found> subFiles) {
    if (main == null && was.main() != null) {
      return false;
    }
    List<Found> valid = subFiles.stream().filter(f -> f.invalid() == null).toList();
    if (!valid.stream().map(Found::subpath).toList().containsAll(was.subs().keySet())) {
      return false;
    }
    // Unless nothing changed in the store since an import that checked every session, the
    // session must be as the state has it.
    SessionMetadata before = null;
    if (!storeUnchanged && (before = asRemembered(key, was)) == null) {
      return false;
    }
    List<Step> steps = new ArrayList<>();
    if (main != null) {
      steps.add(new Step(main, was.main(), null));
    }
    for (Found f : valid) {
      FileState fs = was.subs().get(f.subpath());
      // The sub-transcript must be as the state has it (absent when its file gave nothing yet).
      Head head = fs == null ? null : fs.head();
      if (!storeUnchanged) {
        Optional<SessionMetadata> sub = store.getMetadata(key.withSubpath(f.subpath()));
        if (head == null ? sub.isPresent() : !head.matches(sub.orElse(null))) {
          return false;
        }
      }
      steps.add(new Step(f, fs, null));
    }
    boolean changed = false;
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      if (s.was() != null && s.was().stat().equals(s.file().stat())) {
        continue;
      }
      TranscriptFile read;
      filesRead++;
      try {
        read =
            s.was() == null
                ? TranscriptFile.read(s.file().path())
                : TranscriptFile.readFrom(s.file().path(), s.was().mark());
      } catch (IOException e) {
        return false;
      }
      if (read == null) {
        // Shortened or rewritten since: read whole.
        return false;
      }
      bytesRead += read.bytesRead;
      steps.set(i, new Step(s.file(), s.was(), read));
      changed = true;
    }
    Step mainStep = main == null ? null : steps.get(0);
    if (!changed) {
      count(steps, subFiles);
      unchanged++;
      skipped += steps.stream().mapToLong(Step::messages).sum();
      next.put(key, was);
      return true;
    }
    // The metadata as a read of every line would derive it: the remembered metadata of the stored
    // lines plus the new lines.
    TranscriptMetadata earlier;
    TranscriptMetadata derived;
    if (mainStep == null) {
      earlier = null;
      derived = null;
    } else if (mainStep.was() == null) {
      earlier = TranscriptMetadata.EMPTY;
      derived = TranscriptMetadata.of(mainStep.read().lineMetadata);
    } else {
      earlier = mainStep.was().derived();
      derived =
          earlier == null || mainStep.read() == null
              ? earlier
              : earlier.plus(mainStep.read().lineMetadata);
    }
    if (derived == null || derived.first() == null) {
      // Without timestamps in the transcript the times come from the sub-agents' lines or the
      // files' times: read whole.
      return false;
    }
    // Looked up only now that it is needed when the store was unchanged (and checked, as the store
    // may have changed since).
    if (before == null && (before = asRemembered(key, was)) == null) {
      return false;
    }
    SessionMetadata metadata = metadata(key, derived, earlier, before);
    List<Message> mainTail = mainStep.read() == null ? List.of() : mainStep.read().lines;
    // Every stored sub-transcript is named, grown or not, as a whole read plans every one of them
    // (their times follow the session's); a new one is created.
    Map<String, TranscriptTail> subTails = new TreeMap<>();
    for (Step s : steps) {
      if (s == mainStep) {
        continue;
      }
      Head head = s.was() == null ? null : s.was().head();
      List<Message> tail = s.read() == null ? List.of() : s.read().lines;
      if (head != null) {
        subTails.put(s.file().subpath(), new TranscriptTail(head.version(), head.messages(), tail));
      } else if (!tail.isEmpty()) {
        subTails.put(s.file().subpath(), TranscriptTail.create(tail));
      }
    }
    ImportResult r;
    try {
      r =
          store.importSessionTail(
              metadata,
              new TranscriptTail(was.head().version(), was.head().messages(), mainTail),
              subTails,
              OPTIONS);
    } catch (ConflictException | InvalidInputException changedMeanwhile) {
      return false;
    }
    count(steps, subFiles);
    created += r.created();
    extended += r.extended();
    unchanged += r.unchanged();
    stored += r.messages();
    skipped += steps.stream().mapToLong(Step::messages).sum() - r.messages();
    remember(key, steps, mainStep, subTails.keySet(), derived);
    return true;
  }

  /**
   * Counts the files of a session imported with the state and reports their rejections, in the
   * order a whole read reports them.
   */
  private void count(List<Step> steps, List<Found> subFiles) {
    Map<Path, Step> byPath = new HashMap<>();
    steps.forEach(s -> byPath.put(s.file().path(), s));
    List<Found> order = new ArrayList<>();
    if (!steps.isEmpty() && steps.get(0).file().subpath() == null) {
      order.add(steps.get(0).file());
    }
    order.addAll(subFiles);
    for (Found f : order) {
      if (f.invalid() != null) {
        invalid(f);
        continue;
      }
      Step s = byPath.get(f.path());
      files++;
      rejected.addAll(s.rejections());
      pending += s.pending() ? 1 : 0;
    }
  }

  /**
   * Remembers a session imported with the state, with the heads the store now has: those of the
   * transcripts written are read again, and must hold what was written (else another writer came in
   * between, and the session is left for a whole read next time).
   */
  private void remember(
      SessionKey key,
      List<Step> steps,
      Step mainStep,
      java.util.Set<String> written,
      TranscriptMetadata derived) {
    Optional<SessionMetadata> m = store.getMetadata(key);
    if (m.isEmpty() || m.get().messageCount() != mainStep.messages()) {
      return;
    }
    FileState mainState = null;
    Map<String, FileState> subs = new TreeMap<>();
    for (Step s : steps) {
      if (s == mainStep) {
        mainState =
            s.read() == null
                ? s.was().withHead(Head.of(m.get()))
                : fileState(s, Head.of(m.get()), derived);
        continue;
      }
      Head head = s.was() == null ? null : s.was().head();
      if (written.contains(s.file().subpath())) {
        Optional<SessionMetadata> sub = store.getMetadata(key.withSubpath(s.file().subpath()));
        if (sub.isEmpty() || sub.get().messageCount() != s.messages()) {
          return;
        }
        head = Head.of(sub.get());
      }
      subs.put(
          s.file().subpath(), s.read() == null ? s.was().withHead(head) : fileState(s, head, null));
    }
    next.put(key, new SessionState(Head.of(m.get()), mainState, subs));
  }

  /** The state of a file read now, from where the state said the last read stopped. */
  private static FileState fileState(Step s, Head head, TranscriptMetadata derived) {
    List<Rejected> rejections = new ArrayList<>();
    for (TranscriptImportResult.Rejection r : s.rejections()) {
      rejections.add(new Rejected(r.line(), r.reason()));
    }
    return new FileState(
        readStat(s.file().stat(), s.read()),
        s.read().mark,
        s.messages(),
        s.read().pending,
        rejections,
        head,
        derived);
  }

  /**
   * The stat to remember of a file that was read: as taken before the read, with the size the read
   * found (a file that grew while being read was read to its new end).
   */
  private static Stat readStat(Stat before, TranscriptFile read) {
    return new Stat(read.size, before.modified(), before.fileKey());
  }

  /** The session's stored metadata when it is still as the state has it, else null. */
  private SessionMetadata asRemembered(SessionKey key, SessionState was) {
    SessionMetadata stored = listed(key);
    return was.head().matches(stored) ? stored : null;
  }

  /**
   * The session's head as a listing of its project gives it: one listing per project, not one read
   * per session.
   */
  private SessionMetadata listed(SessionKey key) {
    Map<String, SessionMetadata> heads =
        listed.computeIfAbsent(
            key.project(),
            project -> {
              Map<String, SessionMetadata> out = new HashMap<>();
              String cursor = null;
              do {
                Page<SessionMetadata> page =
                    store.search(
                        SearchQuery.in(Scope.project(project))
                            .limit(SearchQuery.MAX_LIMIT)
                            .cursor(cursor)
                            .build());
                page.items().forEach(m -> out.put(m.sessionId(), m));
                cursor = page.nextCursor();
              } while (cursor != null);
              return out;
            });
    return heads.get(key.sessionId());
  }

  // ---- reading every file
  // -----------------------------------------------------------------------------------

  /**
   * Imports a session by reading all of its files, and remembers what it stored.
   *
   * @param complete whether {@code subFiles} are all of the sub-agents' files
   */
  private void full(
      SessionKey key, Path transcript, Found mainFile, List<Found> subFiles, boolean complete) {
    TranscriptFile main = mainFile == null ? null : read(mainFile.path());
    boolean unreadable = !complete || (mainFile != null && main == null);
    Map<String, TranscriptFile> read = new LinkedHashMap<>();
    Map<String, TranscriptFile> subs = new TreeMap<>();
    for (Found f : subFiles) {
      if (f.invalid() != null) {
        invalid(f);
        continue;
      }
      TranscriptFile sub = read(f.path());
      if (sub == null) {
        unreadable = true;
        continue;
      }
      read.put(f.subpath(), sub);
      if (!sub.lines.isEmpty()) {
        subs.put(f.subpath(), sub);
      }
    }
    List<Message> mainLines = main == null ? List.of() : main.lines;
    if (mainLines.isEmpty() && subs.isEmpty()) {
      // Nothing valid in it (yet): no session is made of an empty file.
      return;
    }
    long lines = mainLines.size() + subs.values().stream().mapToLong(f -> f.lines.size()).sum();
    Map<String, List<Message>> subpaths = new TreeMap<>();
    subs.forEach((name, f) -> subpaths.put(name, f.lines));
    TranscriptMetadata derived =
        TranscriptMetadata.of(main == null ? List.of() : main.lineMetadata);
    SessionMetadata metadata =
        metadata(key, mainLines.isEmpty() ? null : main, derived, subs, store.getMetadata(key));
    ImportResult r = store.importSession(metadata, mainLines, subpaths, OPTIONS);
    if (!r.rejected().isEmpty()) {
      rejected.add(
          new TranscriptImportResult.Rejection(transcript, 0, r.rejected().get(0).reason()));
      return;
    }
    if (!r.diverged().isEmpty()) {
      diverged.add(key);
      return;
    }
    created += r.created();
    extended += r.extended();
    unchanged += r.unchanged();
    stored += r.messages();
    skipped += lines - r.messages();
    if (!unreadable) {
      rememberFull(key, mainFile, main, derived, subFiles, read);
    }
  }

  /**
   * Remembers a session that was read whole, when the store holds exactly its files' valid lines
   * (and not more, from elsewhere).
   */
  private void rememberFull(
      SessionKey key,
      Found mainFile,
      TranscriptFile main,
      TranscriptMetadata derived,
      List<Found> subFiles,
      Map<String, TranscriptFile> read) {
    Optional<SessionMetadata> m = store.getMetadata(key);
    long mainMessages = main == null ? 0 : main.lines.size();
    if (m.isEmpty() || m.get().messageCount() != mainMessages) {
      return;
    }
    FileState mainState =
        main == null ? null : fileState(mainFile, main, Head.of(m.get()), derived);
    Map<String, FileState> subs = new TreeMap<>();
    for (Found f : subFiles) {
      if (f.invalid() != null) {
        continue;
      }
      TranscriptFile sub = read.get(f.subpath());
      Head head = null;
      if (!sub.lines.isEmpty()) {
        Optional<SessionMetadata> s = store.getMetadata(key.withSubpath(f.subpath()));
        if (s.isEmpty() || s.get().messageCount() != sub.lines.size()) {
          return;
        }
        head = Head.of(s.get());
      }
      subs.put(f.subpath(), fileState(f, sub, head, null));
    }
    next.put(key, new SessionState(Head.of(m.get()), mainState, subs));
  }

  private static FileState fileState(
      Found file, TranscriptFile read, Head head, TranscriptMetadata derived) {
    List<Rejected> rejections = new ArrayList<>();
    for (TranscriptImportResult.Rejection r : read.rejected) {
      rejections.add(new Rejected(r.line(), r.reason()));
    }
    return new FileState(
        readStat(file.stat(), read),
        read.mark,
        read.lines.size(),
        read.pending,
        rejections,
        head,
        derived);
  }

  TranscriptImportResult result() {
    return new TranscriptImportResult(
        files, filesRead, bytesRead, created, extended, unchanged, diverged, stored, skipped,
        pending, rejected);
  }

  /**
   * What this import found, for the next one: the sessions it imported or found unchanged; with
   * {@code complete} false (the import stopped early), also what the earlier state said of the
   * sessions it did not reach.
   *
   * @param tokenAtEnd the store's change token once the import ended, or null
   */
  ImportState state(boolean complete, String tokenAtEnd) {
    // The token is remembered when every session this state remembers is as the store holds it
    // under that token (checked by this import, or by an earlier one whose token the store still
    // had): the import ran to its end (else some are an earlier import's, checked against the
    // store as it was then) and the store has the same token as when it began (so the import
    // wrote nothing, and nobody else did meanwhile).
    String token = complete && Objects.equals(changeToken, tokenAtEnd) ? changeToken : null;
    // Nothing changed (the cron or hook case): the earlier state itself, which the caller then does
    // not compare field by field.
    if ((!complete || next.size() == previous.sessions().size())
        && next.entrySet().stream().allMatch(e -> previous.get(e.getKey()) == e.getValue())) {
      return previous.withChangeToken(token);
    }
    Map<SessionKey, SessionState> out = new HashMap<>();
    if (!complete) {
      out.putAll(previous.sessions());
    }
    out.putAll(next);
    return new ImportState(out, token);
  }

  private TranscriptFile read(Path file) {
    files++;
    filesRead++;
    try {
      TranscriptFile f = TranscriptFile.read(file);
      bytesRead += f.bytesRead;
      rejected.addAll(f.rejected);
      pending += f.pending ? 1 : 0;
      return f;
    } catch (IOException e) {
      rejected.add(
          new TranscriptImportResult.Rejection(file, 0, "cannot be read: " + IoErrors.describe(e)));
      return null;
    }
  }

  /**
   * The session's metadata, as its lines give it (the README's "Claude Code"). For a session stored
   * before, what an earlier import derived is refreshed, and what someone changed since is kept: a
   * stored value that differs from what the stored lines give was set by a person.
   */
  private static SessionMetadata metadata(
      SessionKey key,
      TranscriptFile main,
      TranscriptMetadata derived,
      Map<String, TranscriptFile> subs,
      Optional<SessionMetadata> before) {
    List<TranscriptMetadata.Line> lines = main == null ? List.of() : main.lineMetadata;
    TranscriptMetadata earlier = null;
    if (before.isPresent() && before.get().messageCount() <= lines.size()) {
      earlier = TranscriptMetadata.of(lines.subList(0, (int) before.get().messageCount()));
    }
    Instant first = derived.first();
    Instant last = derived.last();
    if (first == null) {
      // No timestamps in the transcript: the sub-agents' lines, else when the files were written.
      for (TranscriptFile f : subs.values()) {
        TranscriptMetadata s = TranscriptMetadata.of(f.lineMetadata);
        first = earliest(first, s.first());
        last = latest(last, s.last());
      }
    }
    if (first == null) {
      last = modified(main, subs);
      first = last;
    }
    TranscriptMetadata times =
        new TranscriptMetadata(
            first, last, derived.summaryLine(), derived.prompt(), derived.attributes());
    return metadata(key, times, earlier, before.orElse(null));
  }

  /**
   * The metadata of a session whose lines give {@code derived}, where the stored lines gave {@code
   * earlier} (null: unknown, the stored values are not taken) and the store has {@code before}.
   */
  private static SessionMetadata metadata(
      SessionKey key,
      TranscriptMetadata derived,
      TranscriptMetadata earlier,
      SessionMetadata before) {
    String summary = derived.summary();
    Map<String, String> attributes = new TreeMap<>(derived.attributes());
    if (before != null && earlier != null) {
      if (before.summary() != null && !before.summary().equals(earlier.summary())) {
        summary = before.summary();
      }
      for (Map.Entry<String, String> a : before.attributes().entrySet()) {
        if (attributes.containsKey(a.getKey())
            && !a.getValue().equals(earlier.attributes().get(a.getKey()))) {
          attributes.put(a.getKey(), a.getValue());
        }
      }
    }
    return SessionMetadata.of(key, derived.first())
        .withUpdatedAt(derived.last())
        .withLastActivityAt(derived.last())
        .withSummary(summary)
        .withAttributes(attributes);
  }

  private static Instant modified(TranscriptFile main, Map<String, TranscriptFile> subs) {
    Instant latest = null;
    List<TranscriptFile> all = new ArrayList<>(subs.values());
    if (main != null) {
      all.add(main);
    }
    for (TranscriptFile f : all) {
      try {
        latest = latest(latest, Files.getLastModifiedTime(f.path).toInstant());
      } catch (IOException e) {
        // the file was read a moment ago; without its time, the others' (or now) will do
      }
    }
    return latest != null ? latest : Instant.now();
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null || (b != null && b.isBefore(a)) ? b : a;
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null || (b != null && b.isAfter(a)) ? b : a;
  }

  private static BasicFileAttributes attributes(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class);
    } catch (IOException e) {
      return null;
    }
  }

  /** Whether a folder holds sessions: transcripts, or sub-agents' folders of sessions. */
  private static boolean holdsSessions(Path folder) {
    return children(folder).stream()
        .anyMatch(p -> isTranscript(p) || Files.isDirectory(p.resolve(SUBAGENTS)));
  }

  private static boolean isTranscript(Path p) {
    return p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p);
  }

  private static List<Path> children(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new InvalidInputException("Cannot read " + dir + ": " + IoErrors.describe(e));
    }
  }
}
