package io.sessionstore.backend.s3;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.backend.s3.TranscriptState.Position;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.Utf8Lines;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterators;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Reads a transcript's messages from its parts in the SDK's layout, a few parts ahead in parallel:
 * one listing names the current generation's parts (those from its first part to the head's latest
 * part, empty ones being dropped commits), so no marker is read. A generation begun by markers of
 * the first layout version (its first part unrecorded) is read marker by marker instead.
 */
final class MessageReader implements AutoCloseable {
  private static final int READ_AHEAD = 16;

  private final ObjectStore store;
  private final S3Layout layout;
  private final MarkerLog log;
  private final Heads heads;
  private final ExecutorService readers =
      Executors.newFixedThreadPool(
          8,
          r -> {
            Thread t = new Thread(r, "sessionstore-s3-read");
            t.setDaemon(true);
            return t;
          });

  MessageReader(ObjectStore store, S3Layout layout, MarkerLog log, Heads heads) {
    this.store = store;
    this.layout = layout;
    this.log = log;
    this.heads = heads;
  }

  /**
   * The head's messages from {@code from}. Within a generation an older head's messages are the
   * first ones of a newer head's, so they are read from the newest state this process knows: listed
   * parts when they are exactly the parts its markers account for, else marker by marker (from the
   * generation's start, or its last compaction).
   */
  Stream<String> messages(StoredHead head, long from) {
    SessionKey key = head.key();
    TranscriptState s = log.known(key);
    if (!sameGeneration(s, head)) {
      s = heads.latest(key);
      if (!sameGeneration(s, head)) {
        throw replaced(key);
      }
    }
    long count = head.messageCount() - from;
    if (count <= 0) {
      return Stream.empty();
    }
    Marker.Generation generation = s.control().generation();
    long walkStart = Math.max(s.control().genStart(), generation.compactedAt());
    // The newest position known to end at or before 'from', past which the reading starts.
    Map.Entry<Long, Position> start = null;
    for (Map.Entry<Long, Position> e : s.positions().descendingMap().entrySet()) {
      if (e.getKey() >= walkStart && e.getValue().count() <= from) {
        start = e;
        break;
      }
    }
    long skip = start == null ? from : from - start.getValue().count();
    List<Callable<List<String>>> reads =
        listedParts(key, s, start == null ? null : start.getValue());
    if (reads == null) {
      reads = markerReads(key, start == null ? walkStart : start.getKey() + 1, s.n(), s);
    }
    Iterator<String> lines = new PartLines(key, reads, skip + count);
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(lines, 0), false)
        .skip(skip)
        .limit(count);
  }

  /**
   * Reads of the parts after {@code after} (null: from the generation's first part) to the newest
   * one, or null when the listing holds other parts than the markers account for (the SDK wrote one
   * among ours, or the first part is not recorded): then the markers are walked.
   */
  private List<Callable<List<String>>> listedParts(
      SessionKey key, TranscriptState s, Position after) {
    String first = s.control().firstPart();
    Position newest = s.positions().get(s.n());
    if (first == null || newest == null || newest.lastPart() == null || newest.parts() == 0) {
      return null;
    }
    if (after != null && (after.lastPart() == null || after.lastPart().compareTo(first) < 0)) {
      after = null;
    }
    long expectedParts = newest.parts() - (after == null ? 0 : after.parts());
    if (after == null && expectedParts == 1 && first.equals(newest.lastPart())) {
      // One part holds the whole generation (an imported or compacted session): no listing.
      return List.of(() -> partLines(key, layout.partsFolder(key) + first));
    }
    List<Callable<List<String>>> reads =
        partsOf(key, first, after == null ? null : after.lastPart(), newest.lastPart());
    return reads.size() == expectedParts ? reads : null;
  }

  /**
   * Every message of the state's generation with the keys of the parts that hold them (for a
   * compaction), or empty when the listed parts are not exactly those its markers account for or do
   * not hold exactly the head's messages.
   */
  Optional<Map.Entry<List<String>, List<String>>> generation(SessionKey key, TranscriptState s) {
    String first = s.control().firstPart();
    Position newest = s.positions().get(s.n());
    if (first == null || newest == null || newest.lastPart() == null) {
      return Optional.empty();
    }
    String folder = layout.partsFolder(key);
    List<String> keys = new ArrayList<>();
    for (S3Object o : store.objectsDirectlyUnder(folder, null)) {
      String name = o.key().substring(folder.length());
      if (o.size() > 0
          && S3Layout.isPart(name)
          && name.compareTo(first) >= 0
          && name.compareTo(newest.lastPart()) <= 0) {
        keys.add(o.key());
      }
    }
    if (keys.size() != newest.parts()) {
      return Optional.empty();
    }
    List<String> lines = new ArrayList<>();
    for (String k : keys) {
      lines.addAll(partLines(key, k));
    }
    return lines.size() == s.head().messageCount()
        ? Optional.of(Map.entry(lines, keys))
        : Optional.empty();
  }

  private static boolean sameGeneration(TranscriptState s, StoredHead head) {
    return s != null
        && s.head() != null
        && s.head().generation() == head.generation()
        && s.head().version() >= head.version();
  }

  private static ConflictException replaced(SessionKey key) {
    return new ConflictException(
        "Cannot read " + key + ": it was replaced or deleted while being read");
  }

  /**
   * Reads of the generation's parts from {@code first} (or after {@code after}) to {@code last}, in
   * order, from one listing.
   */
  private List<Callable<List<String>>> partsOf(
      SessionKey key, String first, String after, String last) {
    String folder = layout.partsFolder(key);
    List<Callable<List<String>>> reads = new ArrayList<>();
    for (S3Object o : store.objectsDirectlyUnder(folder, after == null ? null : folder + after)) {
      String name = o.key().substring(folder.length());
      if (o.size() > 0
          && S3Layout.isPart(name)
          && name.compareTo(first) >= 0
          && name.compareTo(last) <= 0) {
        reads.add(() -> partLines(key, o.key()));
      }
    }
    return reads;
  }

  /** Reads of markers {@code first..last}: their inline messages, or their parts. */
  private List<Callable<List<String>>> markerReads(
      SessionKey key, long first, long last, TranscriptState state) {
    List<Callable<List<String>>> reads = new ArrayList<>();
    for (long n = first; n <= last; n++) {
      long number = n;
      reads.add(
          () -> {
            String markerKey = layout.marker(key, number);
            Marker m =
                store
                    .open(markerKey)
                    .map(in -> Marker.decode(in, true, markerKey))
                    .orElseThrow(() -> replaced(key));
            if (m.head() != null) {
              state
                  .positions()
                  .put(
                      number,
                      new Position(m.head().messageCount(), m.lastPart(), m.generation().parts()));
              while (state.positions().size() > TranscriptState.MAX_POSITIONS) {
                state.positions().pollFirstEntry();
              }
            }
            if (m.inline() || m.part() == null) {
              return m.messages();
            }
            // An empty part is a dropped commit's void: no messages.
            return partLines(key, layout.partsFolder(key) + m.part());
          });
    }
    return reads;
  }

  /** A part's lines as the SDK's reader reads them (blank lines are not messages). */
  private List<String> partLines(SessionKey key, String partKey) {
    List<String> lines = new ArrayList<>();
    try (InputStream in = store.open(partKey).orElseThrow(() -> replaced(key))) {
      // Lines end at '\n' only: a message may end with a '\r' of its own.
      Utf8Lines r = new Utf8Lines(in, false);
      String line;
      while ((line = r.next()) != null) {
        if (!line.isBlank()) {
          lines.add(line);
        }
      }
    } catch (IOException e) {
      throw new BackendUnavailableException(
          "Cannot read s3://" + store.bucket() + "/" + partKey + ": " + e.getMessage(), e);
    }
    return lines;
  }

  /**
   * The lines of several reads in order, a few reads ahead in parallel; fewer lines than {@code
   * expected} means the transcript changed under the reader, never a short answer.
   */
  private final class PartLines implements Iterator<String> {
    private final SessionKey key;
    private final Iterator<Callable<List<String>>> reads;
    private final Deque<Future<List<String>>> ahead = new ArrayDeque<>();
    private final long expected;
    private long returned;
    private Iterator<String> current = List.<String>of().iterator();

    PartLines(SessionKey key, List<Callable<List<String>>> reads, long expected) {
      this.key = key;
      this.reads = reads.iterator();
      this.expected = expected;
      fill();
    }

    private void fill() {
      while (ahead.size() < READ_AHEAD && reads.hasNext()) {
        ahead.add(readers.submit(reads.next()));
      }
    }

    @Override
    public boolean hasNext() {
      if (returned >= expected) {
        return false;
      }
      while (!current.hasNext()) {
        if (ahead.isEmpty()) {
          // Parts went (a replace or a compaction): the next look reads the markers again.
          log.forget(key);
          throw replaced(key);
        }
        current = take(ahead.poll()).iterator();
        fill();
      }
      return true;
    }

    @Override
    public String next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      returned++;
      return current.next();
    }

    private List<String> take(Future<List<String>> f) {
      try {
        return f.get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new BackendUnavailableException(
            "Cannot read " + key + ": " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BackendUnavailableException("Interrupted while reading " + key);
      }
    }
  }

  @Override
  public void close() {
    readers.shutdownNow();
  }
}
