package io.sessionstore.backend.s3;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StoredHead;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a commit writes after its marker: its part (before the commit returns), then the entries
 * that make it findable. When the writer dies first, the next reader or writer of the transcript
 * completes the entries, and drops a commit whose part never came.
 */
final class CommitCompletion {
  private static final Logger LOG = LoggerFactory.getLogger(CommitCompletion.class);

  private final ObjectStore store;
  private final S3Layout layout;
  private final S3Index index;
  private final MarkerLog log;
  private final Duration timeout;

  CommitCompletion(
      ObjectStore store, S3Layout layout, S3Index index, MarkerLog log, Duration timeout) {
    this.store = store;
    this.layout = layout;
    this.index = index;
    this.log = log;
    this.timeout = timeout;
  }

  /**
   * Writes the part of commit {@code n}, create-only, right after its marker: the commit holds once
   * it is in. When the write fails, the writer settles the outcome itself rather than leave readers
   * to wait for the commit timeout: it voids the part key (create-only) and drops the commit; when
   * the void finds the part there after all, the commit holds.
   *
   * @throws ConflictException when a reader took this writer for dead and dropped the commit
   * @throws BackendUnavailableException when the part cannot be written; the commit is dropped (by
   *     this writer, or by a reader when the endpoint stays out of reach)
   */
  void writePart(SessionKey key, long n, Marker marker, TranscriptState previous) {
    String partKey = layout.partsFolder(key) + marker.part();
    boolean written;
    try {
      written = store.putIfAbsent(partKey, marker.partBody());
    } catch (RuntimeException e) {
      log.forget(key);
      try {
        if (!store.putIfAbsent(partKey, new byte[0])) {
          return; // the part landed, its answer was lost: the commit holds
        }
        dropVoided(key, TranscriptState.after(previous, n, marker));
      } catch (RuntimeException stillOut) {
        e.addSuppressed(stillOut);
      }
      throw e;
    }
    if (!written) {
      log.forget(key);
      throw new ConflictException(
          "Cannot write "
              + key
              + ": a reader took this writer for dead after "
              + timeout.toSeconds()
              + " s and dropped its commit");
    }
  }

  /**
   * What follows the part: the sub-transcript's entry, the index entry, the removal of a replaced
   * generation. The commit has happened, so a failure here is logged, not reported as a failed
   * write (a caller would retry and store its messages twice).
   */
  void afterCommit(
      Commit c, SessionKey key, long n, Marker marker, boolean newLife, String previousLastPart) {
    try {
      if (key.isSubpath() && newLife) {
        store.put(layout.subEntry(key), new byte[0]);
      }
      if (!key.isSubpath()) {
        index.put(c.head(), n);
      }
      if (c.kind() == Commit.Kind.REPLACE && previousLastPart != null) {
        // The replaced generation's parts, never a later commit's (named after them).
        store.delete(layout.partsUpTo(store, key, previousLastPart));
      }
    } catch (RuntimeException e) {
      // Forget the head, so that this process's next look at the transcript reads its markers and
      // completes it.
      log.forget(key);
      LOG.warn(
          "Committed {} (marker {}), but could not finish what follows it; the next reader or writer of it "
              + "will: {}",
          key,
          n,
          e.getMessage());
    }
  }

