package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.TranscriptTail;
import io.sessionstore.spi.Json;
import io.sessionstore.spi.JsonStreams;
import io.sessionstore.spi.MetadataJson;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.SupportsBatchCommits;
import io.sessionstore.spi.Utf8Lines;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Reads an archive and merges each session into the store (the README's "Archives"): a new session
 * is created with the archive's timestamps; a stored one whose messages are a prefix of the
 * archive's gets the rest appended as it is; one that already holds the archive's messages is
 * unchanged; otherwise it has diverged and is left alone unless replacing was asked for. Every line
 * is validated whole before anything of it is written.
 */
final class ArchiveImporter {
  /** The longest session line read: a whole session with its messages. */
  static final int MAX_LINE_BYTES = 256 << 20;

  /** After this many rejected lines the input is not an archive worth reading on. */
  static final int MAX_REJECTED = 100;

  /**
   * A gzip archive may expand this much before it is taken for a decompression bomb (real ones
   * expand ~10×).
   */
  static final long MAX_EXPANSION = 200;

  /** Up to this many decompressed bytes any expansion is fine. */
  static final long EXPANSION_FREE_BYTES = 64L << 20;

  private final DefaultSessionStore store;
  private final StorageBackend backend;

  ArchiveImporter(DefaultSessionStore store, StorageBackend backend) {
    this.store = store;
    this.backend = backend;
  }

  /** One session line of an archive, validated. */
  private record Archived(
      SessionMetadata metadata,
      List<MessageFacts> messages,
      Map<String, List<MessageFacts>> subpaths) {}

  private enum Outcome {
    CREATED,
    EXTENDED,
    UNCHANGED,
    REPLACED,
    DIVERGED
  }

  ImportResult read(InputStream raw, ImportOptions options) {
    InputStream in = decompressed(raw);
    try {
      return read(new Utf8Lines(in, MAX_LINE_BYTES), options);
    } finally {
      if (in instanceof CountingStream) {
        try {
          in.close();
        } catch (IOException e) {
          // only the inflater's memory is at stake
        }
      }
    }
  }

  /**
   * Reads the lines on the caller's thread and parses, checks and merges up to {@link
   * Pipeline#SESSIONS} sessions at once, never two lines of one session (a later line may extend
   * what an earlier one stored); the outcomes are counted and reported in the order of the lines.
   * The caller splits the lines and reads only each line's key ({@link #keyOf}), from its bytes: a
   * line is decoded and parsed on the import's threads. A line whose key it cannot read is parsed
   * on the caller's thread, for the reason of its rejection.
   *
   * <p>On a backend that {@link SupportsBatchCommits commits batches}, the import's threads only
   * decide each session's writes, and the sessions whose writes are ready are committed as one
   * batch, on a thread of their own, while the caller reads on ({@link Batch}).
   */
  private ImportResult read(Utf8Lines lines, ImportOptions options) {
    checkHeader(lines.next());
    Tally tally = new Tally(options.progress());
    try (Batch batch = new Batch(tally, options);
        // With batches the work only computes: one thread per core keeps every core busy.
        Pipeline<Step> merges =
            new Pipeline<>(
                "import",
                batch.enabled()
                    ? Math.min(Pipeline.SESSIONS, Runtime.getRuntime().availableProcessors())
                    : Pipeline.SESSIONS)) {
      try {
        readLines(lines, options, tally, batch, merges);
      } catch (RuntimeException e) {
        throw batch.failed(e);
      }
    }
    if (tally.rejected.size() >= MAX_REJECTED) {
      tally.rejected.add(
          new ImportResult.Rejection(
              lines.number(),
              "Stopped reading after "
                  + MAX_REJECTED
                  + " rejected lines: is this a sessionstore archive?"));
    }
    return tally.result();
  }

  /** The loop of {@link #read(Utf8Lines, ImportOptions)}. */
  private void readLines(
      Utf8Lines lines, ImportOptions options, Tally tally, Batch batch, Pipeline<Step> merges) {
    while (tally.rejected.size() + batch.rejectionsHeld() < MAX_REJECTED) {
      byte[] line;
      SessionKey key;
      long number;
      try {
        line = lines.nextBytes();
        number = lines.number();
        if (line == null) {
          break;
        }
        if (Utf8Lines.blank(line)) {
          continue;
        }
        key = keyOf(line);
        if (key == null) {
          key = parse(Utf8Lines.strict(line, 0, line.length, number)).metadata().key();
        }
      } catch (InvalidInputException e) {
        // After the outcomes of the lines before it, which may be rejections too.
        while (merges.pending() > 0) {
          batch.add(merges, merges.take());
        }
        batch.flush();
        tally.rejected.add(new ImportResult.Rejection(lines.number(), e.getMessage()));
        continue;
      }
      // Bytes, as many as the characters or more: the text budget is kept.
      long chars = line.length;
      while (merges.pending() > 0
          && (!merges.hasRoom() || merges.working(key) || !merges.fits(chars))) {
        batch.add(merges, merges.take());
      }
      if (batch.holds(key)) {
        batch.flush();
      }
      SessionKey lineKey = key;
      long lineNumber = number;
      merges.submit(
          key, chars, ticket -> parseAndMerge(line, lineKey, options, lineNumber, batch.enabled()));
    }
    while (merges.pending() > 0) {
      batch.add(merges, merges.take());
    }
    batch.flush();
  }

  /** What the work on one session line gives the caller. */
  private sealed interface Step permits Merged, Ready {}

  /** A session's writes, decided and not yet applied: its plans and their changes. */
  private record Ready(
      SessionKey key,
      long line,
      long chars,
      Archived session,
      List<Plan> plans,
      List<DefaultSessionStore.ImportChange> changes)
      implements Step {}

  /**
   * The sessions whose writes are ready, committed together on the batch's own thread while the
   * caller reads on: a batch goes when the committing thread is idle and the caller would wait for
   * the next result, or (after the batch before it) when it holds {@link #TEXT} characters; before
   * a line of a session it holds or commits, and at the end, the caller waits for all of it ({@link
   * #flush}). So the disk's time overlaps the reading, and the sessions that come while a batch is
   * forced go together in the next. Outcomes wait here too, and are counted on the caller's thread
   * once their batch is committed, in the order of the lines. A session whose commit met another
   * writer's is merged again on its own.
   */
  private final class Batch implements AutoCloseable {
    /** Characters of message text a batch holds at most, besides the import's budget. */
    static final long TEXT = Pipeline.TEXT_BUDGET / 4;

    private final Tally tally;
    private final ImportOptions options;
    private final SupportsBatchCommits backend;
    private final ExecutorService committer;
    private final List<Step> waiting = new ArrayList<>();
    private final Set<SessionKey> keys = new HashSet<>();
    private long chars;
    // Rejections among the steps that wait, not yet counted.
    private int waitingRejections;
    // The batch being committed (null when none): its conflicts to come, its steps, sessions and
    // rejections.
    private Future<List<ConflictException>> committing;
    private List<Step> committingSteps = List.of();
    private Set<SessionKey> committingKeys = Set.of();
    private int committingRejections;
    // Whether a batch, or counting its outcomes, failed: nothing is committed after it.
    private boolean failed;

    Batch(Tally tally, ImportOptions options) {
      this.tally = tally;
      this.options = options;
      this.backend = ArchiveImporter.this.backend instanceof SupportsBatchCommits b ? b : null;
      this.committer =
          backend == null
              ? null
              : Executors.newSingleThreadExecutor(
                  r -> {
                    Thread t = new Thread(r, "sessionstore-import-commit");
                    t.setDaemon(true);
                    return t;
                  });
    }

    boolean enabled() {
      return backend != null;
    }

    /** Whether a session of the key waits in the batch or is being committed. */
    boolean holds(SessionKey key) {
      return keys.contains(key.main()) || committingKeys.contains(key.main());
    }

    /** Takes a result in; commits the batch when it would otherwise wait or holds too much. */
    void add(Pipeline<Step> merges, Step step) {
      if (step instanceof Ready ready) {
        waiting.add(ready);
        keys.add(ready.key());
        chars += ready.chars();
      } else if (waiting.isEmpty() && idle()) {
        tally.add((Merged) step);
      } else {
        waiting.add(step);
        if (((Merged) step).rejection() != null) {
          waitingRejections++;
        }
      }
      if (chars >= TEXT) {
        commit(true);
      } else if (merges.pending() > 0 && !merges.nextDone()) {
        commit(false);
      }
    }

    /** The rejections taken in and not yet counted: the reading stops at too many. */
    int rejectionsHeld() {
      return waitingRejections + committingRejections;
    }

    /** Commits and counts all that waits, and waits for it. */
    void flush() {
      commit(true);
      finishCommitting();
    }

    /**
     * The failure to throw for one that stopped the reading: the sessions of the lines before it
     * whose writes are ready are committed and counted first, as one line after the other would
     * have; a batch's failure, on earlier lines, comes before it.
     */
    RuntimeException failed(RuntimeException failure) {
      if (failed) {
        return failure;
      }
      try {
        finishCommitting();
        hand();
        finishCommitting();
        return failure;
      } catch (RuntimeException first) {
        if (first != failure) {
          first.addSuppressed(failure);
        }
        return first;
      }
    }

    /**
     * Hands what waits to the committer, after the batch it is on: at once when it is idle, else
     * only when {@code wait}. An interrupt of the caller stops the import here.
     */
    private void commit(boolean wait) {
      if (!wait && !idle()) {
        return;
      }
      finishCommitting();
      if (Thread.currentThread().isInterrupted()) {
        throw Pipeline.interrupted("import");
      }
      hand();
    }

    /** Hands what waits to the idle committer; steps with nothing to commit are counted here. */
    private void hand() {
      if (waiting.isEmpty()) {
        return;
      }
      List<Step> steps = List.copyOf(waiting);
      int rejections = waitingRejections;
      Set<SessionKey> sessions = Set.copyOf(keys);
      waiting.clear();
      keys.clear();
      chars = 0;
      waitingRejections = 0;
      List<List<DefaultSessionStore.ImportChange>> changes =
          steps.stream()
              .filter(Ready.class::isInstance)
              .map(step -> ((Ready) step).changes())
              .toList();
      if (changes.isEmpty()) {
        count(steps, List.of());
        return;
      }
      committingSteps = steps;
      committingKeys = sessions;
      committingRejections = rejections;
      committing = committer.submit(() -> store.applyImports(backend, changes));
    }

    /** Whether the committer is idle; its batch, if done, is then finished here. */
    private boolean idle() {
      if (committing != null && committing.isDone()) {
        finishCommitting();
      }
      return committing == null;
    }

    /**
     * Waits for the committer's batch, if any, even when interrupted (the interrupt is kept), and
     * counts its steps in order; its failure is thrown here.
     */
    private void finishCommitting() {
      if (committing == null) {
        return;
      }
      List<Step> steps = committingSteps;
      List<ConflictException> conflicts = null;
      boolean interrupted = false;
      try {
        while (conflicts == null) {
          try {
            conflicts = committing.get();
          } catch (InterruptedException e) {
            interrupted = true;
          } catch (ExecutionException e) {
            failed = true;
            throw Pipeline.failureOf(e);
          }
        }
      } finally {
        committing = null;
        committingSteps = List.of();
        committingKeys = Set.of();
        committingRejections = 0;
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      try {
        count(steps, conflicts);
      } catch (RuntimeException e) {
        // a session merged again, or the caller's progress listener, failed: later lines wait
        failed = true;
        throw e;
      }
    }

    /** Counts the steps of a batch in order, given its sessions' conflicts. */
    private void count(List<Step> steps, List<ConflictException> conflicts) {
      int next = 0;
      for (Step step : steps) {
        if (step instanceof Ready r) {
          ConflictException conflict = conflicts.get(next++);
          tally.add(
              conflict == null
                  ? applied(r.key(), r.line(), r.plans())
                  : merge(r.session(), options, r.line()));
        } else {
          tally.add((Merged) step);
        }
      }
    }

    /**
     * Lets the batch being committed finish (on the way out of an {@link Error}) and stops the
     * committer; keeps an interrupt that arrives meanwhile for later.
     */
    @Override
    public void close() {
      if (committer == null) {
        return;
      }
      try {
        finishCommitting();
      } finally {
        Pipeline.stop(committer);
      }
    }
  }

  /**
   * Parses a session line and merges it, or when {@code batched} only decides its writes ({@link
   * #prepare}).
   */
  private Step parseAndMerge(
      byte[] line, SessionKey key, ImportOptions options, long number, boolean batched) {
    Archived session;
    try {
      session = parse(line, number);
    } catch (InvalidInputException e) {
      return Merged.rejected(key, number, e.getMessage());
    }
    if (!session.metadata().key().equals(key)) {
      return Merged.rejected(key, number, "'project' or 'sessionId' is given twice");
    }
    return batched
        ? prepare(session, line.length, options, number)
        : merge(session, options, number);
  }

  /**
   * Decides a session's writes without applying them; a session that needs none (unchanged,
   * diverged) or whose stored messages changed while they were read is done here.
   */
  private Step prepare(Archived session, long chars, ImportOptions options, long number) {
    SessionKey key = session.metadata().key();
    try {
      List<Plan> plans = plan(session, options);
      if (plans.stream().anyMatch(p -> p.outcome() == Outcome.DIVERGED)) {
        return new Merged(key, number, Outcome.DIVERGED, 0);
      }
      List<DefaultSessionStore.ImportChange> changes = changes(plans, options, mainHolds(session));
      if (changes.isEmpty()) {
        return applied(key, number, plans);
      }
      return new Ready(key, number, chars, session, plans, changes);
    } catch (ConflictException e) {
      return merge(session, options, number);
    }
  }

  /**
   * The session key of a line that begins with its {@code project} (or null) and {@code sessionId},
   * as archives are written, read without parsing the rest; null for any other line.
   */
  private SessionKey keyOf(byte[] line) {
    try (JsonParser p = ArchiveJson.parser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT
          || p.nextToken() != JsonToken.FIELD_NAME
          || !p.currentName().equals("project")) {
        return null;
      }
      JsonToken project = p.nextToken();
      if (project != JsonToken.VALUE_STRING && project != JsonToken.VALUE_NULL) {
        return null;
      }
      String projectName = project == JsonToken.VALUE_NULL ? store.defaultProject() : p.getText();
      if (p.nextToken() != JsonToken.FIELD_NAME
          || !p.currentName().equals("sessionId")
          || p.nextToken() != JsonToken.VALUE_STRING) {
        return null;
      }
      return SessionKey.of(projectName, p.getText());
    } catch (IOException | InvalidInputException e) {
      return null;
    }
  }

  /**
   * {@link io.sessionstore.api.SessionStore#importSession}: the session merged as an archive
   * holding it alone would merge it (its session on line 2, after the header), without writing that
   * archive and reading it back.
   *
   * @throws InvalidInputException when a subpath is invalid (nothing is stored)
   */
  ImportResult importOne(
      SessionMetadata given,
      List<io.sessionstore.api.Message> messages,
      Map<String, List<io.sessionstore.api.Message>> subpaths,
      ImportOptions options) {
    for (String sub : subpaths.keySet()) {
      given.key().withSubpath(sub);
    }
    Tally tally = new Tally(options.progress());
    Archived session;
    try {
      session = archived(given, messages, subpaths);
    } catch (InvalidInputException e) {
      tally.rejected.add(new ImportResult.Rejection(ONE_SESSION_LINE, e.getMessage()));
      return tally.result();
    }
    tally.add(merge(session, options, ONE_SESSION_LINE));
    return tally.result();
  }

  /** The line of the session of a one-session archive. */
  private static final long ONE_SESSION_LINE = 2;

  /** A session given as values, checked and taken as {@link #parse} takes an archived one. */
  private static Archived archived(
      SessionMetadata m,
      List<io.sessionstore.api.Message> messages,
      Map<String, List<io.sessionstore.api.Message>> subpaths) {
    new io.sessionstore.api.SaveOptions(Set.copyOf(m.tags()), m.summary(), m.attributes(), null);
    Instant updated = m.updatedAt().isBefore(m.createdAt()) ? m.createdAt() : m.updatedAt();
    SessionMetadata metadata =
        SessionMetadata.of(m.key(), m.createdAt())
            .withUpdatedAt(updated)
            .withLastActivityAt(m.lastActivityAt())
            .withTags(m.tags())
            .withSummary(m.summary())
            .withAttributes(m.attributes());
    List<MessageFacts> main = facts(messages, "messages");
    Map<String, List<MessageFacts>> subs = new LinkedHashMap<>();
    new java.util.TreeMap<>(subpaths)
        .forEach((sub, list) -> subs.put(sub, facts(list, "subpath '" + sub + "'")));
    return new Archived(metadata, main, subs);
  }

  private static List<MessageFacts> facts(List<io.sessionstore.api.Message> messages, String what) {
    return MessageFacts.of(messages, "message ", " of " + what);
  }

  /**
   * One session line merged: what it came to and how many of its messages were stored; or why it
   * was rejected.
   */
  private record Merged(SessionKey key, long line, Outcome outcome, long messages, String rejection)
      implements Step {
    Merged(SessionKey key, long line, Outcome outcome, long messages) {
      this(key, line, outcome, messages, null);
    }

    static Merged rejected(SessionKey key, long line, String reason) {
      return new Merged(key, line, null, 0, reason);
    }
  }

  /** An import's outcomes so far, in the order of the lines. */
  private static final class Tally {
    private final ProgressListener progress;
    private long created;
    private long extended;
    private long unchanged;
    private long replaced;
    private long messages;
    private final List<SessionKey> diverged = new ArrayList<>();
    private final List<ImportResult.Rejection> rejected = new ArrayList<>();

    Tally(ProgressListener progress) {
      this.progress = progress;
    }

    void add(Merged m) {
      if (m.rejection() != null) {
        rejected.add(new ImportResult.Rejection(m.line(), m.rejection()));
        return;
      }
      messages += m.messages();
      switch (m.outcome()) {
        case CREATED -> created++;
        case EXTENDED -> extended++;
        case UNCHANGED -> unchanged++;
        case REPLACED -> replaced++;
        case DIVERGED -> diverged.add(m.key());
      }
      progress.progress(m.line(), -1);
    }

    ImportResult result() {
      return new ImportResult(created, extended, unchanged, replaced, diverged, messages, rejected);
    }
  }

  /**
   * What importing one transcript of an archived session does, decided before anything is written.
   */
  private record Plan(
      SessionKey key,
      Outcome outcome,
      StoredHead current,
      List<MessageFacts> messages,
      SessionMetadata metadata) {}

  /**
   * Merges one archived session: every transcript (main and sub-transcripts) is compared with what
   * is stored first, and only when none has diverged (or replacing was asked for) is anything
   * written.
   */
  private Merged merge(Archived session, ImportOptions options, long line) {
    SessionKey key = session.metadata().key();
    // Another writer that changes the session between our read and our write makes us plan again
    // from what is stored then.
    return Retry.onConflict(
        key, () -> apply(key, line, plan(session, options), options, mainHolds(session)));
  }

  /** Writes what the plans of one session's transcripts say, unless one of them has diverged. */
  private Merged apply(
      SessionKey key,
      long line,
      List<Plan> plans,
      ImportOptions options,
      Predicate<String> mainHolds) {
    if (plans.stream().anyMatch(p -> p.outcome() == Outcome.DIVERGED)) {
      return new Merged(key, line, Outcome.DIVERGED, 0);
    }
    store.applyImport(changes(plans, options, mainHolds));
    return applied(key, line, plans);
  }

  /** The changes the plans of a session's transcripts make, none of them diverged. */
  private List<DefaultSessionStore.ImportChange> changes(
      List<Plan> plans, ImportOptions options, Predicate<String> mainHolds) {
    List<DefaultSessionStore.ImportChange> changes = new ArrayList<>();
    for (Plan p : plans) {
      DefaultSessionStore.ImportChange change =
          change(p, options.archivedMetadataWins(), mainHolds);
      if (change != null) {
        changes.add(change);
      }
    }
    return changes;
  }

  /** A session's outcome once what its plans say is written. */
  private Merged applied(SessionKey key, long line, List<Plan> plans) {
    long stored = 0;
    for (Plan p : plans) {
      stored += p.messages().size();
      if (p.key().isSubpath() && p.outcome() == Outcome.UNCHANGED) {
        store.subTranscriptUnchanged(p.key());
      }
    }
    return new Merged(key, line, outcome(plans), stored);
  }

  /**
   * {@link io.sessionstore.api.SessionStore#importSessionTail}: as {@link #merge}, with the stored
   * messages taken on the caller's word (each named transcript's version and count are checked)
   * instead of read and compared.
   */
  ImportResult mergeTail(
      SessionMetadata given,
      TranscriptTail main,
      Map<String, TranscriptTail> subpaths,
      ImportOptions options) {
    SessionKey key = given.key();
    // Validate user fields and subpaths the way an archive line is validated.
    new io.sessionstore.api.SaveOptions(
        java.util.Set.copyOf(given.tags()), given.summary(), given.attributes(), null);
    Map<SessionKey, TranscriptTail> tails = new LinkedHashMap<>();
    tails.put(key, main);
    for (Map.Entry<String, TranscriptTail> sub : new java.util.TreeMap<>(subpaths).entrySet()) {
      if (sub.getValue() == null) {
        throw new InvalidInputException(
            "Cannot import " + key + ": the tail of '" + sub.getKey() + "' is null");
      }
      tails.put(key.withSubpath(sub.getKey()), sub.getValue());
    }
    Map<SessionKey, List<MessageFacts>> facts = new LinkedHashMap<>();
    tails.forEach((k, t) -> facts.put(k, MessageFacts.of(t.messages())));
    SessionMetadata metadata =
        SessionMetadata.of(key, given.createdAt())
            .withUpdatedAt(
                given.updatedAt().isBefore(given.createdAt())
                    ? given.createdAt()
                    : given.updatedAt())
            .withLastActivityAt(given.lastActivityAt())
            .withTags(given.tags())
            .withSummary(given.summary())
            .withAttributes(given.attributes());
    SessionMetadata subMetadata =
        SessionMetadata.of(key, metadata.createdAt())
            .withUpdatedAt(metadata.updatedAt())
            .withLastActivityAt(metadata.lastActivityAt());
    Merged merged =
        Retry.onConflict(
            key,
            () -> {
              List<Plan> plans = new ArrayList<>();
              for (Map.Entry<SessionKey, TranscriptTail> t : tails.entrySet()) {
                SessionKey k = t.getKey();
                plans.add(
                    planTail(
                        k, t.getValue(), facts.get(k), k.isSubpath() ? subMetadata : metadata));
              }
              Predicate<String> mainHolds =
                  subpaths.isEmpty() ? id -> false : tailMainHolds(key, facts.get(key));
              return apply(key, 0, plans, options, mainHolds);
            });
    Tally tally = new Tally(ProgressListener.NONE);
    tally.add(merged);
    return tally.result();
  }

  /**
   * One transcript's plan for a tail: created or extended when it is at the tail's version and
   * count.
   *
   * @throws Retry.StaleVersion when it is not
   */
  private Plan planTail(
      SessionKey key, TranscriptTail tail, List<MessageFacts> messages, SessionMetadata metadata) {
    Optional<StoredHead> current = backend.head(key);
    long version = current.map(StoredHead::version).orElse(0L);
    long count = current.map(StoredHead::messageCount).orElse(0L);
    if (version != tail.expectedVersion() || count != tail.expectedMessageCount()) {
      throw new Retry.StaleVersion(
          "Cannot extend "
              + key
              + ": it is at version "
              + version
              + " with "
              + count
              + " messages, not version "
              + tail.expectedVersion()
              + " with "
              + tail.expectedMessageCount()
              + " (another writer changed it)");
    }
    if (current.isEmpty()) {
      return new Plan(key, Outcome.CREATED, null, messages, metadata);
    }
    return new Plan(
        key,
        messages.isEmpty() ? Outcome.UNCHANGED : Outcome.EXTENDED,
        current.get(),
        messages,
        metadata);
  }

  /**
   * Whether the session's main transcript holds an API message (by {@link Derivation#idHash}), not
   * as a sidechain entry: a sidechain copy of it in a sub-transcript does not count again. Known
   * exactly from the archive's main transcript; when the archive has none, as far as the stored
   * main transcript's head remembers.
   */
  private Predicate<String> mainHolds(Archived session) {
    if (session.subpaths().isEmpty()) {
      return id -> false;
    }
    Set<String> ids = new HashSet<>();
    for (MessageFacts f : session.messages()) {
      if (f.usage() != null && !f.usage().sidechain() && f.usage().messageId() != null) {
        ids.add(Derivation.idHash(f.usage().messageId()));
      }
    }
    if (session.messages().isEmpty()) {
      backend
          .head(session.metadata().key())
          .ifPresent(h -> ids.addAll(Derivation.decode(h.derivation()).mainIds()));
    }
    return ids::contains;
  }

  /**
   * As {@link #mainHolds(Archived)} for a tail: the tail's main messages, and as far as the stored
   * main transcript's head remembers the messages before them.
   */
  private Predicate<String> tailMainHolds(SessionKey key, List<MessageFacts> mainTail) {
    Set<String> ids = new HashSet<>();
    for (MessageFacts f : mainTail) {
      if (f.usage() != null && !f.usage().sidechain() && f.usage().messageId() != null) {
        ids.add(Derivation.idHash(f.usage().messageId()));
      }
    }
    backend.head(key).ifPresent(h -> ids.addAll(Derivation.decode(h.derivation()).mainIds()));
    return ids::contains;
  }

  /** The session's outcome from its transcripts'. */
  private static Outcome outcome(List<Plan> plans) {
    Outcome main = plans.get(0).outcome();
    if (plans.stream().anyMatch(p -> p.outcome() == Outcome.REPLACED)) {
      return main == Outcome.CREATED ? main : Outcome.REPLACED;
    }
    boolean subsChanged = plans.stream().skip(1).anyMatch(p -> p.outcome() != Outcome.UNCHANGED);
    return main == Outcome.UNCHANGED && subsChanged ? Outcome.EXTENDED : main;
  }

  private List<Plan> plan(Archived session, ImportOptions options) {
    SessionKey key = session.metadata().key();
    List<Plan> plans = new ArrayList<>();
    plans.add(plan(key, session.messages(), session.metadata(), options));
    for (Map.Entry<String, List<MessageFacts>> sub : session.subpaths().entrySet()) {
      SessionMetadata subMetadata =
          SessionMetadata.of(key, session.metadata().createdAt())
              .withUpdatedAt(session.metadata().updatedAt())
              .withLastActivityAt(session.metadata().lastActivityAt());
      plans.add(plan(key.withSubpath(sub.getKey()), sub.getValue(), subMetadata, options));
    }
    return plans;
  }

  private Plan plan(
      SessionKey key,
      List<MessageFacts> archived,
      SessionMetadata metadata,
      ImportOptions options) {
    Optional<StoredHead> current = backend.head(key);
    if (current.isEmpty()) {
      return new Plan(key, Outcome.CREATED, null, archived, metadata);
    }
    List<String> have;
    try (Stream<String> s = backend.messages(current.get(), 0)) {
      have = s.toList();
    }
    List<String> archivedTexts = archived.stream().map(MessageFacts::text).toList();
    if (startsWith(archivedTexts, have)) {
      List<MessageFacts> tail = archived.subList(have.size(), archived.size());
      return new Plan(
          key,
          tail.isEmpty() ? Outcome.UNCHANGED : Outcome.EXTENDED,
          current.get(),
          tail,
          metadata);
    }
    if (startsWith(have, archivedTexts)) {
      return new Plan(key, Outcome.UNCHANGED, current.get(), List.of(), metadata);
    }
    return new Plan(
        key,
        options.replace() ? Outcome.REPLACED : Outcome.DIVERGED,
        current.get(),
        archived,
        metadata);
  }

  private DefaultSessionStore.ImportChange change(
      Plan p, boolean archivedMetadataWins, Predicate<String> mainHolds) {
    Predicate<String> holds = p.key().isSubpath() ? mainHolds : id -> false;
    return switch (p.outcome()) {
      case CREATED, REPLACED ->
          store.importReplace(p.key(), p.current(), p.messages(), p.metadata(), holds);
      case EXTENDED, UNCHANGED ->
          store.importExtend(p.current(), p.messages(), p.metadata(), archivedMetadataWins, holds);
      case DIVERGED -> throw new IllegalStateException("A diverged transcript is never written");
    };
  }

  /** Whether {@code shorter} is the start of {@code longer}, message for message, byte for byte. */
  private static boolean startsWith(List<String> longer, List<String> shorter) {
    return shorter.size() <= longer.size() && longer.subList(0, shorter.size()).equals(shorter);
  }

  private static InputStream decompressed(InputStream raw) {
    try {
      CountingStream compressed = new CountingStream(raw, null);
      BufferedInputStream in = new BufferedInputStream(compressed);
      in.mark(2);
      int b1 = in.read();
      int b2 = in.read();
      in.reset();
      if (b1 != 0x1f || b2 != 0x8b) {
        return in;
      }
      // Closing the gzip stream frees its inflater; the caller's stream stays open.
      return new CountingStream(
          new GZIPInputStream(
              new java.io.FilterInputStream(in) {
                @Override
                public void close() {}
              },
              64 * 1024),
          compressed);
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new InvalidInputException(
          "Invalid archive: it looks like gzip but is damaged (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot read the archive: " + e.getMessage(), e);
    }
  }

  private static void checkHeader(String header) {
    if (header == null) {
      throw new InvalidInputException(
          "Invalid archive: it is empty (expected a header line "
              + "{\"format\":\"sessionstore-archive\",\"version\":1})");
    }
    JsonNode h;
    try {
      h = JsonStreams.readTree(header);
    } catch (IOException e) {
      h = null;
    }
    if (h == null || !h.isObject() || !ArchiveWriter.FORMAT.equals(h.path("format").asText(null))) {
      throw new InvalidInputException(
          "Invalid archive: the first line is not a sessionstore archive header "
              + "{\"format\":\"sessionstore-archive\",\"version\":1}");
    }
    JsonNode version = h.get("version");
    if (version == null || !version.isIntegralNumber()) {
      throw new InvalidInputException("Invalid archive: its header has no integer version");
    }
    if (version.asLong() > ArchiveWriter.VERSION || version.asLong() < 1) {
      throw new InvalidInputException(
          "Cannot import archive version "
              + version.asLong()
              + ": this sessionstore reads version "
              + ArchiveWriter.VERSION
              + " (upgrade sessionstore to import it)");
    }
  }

  /**
   * Parses one session line from its bytes: only its messages are decoded, each on its own, so that
   * most are ASCII, copied as Latin-1, where the whole line, with a character beyond Latin-1 in any
   * of them, would be two bytes a character (and each message cut from it compressed back). A line
   * the bytes' parser refuses is parsed again as text, for the reason in the text parser's words.
   *
   * @throws InvalidInputException as {@link #parse(String)}, and when the line is not valid UTF-8
   */
  private Archived parse(byte[] line, long number) {
    if (MessageFacts.readAsUtf8(line)) {
      try {
        return parse(new SessionLine(null, line));
      } catch (InvalidInputException e) {
        // refused again below
      }
    }
    return parse(Utf8Lines.strict(line, 0, line.length, number));
  }

  /** Parses one session line, keeping each message's exact source text. */
  private Archived parse(String line) {
    return parse(new SessionLine(line, null));
  }

  /**
   * A session line as its text or as its UTF-8 bytes, and the exact text of a message in it. Read
   * as bytes, the line is checked to be strict UTF-8 piece by piece: each message as it is decoded,
   * the rest in between (a message starts and ends at ASCII, so no character is cut in two). Not
   * left to the parser: the Jackson an application runs with may be older than 2.23, which took
   * surrogates, overlong forms and bytes beyond U+10FFFF.
   */
  private static final class SessionLine {
    private final String text;
    private final byte[] bytes;
    private int checkedTo;

    SessionLine(String text, byte[] bytes) {
      this.text = text;
      this.bytes = bytes;
    }

    JsonParser parser() throws IOException {
      return text != null ? ArchiveJson.parser(text) : ArchiveJson.parser(bytes);
    }

    int offset(com.fasterxml.jackson.core.JsonLocation at) {
      return (int) (text != null ? at.getCharOffset() : at.getByteOffset());
    }

    /**
     * The facts of the message whose object spans {@code [start, end)}, with the whitespace around
     * it, which the writer wrote as it was: keep it. Read as bytes, its bytes go with it to the
     * store, which writes them instead of encoding the text again. {@code tree} is its parsed tree,
     * or null when it is to be checked on its own (errors name it {@code what}).
     */
    MessageFacts message(int start, int end, ObjectNode tree, String what) {
      int length = text != null ? text.length() : bytes.length;
      while (start > 0 && isJsonSpace(at(start - 1))) {
        start--;
      }
      while (end < length && isJsonSpace(at(end))) {
        end++;
      }
      if (text != null) {
        String message = text.substring(start, end);
        return tree == null ? MessageFacts.of(message, what) : MessageFacts.parsed(message, tree);
      }
      if (tree == null) {
        checkUtf8(start);
        String message = Utf8Lines.strictOrNull(bytes, start, end);
        if (message == null) {
          throw new InvalidInputException("not valid UTF-8");
        }
        checkedTo = end;
        return MessageFacts.of(message, what);
      }
      checkUtf8(end);
      return MessageFacts.parsedUtf8(java.util.Arrays.copyOfRange(bytes, start, end), tree);
    }

    /** Checks that the rest of the line, after the last message, is valid UTF-8. */
    void checkRest() {
      if (bytes != null) {
        checkUtf8(bytes.length);
      }
    }

    private void checkUtf8(int to) {
      if (to > checkedTo && !Utf8Lines.isStrict(bytes, checkedTo, to)) {
        throw new InvalidInputException("not valid UTF-8");
      }
      checkedTo = Math.max(checkedTo, to);
    }

    private char at(int i) {
      return text != null ? text.charAt(i) : (char) bytes[i];
    }
  }

  private Archived parse(SessionLine line) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    List<MessageFacts> messages = List.of();
    Map<String, List<MessageFacts>> subpaths = new LinkedHashMap<>();
    try (JsonParser p = line.parser()) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("messages")) {
          messages = messageArray(p, line, "messages");
        } else if (name.equals("subpaths") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String sub = p.currentName();
            p.nextToken();
            subpaths.put(sub, messageArray(p, line, "subpath '" + sub + "'"));
          }
        } else {
          node.set(name, ArchiveJson.readValue(p));
        }
      }
      if (p.nextToken() != null) {
        throw new InvalidInputException("unexpected text after the session object");
      }
      line.checkRest();
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("not valid JSON (" + Json.describe(e) + ")");
    } catch (NumberFormatException e) {
      throw Json.numberOutOfRange("session line", e);
    } catch (IOException e) {
      throw new InvalidInputException("unreadable (" + e.getMessage() + ")");
    }
    JsonNode project = node.get("project");
    if (project != null && !project.isNull() && !project.isTextual()) {
      throw new InvalidInputException("'project' is not a string");
    }
    String projectName =
        project == null || project.isNull() ? store.defaultProject() : project.textValue();
    if (!node.path("sessionId").isTextual()) {
      throw new InvalidInputException("'sessionId' is missing or not a string");
    }
    JsonNode summaryNode = node.get("summary");
    if (summaryNode != null && !summaryNode.isNull() && !summaryNode.isTextual()) {
      throw new InvalidInputException("'summary' is not a string");
    }
    SessionKey key = SessionKey.of(projectName, node.get("sessionId").textValue());
    Instant createdAt = MetadataJson.instant(node, "createdAt");
    Instant updatedAt = MetadataJson.instant(node, "updatedAt");
    List<String> tags = MetadataJson.strings(node.get("tags"));
    String summary = node.hasNonNull("summary") ? node.get("summary").textValue() : null;
    Map<String, String> attributes = MetadataJson.stringMap(node.get("attributes"));
    // Validate user fields the same way the API does.
    new io.sessionstore.api.SaveOptions(java.util.Set.copyOf(tags), summary, attributes, null);
    for (String sub : subpaths.keySet()) {
      key.withSubpath(sub);
    }
    Instant updated = updatedAt.isBefore(createdAt) ? createdAt : updatedAt;
    Instant active = MetadataJson.lastActivityAt(node);
    SessionMetadata metadata =
        SessionMetadata.of(key, createdAt)
            .withUpdatedAt(updated)
            // An archive written before lastActivityAt existed: its updatedAt stands in (message
            // timestamps, where there are some, win when the import writes).
            .withLastActivityAt(active == null ? updated : active)
            .withTags(tags)
            .withSummary(summary)
            .withAttributes(attributes);
    return new Archived(metadata, messages, subpaths);
  }

  private static boolean isJsonSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static List<MessageFacts> messageArray(JsonParser p, SessionLine line, String what)
      throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return List.of();
    }
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new InvalidInputException("'" + what + "' is not an array");
    }
    List<MessageFacts> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException(
            "message " + (out.size() + 1) + " of " + what + " is not a JSON object");
      }
      int start = line.offset(p.currentTokenLocation());
      // The message is checked and the fields its facts come from read here, so that its text is
      // parsed once. A number no decimal can hold fails it: the message is then passed over and
      // checked on its own, which reports it as a message read by itself would be.
      JsonStreamContext array = p.getParsingContext().getParent();
      ObjectNode tree;
      try {
        tree = (ObjectNode) MessageFacts.readFactFields(p);
      } catch (NumberFormatException e) {
        tree = null;
        while (p.currentToken() != JsonToken.END_OBJECT || p.getParsingContext() != array) {
          p.nextToken();
        }
      }
      out.add(
          line.message(
              start,
              line.offset(p.currentLocation()),
              tree,
              "message " + (out.size() + 1) + " of " + what));
    }
    return out;
  }

  /**
   * Counts the bytes read through it; over the gzip stream, refuses to expand more than {@link
   * #MAX_EXPANSION} times the compressed bytes read, so a small bomb cannot keep an import busy for
   * hours.
   */
  private static final class CountingStream extends java.io.FilterInputStream {
    private final CountingStream compressed;
    private long count;

    CountingStream(InputStream in, CountingStream compressed) {
      super(in);
      this.compressed = compressed;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    private void counted(int n) throws java.util.zip.ZipException {
      count += n;
      if (compressed != null
          && count > EXPANSION_FREE_BYTES
          && count > MAX_EXPANSION * compressed.count) {
        // A ZipException: the reader takes it as damaged input and stops there.
        throw new java.util.zip.ZipException(
            "it expands more than "
                + MAX_EXPANSION
                + " times ("
                + compressed.count
                + " bytes to over "
                + count
                + "), which no archive does: a decompression bomb?");
      }
    }
  }
}
