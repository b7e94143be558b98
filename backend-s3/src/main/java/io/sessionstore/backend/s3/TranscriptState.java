package io.sessionstore.backend.s3;

import io.sessionstore.spi.StoredHead;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What this process knows of a transcript: its newest marker (control data only), where its
 * messages stood after recent commits, and when it was last read from the bucket or committed here.
 */
record TranscriptState(
    long n, Marker control, NavigableMap<Long, Position> positions, long seenAtNanos) {
  static final int MAX_POSITIONS = 256;

  /**
   * After a commit: the transcript's message count, its latest part (null: none yet), and how many
   * parts its generation has.
   */
  record Position(long count, String lastPart, long parts) {}

  StoredHead head() {
    return control.isDelete() ? null : control.head();
  }

  static TranscriptState after(TranscriptState previous, long n, Marker control) {
    // Filled by the parallel marker readers too: a concurrent map.
    NavigableMap<Long, Position> positions = new ConcurrentSkipListMap<>();
    // A compaction's merged part holds every message: positions in the older parts no longer do.
    if (previous != null
        && !control.kind().equals("COMPACT")
        && previous.head() != null
        && control.head() != null
        && previous.head().generation() == control.head().generation()) {
      positions.putAll(previous.positions());
    }
    if (control.head() != null) {
      positions.put(
          n,
          new Position(
              control.head().messageCount(), control.lastPart(), control.generation().parts()));
    }
    // Enough to resume reads near the end; older positions are found by reading from the
    // generation's start.
    while (positions.size() > MAX_POSITIONS) {
      positions.pollFirstEntry();
    }
    return new TranscriptState(n, control.withoutMessages(), positions, System.nanoTime());
  }
}
