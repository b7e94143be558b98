package io.sessionstore.backend.s3;

import io.sessionstore.api.ConflictException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import java.time.Clock;
import java.util.List;

/**
 * Every change of a transcript (append, replace, metadata, delete) as the next commit of its marker
 * log, built on the newest state this process knows and read again from the bucket when that one
 * does not match.
 */
final class Commits {
  private final ObjectStore store;
  private final S3Layout layout;
  private final S3Index index;
  private final Clock clock;
  private final MarkerLog log;
  private final Heads heads;
  private final CommitCompletion completion;
  private final Compaction compaction;
  private final Discovery discovery;

  Commits(
      ObjectStore store,
      S3Layout layout,
      S3Index index,
      Clock clock,
      MarkerLog log,
      Heads heads,
      CommitCompletion completion,
      Compaction compaction,
      Discovery discovery) {
    this.store = store;
    this.layout = layout;
    this.index = index;
    this.clock = clock;
    this.log = log;
    this.heads = heads;
    this.completion = completion;
    this.compaction = compaction;
    this.discovery = discovery;
  }

  void commit(Commit c) {
    SessionKey key = c.head().key();
    TranscriptState s = log.known(key);
    if (!matches(s, c)) {
      s = heads.latest(key);
      if (!matches(s, c)) {
        throw new ConflictException(
            "Cannot write "
                + key
                + ": it is at version "
                + (s == null || s.head() == null ? 0 : s.head().version())
                + ", not "
                + c.expectedVersion());
      }
    }
    long n = s == null ? 0 : s.n();
    boolean newLife = c.expectedVersion() == 0;
    long base = newLife ? n : s.control().base();
    long genStart = newLife || c.kind() == Commit.Kind.REPLACE ? n + 1 : s.control().genStart();
    long previousPartTime = s == null ? 0 : s.control().partTime();
    String part = null;
    long partTime = previousPartTime;
    if (!c.messages().isEmpty()) {
      // Later than the previous part even if this machine's clock is behind: lexical order is
      // commit order.
      partTime = Math.max(clock.millis(), previousPartTime + 1);
      part = S3Layout.partName(partTime);
    }
    String lastPart = part != null ? part : s == null ? null : s.control().lastPart();
    boolean newGeneration = newLife || c.kind() == Commit.Kind.REPLACE;
    Marker marker =
        Marker.of(
            c.kind().name(),
            base,
            genStart,
            firstPart(s, newGeneration, part),
            part,
            partTime,
            lastPart,
            c.head(),
            c.messages(),
            s == null ? 0 : s.control().id());
    if (newGeneration) {
      // A generation that starts with a part counts it as merged already: a session saved whole is
      // merged again only once its appends add an eighth to it.
      marker =
          marker.with(
              part == null
                  ? Marker.Generation.NONE
                  : new Marker.Generation(1, marker.bytes(), marker.bytes(), 0));
    } else {
      Marker.Generation before = s == null ? Marker.Generation.NONE : s.control().generation();
      marker = marker.with(part == null ? before : before.plus(marker.bytes()));
    }
    log.claim(key, n + 1, marker, s);
    if (part != null) {
      completion.writePart(key, n + 1, marker, s);
    }
    TranscriptState after = log.keep(key, TranscriptState.after(s, n + 1, marker));
    completion.afterCommit(
        c, key, n + 1, marker, newLife, s == null ? null : s.control().lastPart());
    if (after.n() == n + 1) {
      compaction.maybeCompact(key, after);
    }
  }

  /**
   * The first part of the generation after a commit writing {@code part}: known when the generation
   * starts here, or had no messages before, or its first part is recorded; null while it has none,
   * or when markers of the first layout version began it (readers then walk them).
   */
  private static String firstPart(TranscriptState s, boolean newGeneration, String part) {
    if (newGeneration || s == null || s.head() == null) {
      return part;
    }
    if (s.control().firstPart() != null) {
      return s.control().firstPart();
    }
    return s.head().messageCount() == 0 ? part : null;
  }

  private static boolean matches(TranscriptState s, Commit c) {
    StoredHead head = s == null ? null : s.head();
    long version = head == null ? 0 : head.version();
    return version == c.expectedVersion()
        && (head == null
            || c.kind() == Commit.Kind.REPLACE
            || head.generation() == c.head().generation());
  }

  boolean delete(SessionKey key, long expectedVersion) {
    long deleteStarted = clock.millis();
    if (key.isSubpath()) {
      boolean existed = tombstone(key, expectedVersion) >= 0;
      store.delete(List.of(layout.subEntry(key)));
      return existed;
    }
    // The version check first; then the sub-transcripts, so that a crash half-way never leaves
    // sub-transcripts
    // of a session whose main transcript is gone; then the main transcript's delete marker.
    if (expectedVersion != StorageBackend.ANY_VERSION) {
      TranscriptState s = heads.latest(key);
      long version = s == null || s.head() == null ? 0 : s.head().version();
      if (version != expectedVersion) {
        throw new ConflictException(
            "Cannot delete " + key + ": it is at version " + version + ", not " + expectedVersion);
      }
    }
    boolean existed = false;
    for (String sub : discovery.subpaths(key)) {
      existed |= delete(key.withSubpath(sub), StorageBackend.ANY_VERSION);
    }
    long n = tombstone(key, expectedVersion);
    existed |= n >= 0;
    if (n >= 0) {
      index.delete(key, n);
      existed = true;
    }
    // Whatever is left of the session in the SDK's layout (parts of any sub-transcript too) goes
    // with it.
    store.delete(layout.partsNoLaterThan(store, key, deleteStarted));
    return existed;
  }

  /**
   * Claims a delete marker after the transcript's newest one and removes its parts. The delete
   * marker stays: it keeps numbers from being reused, so a writer that read the old head cannot
   * commit on it.
   *
   * @return the delete marker's number, or -1 when the transcript did not exist
   */
  private long tombstone(SessionKey key, long expectedVersion) {
    for (int attempt = 0; attempt < 100; attempt++) {
      TranscriptState s = heads.latest(key);
      long version = s == null || s.head() == null ? 0 : s.head().version();
      if (expectedVersion != StorageBackend.ANY_VERSION && version != expectedVersion) {
        throw new ConflictException(
            "Cannot delete " + key + ": it is at version " + version + ", not " + expectedVersion);
      }
      if (s == null || s.head() == null) {
        return -1;
      }
      long n = s.n() + 1;
      Marker delete =
          Marker.of(
              "DELETE",
              n,
              n,
              null,
              null,
              s.control().partTime(),
              null,
              null,
              List.of(),
              s.control().id());
      try {
        log.claim(key, n, delete, s);
      } catch (ConflictException e) {
        if (expectedVersion != StorageBackend.ANY_VERSION) {
          throw new ConflictException("Cannot delete " + key + ": another writer changed it");
        }
        continue;
      }
      log.put(key, TranscriptState.after(null, n, delete));
      // The older markers stay until housekeeping removes them a day later (Housekeeping): a
      // writer that read the transcript moments ago claims its next marker without looking past it.
      // Only the old life's parts: a new life's are named after them, and may already be written.
      store.delete(layout.partsUpTo(store, key, s.control().lastPart()));
      return n;
    }
    throw new ConflictException("Cannot delete " + key + ": it kept changing under other writers");
  }
}
