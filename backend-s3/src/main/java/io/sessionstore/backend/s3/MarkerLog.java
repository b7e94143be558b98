package io.sessionstore.backend.s3;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.SessionKey;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Each transcript's log of commit markers: finding its newest marker, and claiming the next number
 * for a commit. The newest state this process has seen of each transcript is kept, so that a look
 * lists only the markers after it.
 */
final class MarkerLog {
  /**
   * How recently a writer must have read or written a transcript to claim its next marker without a
   * look past it: far less than the time after which a deleted transcript's markers may go.
   */
  static final Duration FRESH = Duration.ofMinutes(10);

  /** How many transcripts' states a process keeps. */
  private static final int MAX_STATES = 10_000;

  /** The newest marker vanished between the listing and the read. */
  private static final TranscriptState NONE = new TranscriptState(0, null, null, 0);

  private final ObjectStore store;
  private final S3Layout layout;
  private final S3Index index;

  /**
   * A cache: a transcript whose state was dropped is read from the bucket again, as in a fresh
   * process.
   */
  private final Map<SessionKey, TranscriptState> states =
      Collections.synchronizedMap(
          new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<SessionKey, TranscriptState> eldest) {
              return size() > MAX_STATES;
            }
          });

  /** When this process last found a transcript without any marker (bounded like the states). */
  private final Map<SessionKey, Long> absent =
      Collections.synchronizedMap(
          new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<SessionKey, Long> eldest) {
              return size() > MAX_STATES;
            }
          });

  MarkerLog(ObjectStore store, S3Layout layout, S3Index index) {
    this.store = store;
    this.layout = layout;
    this.index = index;
  }

  /** The state this process knows of the transcript, or null. */
  TranscriptState known(SessionKey key) {
    return states.get(key);
  }

  boolean knows(SessionKey key) {
    return states.containsKey(key);
  }

  void put(SessionKey key, TranscriptState s) {
    absent.remove(key);
    states.put(key, s);
  }

  /** Keeps the newer of the known state and {@code s}, and returns it. */
  TranscriptState keep(SessionKey key, TranscriptState s) {
    absent.remove(key);
    return states.merge(key, s, (a, b) -> a.n() >= b.n() ? a : b);
  }

  /** Forgets the transcript, so that the next look reads its markers. */
  void forget(SessionKey key) {
    states.remove(key);
  }

  /**
   * The transcript's newest marker, listing only the markers after the newest one this process
   * knows; null when it has none.
   */
  TranscriptState newest(SessionKey key) {
    for (int attempt = 0; attempt < 100; attempt++) {
      TranscriptState s = newestMarker(key);
      if (s == null) {
        absent.put(key, System.nanoTime());
      }
      if (s != NONE) {
        return s;
      }
      // The newest marker was removed between the listing and the read (a save or delete cleaned
      // up): look again.
      states.remove(key);
    }
    throw new BackendUnavailableException(
        "Cannot read "
            + key
            + ": its newest commit marker kept vanishing "
            + "between a listing and a read");
  }

  /**
   * One look at the newest marker: the state, null when there is none, or NONE when it vanished
   * meanwhile.
   */
  private TranscriptState newestMarker(SessionKey key) {
    TranscriptState known = states.get(key);
    String after = null;
    if (known != null) {
      after = layout.marker(key, known.n());
    } else if (!key.isSubpath()) {
      after = index.entry(key).map(e -> layout.marker(key, e.marker() - 1)).orElse(null);
    }
    List<String> newer = store.numbered(layout.logFolder(key), after);
    if (newer.isEmpty() && known == null && after != null) {
      newer = store.numbered(layout.logFolder(key), null);
    }
    if (newer.isEmpty()) {
      return known;
    }
    String last = newer.get(newer.size() - 1);
    Optional<Marker> marker = store.firstLine(last).map(line -> Marker.control(line, last));
    if (marker.isEmpty()) {
      return NONE;
    }
    return keep(key, TranscriptState.after(known, S3Layout.markerNumber(last), marker.get()));
  }

  /**
   * Claims marker {@code n} for a commit with a create-only PUT. Markers are never removed while
   * their transcript lives (a delete removes those before its own), but the first layout version
   * removed older markers after a save too, so a writer whose head is out of date could find its
   * next slot free again. Unless the writer read or wrote the transcript within {@link #FRESH}, it
   * looks at the next marker: when one exists it was built on another commit, and the claim is
   * withdrawn before anything else is written, with a conflict for the writer.
   */
  void claim(SessionKey key, long n, Marker marker, TranscriptState basedOn) {
    String markerKey = layout.marker(key, n);
    if (!store.putIfAbsent(markerKey, marker.encode())) {
      states.remove(key);
      throw new ConflictException("Cannot write " + key + ": another writer committed first");
    }
    // A transcript found without any marker never had one (none is ever removed but below a delete
    // marker, which stays): its first claim needs no look either.
    Long absentAt = basedOn == null ? absent.get(key) : Long.valueOf(basedOn.seenAtNanos());
    if (absentAt != null && System.nanoTime() - absentAt < FRESH.toNanos()) {
      return;
    }
    List<String> after = store.numbered(layout.logFolder(key), markerKey);
    if (!after.isEmpty()) {
      String next = after.get(0);
      Optional<Marker> following = store.firstLine(next).map(line -> Marker.control(line, next));
      if (following.isEmpty() || following.get().prev() != marker.id()) {
        store.delete(List.of(markerKey));
        states.remove(key);
        throw new ConflictException(
            "Cannot write " + key + ": it was replaced or deleted meanwhile");
      }
    }
  }
}