  /**
   * Completes the newest commit, whose part is missing. A marker of the first layout version holds
   * its messages: the part is written from them (the same bytes the writer would have written, so a
   * writer still alive and this repair agree), with the sub-transcript's and the index entries. A
   * marker of this version does not: its writer is still writing the part, or died. This waits for
   * the part up to the commit timeout (plus a second per megabyte of it), then writes an empty
   * object in its place, create-only, so that exactly one of the writer's part and the void lands;
   * when the void did, the commit is dropped ({@link #dropVoided}).
   *
   * @return whether the transcript moved on, so that its newest marker must be read again
   */
  boolean completePart(SessionKey key, TranscriptState s) {
    String markerKey = layout.marker(key, s.n());
    if (!s.control().inline()) {
      String partKey = layout.partsFolder(key) + s.control().part();
      long deadline = System.nanoTime() + timeout.toNanos() + s.control().bytes() * 1_000;
      long pause = 20;
      while (System.nanoTime() < deadline) {
        if (store.exists(partKey)) {
          return false;
        }
        if (store.exists(layout.marker(key, s.n() + 1))) {
          // Someone read this commit whole and went on (a later compaction, replace or delete may
          // have removed its part since): read the newest marker again.
          log.forget(key);
          return true;
        }
        sleep(pause);
        pause = Math.min(pause * 2, 1_000);
      }
      if (store.putIfAbsent(partKey, new byte[0])) {
        dropVoided(key, s);
      }
      return true;
    }
    Optional<Marker> marker = store.open(markerKey).map(in -> Marker.decode(in, true, markerKey));
    if (marker.isEmpty()) {
      return false;
    }
    LOG.info("Completing commit marker {} of {}, whose writer did not write its part", s.n(), key);
    if (key.isSubpath()) {
      store.put(layout.subEntry(key), new byte[0]);
    } else if (index.behind(key, s.n()) || !index.loaded()) {
      index.put(s.head(), s.n());
    }
    store.putIfAbsent(layout.partsFolder(key) + marker.get().part(), marker.get().partBody());
    return false;
  }

  /**
   * Drops the newest commit, whose part is void (empty): the next marker restores the head before
   * it, one version on, or ends the transcript's life when that commit began it. Any process that
   * finds the void part does this; exactly one marker wins.
   */
  void dropVoided(SessionKey key, TranscriptState s) {
    long n = s.n();
    Marker voided = s.control();
    Marker before = null;
    if (n - 1 > voided.base()) {
      String previous = layout.marker(key, n - 1);
      before =
          store
              .firstLine(previous)
              .map(line -> Marker.control(line, previous))
              .orElseThrow(
                  () ->
                      // Only a process of the first layout version removes markers of a live
                      // transcript; ending its life here would lose it.
                      new BackendUnavailableException(
                          "Cannot drop commit marker "
                              + n
                              + " of "
                              + key
                              + ": the marker before it is missing; stop processes of an older "
                              + "sessionstore using this bucket"));
    }
    LOG.warn(
        "Dropping commit marker {} of {}: its writer did not write its messages within {} s",
        n,
        key,
        timeout.toSeconds());
    Marker restore;
    if (before == null || before.head() == null) {
      restore =
          Marker.of(
              "DELETE",
              n + 1,
              n + 1,
              null,
              null,
              voided.partTime(),
              null,
              null,
              List.of(),
              voided.id());
    } else {
      StoredHead h = before.head();
      StoredHead head =
          new StoredHead(
              h.key(), h.metadata().withVersion(h.version() + 2), h.generation(), h.derivation());
      restore =
          Marker.of(
              "VOID",
              before.base(),
              before.genStart(),
              before.firstPart(),
              null,
              voided.partTime(),
              voided.part(),
              head,
              List.of(),
              voided.id());
      restore = restore.with(before.generation());
    }
    try {
      log.claim(key, n + 1, restore, null);
      if (!key.isSubpath()) {
        if (restore.head() == null) {
          index.delete(key, n + 1);
        } else {
          index.put(restore.head(), n + 1);
        }
      }
    } catch (ConflictException e) {
      // Another process dropped it first.
    }
    log.forget(key);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendUnavailableException("Interrupted while waiting for a commit to complete");
    }
  }

  /**
   * Completes what a writer that died after its commit marker left undone, as far as the index
   * goes: the entry of that commit (so that listings show what loads show), and for a delete the
   * transcript's leftover objects.
   */
  void completeIndex(SessionKey key, TranscriptState s) {
    LOG.info(
        "Completing the index entry of {} (commit marker {}) that its writer did not write",
        key,
        s.n());
    if (s.head() != null) {
      index.put(s.head(), s.n());
    } else {
      index.delete(key, s.n());
      store.delete(layout.partsNoLaterThan(store, key, s.control().partTime()));
    }
  }
}
