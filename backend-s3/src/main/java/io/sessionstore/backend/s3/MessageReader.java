package io.sessionstore.backend.s3;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.StoredHead;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterators;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** Reads a transcript's messages from its commit markers, a few markers ahead in parallel. */
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

  Stream<String> messages(StoredHead head, long from) {
    SessionKey key = head.key();
    TranscriptState s = log.known(key);
    if (!sameGeneration(s, head)) {
      s = heads.latest(key);
      if (!sameGeneration(s, head)) {
        throw new ConflictException(
            "Cannot read " + key + ": it was replaced or deleted while being read");
      }
    }
    long count = head.messageCount() - from;
    if (count <= 0) {
      return Stream.empty();
    }
    long last = s.control().base() + head.version();
    long genStart = s.control().genStart();
    // Start at the marker after the last one known to end at or before 'from'.
    Map.Entry<Long, Long> known = s.counts().floorEntry(last);
    long startMarker = genStart;
    long skip = from;
    for (Map.Entry<Long, Long> e : s.counts().headMap(last, true).descendingMap().entrySet()) {
      if (e.getKey() >= genStart && e.getValue() <= from) {
        startMarker = e.getKey() + 1;
        skip = from - e.getValue();
        break;
      }
    }
    if (known == null && startMarker > last) {
      return Stream.empty();
    }
    TranscriptState state = s;
    Iterator<String> lines = new MarkerMessages(key, startMarker, last, state);
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(lines, 0), false)
        .skip(skip)
        .limit(count);
  }

  private static boolean sameGeneration(TranscriptState s, StoredHead head) {
    return s != null
        && s.head() != null
        && s.head().generation() == head.generation()
        && s.head().version() >= head.version();
  }

  /**
   * The messages of markers {@code first..last} in order, reading a few markers ahead in parallel.
   */
  private final class MarkerMessages implements Iterator<String> {
    private final SessionKey key;
    private final long last;
    private final TranscriptState state;
    private final Deque<Future<Marker>> ahead = new ArrayDeque<>();
    private long nextToFetch;
    private Iterator<String> current = List.<String>of().iterator();

    MarkerMessages(SessionKey key, long first, long last, TranscriptState state) {
      this.key = key;
      this.last = last;
      this.state = state;
      this.nextToFetch = first;
      fill();
    }

    private void fill() {
      while (ahead.size() < READ_AHEAD && nextToFetch <= last) {
        long n = nextToFetch++;
        String markerKey = layout.marker(key, n);
        ahead.add(
            readers.submit(
                () -> {
                  Marker m =
                      store
                          .open(markerKey)
                          .map(in -> Marker.decode(in, true, markerKey))
                          .orElseThrow(
                              () ->
                                  new ConflictException(
                                      "Cannot read "
                                          + key
                                          + ": it was replaced or deleted while being read"));
                  if (m.head() != null) {
                    state.counts().put(n, m.head().messageCount());
                    while (state.counts().size() > TranscriptState.MAX_COUNTS) {
                      state.counts().pollFirstEntry();
                    }
                  }
                  return m;
                }));
      }
    }

    @Override
    public boolean hasNext() {
      while (!current.hasNext()) {
        if (ahead.isEmpty()) {
          return false;
        }
        current = take(ahead.poll()).messages().iterator();
        fill();
      }
      return true;
    }

    @Override
    public String next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }

    private Marker take(Future<Marker> f) {
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
