package io.sessionstore.backend.s3;

import io.sessionstore.api.ConflictException;
import io.sessionstore.api.SessionKey;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges a generation's parts into one, so that loading a long-grown session reads a few objects
 * instead of one per commit. The merged part is named like the next commit's part (after every part
 * before it), the commit ({@code COMPACT}) keeps the head and its version (its marker moves the
 * transcript's base on by one), and the older parts are removed after it: the SDK's readers see the
 * messages twice only in that moment, as after a replace. Done by the writer right after its own
 * commit, when the parts grew past {@value #MIN_PARTS} and by an eighth of what the last compaction
 * wrote (or past {@value #MAX_PARTS}), so that each message is rewritten a bounded number of times.
 * Best effort: a compaction that loses a race or fails is left for a later commit.
 */
final class Compaction {
  private static final Logger LOG = LoggerFactory.getLogger(Compaction.class);
  static final int MIN_PARTS = 16;
  static final int MAX_PARTS = 128;

  /** Larger generations stay in parts: a compaction holds the generation in memory. */
  private static final long MAX_BYTES = 64L << 20;

  private final ObjectStore store;
  private final S3Layout layout;
  private final S3Index index;
  private final Clock clock;
  private final MarkerLog log;
  private final MessageReader reader;
  private final CommitCompletion completion;

  Compaction(
      ObjectStore store,
      S3Layout layout,
      S3Index index,
      Clock clock,
      MarkerLog log,
      MessageReader reader,
      CommitCompletion completion) {
    this.store = store;
    this.layout = layout;
    this.index = index;
    this.clock = clock;
    this.log = log;
    this.reader = reader;
    this.completion = completion;
  }

  static boolean due(Marker.Generation g) {
    long grown = g.bytes() - g.compactedBytes();
    return g.parts() >= MAX_PARTS || g.parts() >= MIN_PARTS && grown * 8 >= g.compactedBytes();
  }

  void maybeCompact(SessionKey key, TranscriptState s) {
    Marker newest = s.control();
    if (s.head() == null
        || newest.firstPart() == null
        || newest.generation().bytes() > MAX_BYTES
        || !due(newest.generation())) {
      return;
    }
    try {
      Optional<Map.Entry<List<String>, List<String>>> read = reader.generation(key, s);
      if (read.isEmpty()) {
        return;
      }
      List<String> lines = read.get().getKey();
      long partTime = Math.max(clock.millis(), newest.partTime() + 1);
      String part = S3Layout.partName(partTime);
      Marker compact =
          Marker.of(
              "COMPACT",
              newest.base() + 1,
              newest.genStart(),
              part,
              part,
              partTime,
              part,
              s.head(),
              lines,
              newest.id());
      compact = compact.with(new Marker.Generation(1, compact.bytes(), compact.bytes(), s.n() + 1));
      log.claim(key, s.n() + 1, compact, s);
      completion.writePart(key, s.n() + 1, compact, s);
      log.keep(key, TranscriptState.after(s, s.n() + 1, compact));
      if (!key.isSubpath()) {
        index.put(s.head(), s.n() + 1);
      }
      // Exactly the parts merged: a part the SDK wrote among them meanwhile is not ours to remove.
      store.delete(read.get().getValue());
    } catch (ConflictException e) {
      // Another writer moved on: a later commit compacts.
    } catch (RuntimeException e) {
      LOG.warn("Could not compact the parts of {}; a later commit will: {}", key, e.getMessage());
    }
  }
}
