package io.sessionstore.spi;

import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where transcripts live: the small interface a backend implements. The core does everything else
 * (metadata, idempotence, caching, search, cleanup, archives) on top of these methods.
 *
 * <p>A transcript is a session's main list of messages or one of its sub-transcripts, each
 * addressed by a {@link SessionKey}, each with its own {@link StoredHead}. Implementations must be
 * thread-safe, and safe when several processes use the same storage: a {@link #commit} is atomic
 * (all of it or nothing, also across a crash), durable when it returns, and a compare-and-set on
 * the transcript's version. Errors are translated into the API's exceptions: {@link
 * io.sessionstore.api.ConflictException} for a lost compare-and-set, {@link
 * io.sessionstore.api.BackendUnavailableException} for I/O and network failures.
 *
 * <p>Optional capabilities are separate interfaces a backend may also implement: {@link
 * SupportsSearch}, {@link SupportsHousekeeping}.
 */
public interface StorageBackend extends AutoCloseable {
  /**
   * Connects, creates or checks what the backend needs (directories, buckets, indexes). Called once
   * before any other method.
   *
   * @throws io.sessionstore.api.ConfigurationException when the configuration is wrong (a missing
   *     bucket, say)
   * @throws io.sessionstore.api.BackendUnavailableException when the storage cannot be reached
   */
  void start();

  /** The transcript's current head, or empty when it does not exist. */
  Optional<StoredHead> head(SessionKey key);

  /**
   * The messages {@code from} (counting from 0) up to {@code head.messageCount()} of the list
   * identified by the head's key and generation, in the order they were committed. The caller
   * closes the stream.
   *
   * @throws io.sessionstore.api.ConflictException when that generation is no longer stored (the
   *     transcript was replaced or deleted since the head was read); the caller reads the head
   *     again
   */
  Stream<String> messages(StoredHead head, long from);

  /**
   * Applies the commit atomically if the transcript's stored version is {@link
   * Commit#expectedVersion()} ({@code 0}: it does not exist) and, for an {@link Commit.Kind#APPEND}
   * or {@link Commit.Kind#METADATA} commit on an existing transcript, its stored generation is the
   * commit head's (versions start again at 1 when a transcript is deleted and created anew,
   * generations do not repeat). Durable when it returns.
   *
   * @throws io.sessionstore.api.ConflictException when the stored version or generation is another;
   *     nothing is changed
   */
  void commit(Commit commit);

  /**
   * The heads of the sessions' main transcripts in the scope, in any order; never sub-transcripts.
   */
  Stream<StoredHead> list(Scope scope);

  /**
   * The heads of the main transcripts, in every project, of the sessions with this id, in any
   * order. The default filters {@link #list} of all projects; a backend that can look an id up
   * without reading every head should.
   */
  default Stream<StoredHead> findSessions(String sessionId) {
    return list(Scope.allProjects()).filter(h -> h.key().sessionId().equals(sessionId));
  }

  /**
   * The heads of the main transcripts, in the scope, of the sessions whose id starts with {@code
   * prefix} (a session whose id is the prefix included), in any order. The default filters {@link
   * #list}; a backend that can look a prefix up without reading every head should.
   */
  default Stream<StoredHead> findSessionsByPrefix(Scope scope, String prefix) {
    return list(scope).filter(h -> h.key().sessionId().startsWith(prefix));
  }

  /** The subpaths of a session's sub-transcripts, sorted; never the main transcript. */
  List<String> subpaths(SessionKey session);

  /**
   * A directory of this machine that belongs to this store, where the core keeps caches it derives
   * from the stored sessions (the full-text index, in a {@code search-index} folder), or empty for
   * a store that is not on this machine (the core then keeps them under the user's cache
   * directory).
   */
  default Optional<java.nio.file.Path> localDirectory() {
    return Optional.empty();
  }

  /**
   * An opaque token that changes whenever a commit or delete changes what this storage holds, from
   * this process or another, and never comes back to an earlier value; empty when the backend
   * cannot tell (now) without reading what it holds. Reorganising the storage without changing what
   * it holds (compaction, a rebuild) may move it too: it errs towards "changed". It must cost no
   * more than a look at one object or file: callers ask for it to skip work when nothing changed.
   */
  default Optional<String> changeToken() {
    return Optional.empty();
  }

  /** For {@link #delete}: delete whatever version is stored. */
  long ANY_VERSION = -1;

  /**
   * Deletes a transcript, atomically checking its version first; deleting a session's main
   * transcript deletes its sub-transcripts too.
   *
   * @param expectedVersion the version the transcript must have (for a session, its main
   *     transcript), or {@link #ANY_VERSION}
   * @return whether the transcript existed
   * @throws io.sessionstore.api.ConflictException when it has another version; nothing is deleted
   */
  boolean delete(SessionKey key, long expectedVersion);

  /** Releases what the backend holds. Further calls fail. */
  @Override
  void close();
}
