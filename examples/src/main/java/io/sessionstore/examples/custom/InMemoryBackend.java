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
 * A complete custom backend in a page: transcripts in a map, for tests and as a template.
 * Everything else — metadata, idempotence, search, cleanup, archives, caching — the core does on
 * top of these methods. Instances created on the same {@link Storage} share it, as two processes
 * share a directory or a bucket.
 */
public final class InMemoryBackend implements StorageBackend {
  /** Where the transcripts live; share one between backend instances to share the data. */
  public static final class Storage {
    private final Map<SessionKey, Transcript> transcripts = new ConcurrentHashMap<>();
  }

  /** Immutable: a commit puts a new one in place, so a reader never sees a change half made. */
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
    return t.messages().subList((int) from, (int) head.messageCount()).stream();
  }

  @Override
  public void commit(Commit commit) {
    SessionKey key = commit.head().key();
    // compute() makes the version check and the change one atomic step per key.
    storage.transcripts.compute(
        key,
        (k, current) -> {
          long version = current == null ? 0 : current.head().version();
          if (version != commit.expectedVersion()
              || (current != null
                  && commit.kind() != Commit.Kind.REPLACE
                  && current.head().generation() != commit.head().generation())) {
            throw new ConflictException(
                "Cannot write " + key + ": it changed (version " + version + ")");
          }
          List<String> messages =
              switch (commit.kind()) {
                // A copy of the texts: a commit of messages the core read as bytes holds those too.
                case REPLACE -> List.copyOf(commit.messages());
                case APPEND -> {
                  List<String> all =
                      new ArrayList<>(current == null ? List.of() : current.messages());
                  all.addAll(commit.messages());
                  yield List.copyOf(all);
                }
                case METADATA -> current == null ? List.of() : current.messages();
              };
          return new Transcript(commit.head(), messages);
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
    boolean[] existed = {false};
    // As in commit(): the version check and the removal are one atomic step.
    storage.transcripts.computeIfPresent(
        key,
        (k, current) -> {
          if (expectedVersion != ANY_VERSION && current.head().version() != expectedVersion) {
            throw new ConflictException(
                "Cannot delete " + key + ": it is at version " + current.head().version());
          }
          existed[0] = true;
          return null;
        });
    if (!existed[0] && expectedVersion != ANY_VERSION && expectedVersion != 0) {
      throw new ConflictException("Cannot delete " + key + ": it does not exist");
    }
    if (!key.isSubpath()) {
      existed[0] |=
          storage.transcripts.keySet().removeIf(k -> k.isSubpath() && k.main().equals(key));
    }
    return existed[0];
  }

  @Override
  public void close() {}
}
