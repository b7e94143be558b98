package io.sessionstore.backend.s3;

import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.Commit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a commit writes after its marker: by its writer, or, when the writer died first, by the next
 * reader or writer of the transcript, from the marker (which holds the whole commit).
 */
final class CommitCompletion {
  private static final Logger LOG = LoggerFactory.getLogger(CommitCompletion.class);

  private final ObjectStore store;
  private final S3Layout layout;
  private final S3Index index;
  private final MarkerLog log;

  CommitCompletion(ObjectStore store, S3Layout layout, S3Index index, MarkerLog log) {
    this.store = store;
    this.layout = layout;
    this.index = index;
    this.log = log;
  }

  /**
   * What follows the commit point: the part in the SDK's layout, the sub-transcript's entry, the
   * index entry, the removal of a replaced generation. The commit has happened, so a failure here
   * is logged, not reported as a failed write (a caller would retry and store its messages twice).
   */
  void afterCommit(
      Commit c, SessionKey key, long n, Marker marker, boolean newLife, boolean existed) {
    try {
      // The entries before the part: a commit whose part is missing is one that a later reader
      // notices (its
      // head lists the parts anyway) and completes, entries included.
      if (key.isSubpath() && newLife) {
        store.put(layout.subEntry(key), new byte[0]);
      }
      if (!key.isSubpath()) {
        index.put(c.head(), n);
      }
      if (marker.part() != null) {
        store.putIfAbsent(layout.partsFolder(key) + marker.part(), marker.partBody());
      }
      if (c.kind() == Commit.Kind.REPLACE && existed) {
        removeOlderThan(key, marker.part(), marker.genStart());
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
   * After a replace: the parts before the new generation's first part, and the markers before it.
   */
  private void removeOlderThan(SessionKey key, String firstPart, long genStart) {
    List<String> old = new ArrayList<>();
    String folder = layout.partsFolder(key);
    for (String k : store.keysDirectlyUnder(folder)) {
      String name = k.substring(folder.length());
      if (S3Layout.isPart(name) && (firstPart == null || name.compareTo(firstPart) < 0)) {
        old.add(k);
      }
    }
    for (String k : store.numbered(layout.logFolder(key), null)) {
      if (S3Layout.markerNumber(k) < genStart) {
        old.add(k);
      }
    }
    store.delete(old);
  }

  /**
   * Completes what a writer that died right after its commit marker left undone: the part in the
   * SDK's layout, written from the marker's messages (the same bytes the writer would have written,
   * so a writer still alive and this repair agree), the sub-transcript's entry, and the index
   * entry.
   */
  void completePart(SessionKey key, TranscriptState s) {
    String markerKey = layout.marker(key, s.n());
    Optional<Marker> marker = store.open(markerKey).map(in -> Marker.decode(in, true, markerKey));
    if (marker.isEmpty()) {
      return;
    }
    LOG.info("Completing commit marker {} of {}, whose writer did not write its part", s.n(), key);
    if (key.isSubpath()) {
      store.put(layout.subEntry(key), new byte[0]);
    } else if (index.behind(key, s.n()) || !index.loaded()) {
      index.put(s.head(), s.n());
    }
    store.putIfAbsent(layout.partsFolder(key) + marker.get().part(), marker.get().partBody());
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
      store.delete(store.keys(layout.sessionFolder(key), null));
    }
  }
}
