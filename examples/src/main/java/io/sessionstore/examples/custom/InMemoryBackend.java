package io.sessionstore.examples.custom;

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
 * A complete custom backend in a page: transcripts in a map, for tests and as a template. Everything else —
 * metadata, idempotence, search, cleanup, archives, caching — the core does on top of these methods. Instances
 * created on the same {@link Storage} share it, as two processes share a directory or a bucket.
 */
public final class InMemoryBackend implements StorageBackend {
  /** Where the transcripts live; share one between backend instances to share the data. */
  public static final class Storage {
    private final Map<SessionKey, Transcript> transcripts = new ConcurrentHashMap<>();
  }

  private record Transcript(StoredHead head, List<String> messages) {}

  private final Storage storage;

  public InMemoryBackend(Storage storage) {
    this.storage = storage;
  }

  @Override
  public void start() {}

  @Override
  public Optional<StoredHead> head(SessionKey key) {
    return Optional.ofNullable(storage.transcripts.get(key)).map(Transcript::head);
  }

  @Override
  public Stream<String> messages(StoredHead head, long from) {
    Transcript t = storage.transcripts.get(head.key());
    if (t == null || t.head().generation() != head.generation()) {
      throw new ConflictException("Cannot read " + head.key() + ": it was replaced or deleted");
    }
    synchronized (t) {
      return List.copyOf(t.messages().subList((int) from, (int) head.messageCount())).stream();
    }
  }

  @Override
  public void commit(Commit commit) {
    SessionKey key = commit.head().key();
    // compute() makes the version check and the change one atomic step per key.
    storage.transcripts.compute(key, (k, current) -> {
      long version = current == null ? 0 : current.head().version();
      if (version != commit.expectedVersion() || (current != null && commit.kind() != Commit.Kind.REPLACE
          && current.head().generation() != commit.head().generation())) {
        throw new ConflictException("Cannot write " + key + ": it changed (version " + version + ")");
      }
      List<String> messages = switch (commit.kind()) {
        case REPLACE -> new ArrayList<>(commit.messages());
        case APPEND -> {
          List<String> all = current == null ? new ArrayList<>() : current.messages();
          synchronized (all) {
            all.addAll(commit.messages());
          }
          yield all;
        }
        case METADATA -> current == null ? new ArrayList<>() : current.messages();
      };
      return new Transcript(commit.head(), messages);
    });
  }

  @Override
  public Stream<StoredHead> list(Scope scope) {
    return storage.transcripts.values().stream().map(Transcript::head)
        .filter(h -> !h.key().isSubpath() && scope.includes(h.key().project()));
  }

  @Override
  public List<String> subpaths(SessionKey session) {
    return storage.transcripts.keySet().stream()
        .filter(k -> k.isSubpath() && k.main().equals(session.main()))
        .map(SessionKey::subpath).sorted().toList();
  }

  @Override
  public synchronized boolean delete(SessionKey key, long expectedVersion) {
    Transcript current = storage.transcripts.get(key);
    long version = current == null ? 0 : current.head().version();
    if (expectedVersion != ANY_VERSION && version != expectedVersion) {
      throw new ConflictException("Cannot delete " + key + ": it is at version " + version);
    }
    boolean existed = storage.transcripts.remove(key) != null;
    if (!key.isSubpath()) {
      existed |= storage.transcripts.keySet().removeIf(k -> k.isSubpath() && k.main().equals(key));
    }
    return existed;
  }

  @Override
  public void close() {}
}
