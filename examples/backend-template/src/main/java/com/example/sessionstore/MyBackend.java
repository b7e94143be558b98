package com.example.sessionstore;

import io.sessionstore.api.ConflictException;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A backend to start from: it keeps transcripts in a map, which stands for your storage. Replace the map with
 * your database, bucket or service, keeping what each method promises ({@link StorageBackend} says it);
 * {@code MyBackendConformanceTest} tells whether it still does. The core does everything else (metadata,
 * idempotence, search, cleanup, archives, caching) on top of these methods.
 */
public final class MyBackend implements StorageBackend {
  /** Stands for the storage: backends on one {@code Storage} share it, as processes share a database. */
  public static final class Storage {
    private final ConcurrentMap<SessionKey, Transcript> transcripts = new ConcurrentHashMap<>();
  }

  /** Immutable: a commit puts a new one in place, so a reader never sees a change half made. */
  private record Transcript(StoredHead head, List<String> messages) {}

  private final Storage storage;

  /** Does no I/O, as the provider's {@code create} must not: connecting belongs in {@link #start()}. */
  public MyBackend(Storage storage) {
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
    Transcript stored = storage.transcripts.get(head.key());
    // Appends only add after the messages a head counts, so the same generation still holds all of them.
    if (stored == null || stored.head().generation() != head.generation()) {
      throw new ConflictException("Cannot read " + head.key() + ": it was replaced or deleted");
    }
    return stored.messages().subList((int) from, (int) head.messageCount()).stream();
  }

  @Override
  public void commit(Commit commit) {
    SessionKey key = commit.head().key();
    // compute() makes the check and the change one atomic step per key: your storage's compare-and-set.
    storage.transcripts.compute(key, (k, current) -> {
      long version = current == null ? 0 : current.head().version();
      boolean sameList = current == null || commit.kind() == Commit.Kind.REPLACE
          || current.head().generation() == commit.head().generation();
      if (version != commit.expectedVersion() || !sameList) {
        throw new ConflictException("Cannot write " + key + ": it changed (now at version " + version + ")");
      }
      return new Transcript(commit.head(), switch (commit.kind()) {
        // A copy of the texts: a commit of messages the core read as bytes holds those too.
        case REPLACE -> List.copyOf(commit.messages());
        case APPEND -> {
          List<String> all = new ArrayList<>(current == null ? List.of() : current.messages());
          all.addAll(commit.messages());
          yield List.copyOf(all);
        }
        case METADATA -> current == null ? List.of() : current.messages();
      });
    });
  }

  @Override
  public Stream<StoredHead> list(Scope scope) {
    return storage.transcripts.values().stream()
        .map(Transcript::head)
        .filter(h -> !h.key().isSubpath() && scope.includes(h.key().project()));
  }

  @Override
  public List<String> subpaths(SessionKey session) {
    return storage.transcripts.keySet().stream()
        .filter(k -> k.isSubpath() && k.main().equals(session.main()))
        .map(SessionKey::subpath)
        .sorted()
        .toList();
  }

  @Override
  public boolean delete(SessionKey key, long expectedVersion) {
    AtomicBoolean existed = new AtomicBoolean();
    // As in commit(): the version check and the removal are one atomic step.
    storage.transcripts.computeIfPresent(key, (k, current) -> {
      if (expectedVersion != ANY_VERSION && current.head().version() != expectedVersion) {
        throw new ConflictException("Cannot delete " + key + ": it is at version " + current.head().version());
      }
      existed.set(true);
      return null;
    });
    if (!existed.get() && expectedVersion != ANY_VERSION && expectedVersion != 0) {
      throw new ConflictException("Cannot delete " + key + ": it does not exist");
    }
    if (!key.isSubpath() && storage.transcripts.keySet().removeIf(k -> k.isSubpath() && k.main().equals(key))) {
      existed.set(true);
    }
    return existed.get();
  }

  @Override
  public void close() {}
}
