package io.sessionstore.backend.s3;

import io.sessionstore.spi.StoredHead;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What this process knows of a transcript: its newest marker (control data only) and message
 * counts.
 */
record TranscriptState(long n, Marker control, NavigableMap<Long, Long> counts) {
  static final int MAX_COUNTS = 256;

  StoredHead head() {
    return control.isDelete() ? null : control.head();
  }

  static TranscriptState after(TranscriptState previous, long n, Marker control) {
    // Filled by the parallel marker readers too: a concurrent map.
    NavigableMap<Long, Long> counts = new ConcurrentSkipListMap<>();
    if (previous != null
        && previous.head() != null
        && control.head() != null
        && previous.head().generation() == control.head().generation()) {
      counts.putAll(previous.counts());
    }
    if (control.head() != null) {
      counts.put(n, control.head().messageCount());
    }
    // Enough to resume reads near the end; older positions are found by reading from the
    // generation's start.
    while (counts.size() > MAX_COUNTS) {
      counts.pollFirstEntry();
    }
    return new TranscriptState(n, control.withoutMessages(), counts);
  }
}
