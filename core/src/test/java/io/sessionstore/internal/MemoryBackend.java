package io.sessionstore.internal;

import io.sessionstore.api.ConflictException;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Transcripts in a concurrent map: a backend that many threads may use at once, for the core's
 * tests. Tests override its methods to slow, count or break them.
 */
public class MemoryBackend implements StorageBackend {
  private record Transcript(StoredHead head, List<String> messages) {}

  private final Map<SessionKey, Transcript> transcripts = new ConcurrentHashMap<>();

  /**
   * Stores a transcript as it is given, past the store's checks (a head that fits is the test's).
   */
  void put(StoredHead head, List<String> messages) {
    transcripts.put(head.key(), new Transcript(head, List.copyOf(messages)));
  }

  @Override
  public void start() {}

  @Override
  public Optional<StoredHead> head(SessionKey key) {
    return Optional.ofNullable(transcripts.get(key)).map(Transcript::head);
  }

  @Override
  public Stream<String> messages(StoredHead head, long from) {
    Transcript t = transcripts.get(head.key());
    if (t == null || t.head().generation() != head.generation()) {
      throw new ConflictException("Cannot read " + head.key() + ": it was replaced");
    }
    return t.messages().subList((int) from, (int) head.messageCount()).stream();
  }

  @Override
  public synchronized void commit(Commit commit) {
    SessionKey key = commit.head().key();
    Transcript current = transcripts.get(key);
    if (commit.expectedVersion() != (current == null ? 0 : current.head().version())) {
      throw new ConflictException("Cannot write " + key + ": it changed");
    }
    List<String> messages = new ArrayList<>();
    if (current != null && commit.kind() != Commit.Kind.REPLACE) {
      messages.addAll(current.messages());
    }
    messages.addAll(commit.messages());
    transcripts.put(key, new Transcript(commit.head(), List.copyOf(messages)));
  }

  @Override
  public Stream<StoredHead> list(Scope scope) {
    return transcripts.values().stream()
        .map(Transcript::head)
        .filter(h -> !h.key().isSubpath() && scope.includes(h.key().project()));
  }

  @Override
  public List<String> subpaths(SessionKey session) {
    return transcripts.keySet().stream()
        .filter(k -> k.isSubpath() && k.main().equals(session.main()))
        .map(SessionKey::subpath)
        .sorted()
        .toList();
  }

  @Override
  public synchronized boolean delete(SessionKey key, long expectedVersion) {
    boolean existed = transcripts.remove(key) != null;
    if (!key.isSubpath()) {
      transcripts.keySet().removeIf(k -> k.isSubpath() && k.main().equals(key));
    }
    return existed;
  }

  @Override
  public void close() {}
}
