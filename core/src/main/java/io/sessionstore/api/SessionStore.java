package io.sessionstore.api;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Keeps AI-agent conversation sessions: ordered JSON messages plus metadata, addressed by {@link
 * SessionKey}.
 *
 * <p>Thread-safe, and safe when several processes share the same backend: concurrent appends to one
 * session all land, each writer's messages in their relative order, and every reader sees one total
 * order. Writes are durable when they return. A call that is given any invalid input throws {@link
 * InvalidInputException} and stores nothing. Every value returned is immutable.
 *
 * <p>Create one with {@link #builder()} (or {@code SessionStoreModule} with Guice) and close it
 * when done.
 */
public interface SessionStore extends AutoCloseable {

  /** A builder that reads configuration and discovers the backend. */
  static SessionStoreBuilder builder() {
    return new SessionStoreBuilder();
  }

  /** The project used when none is given ({@code sessionstore.project}). */
  String defaultProject();

  /** The key of a session of the default project. */
  default SessionKey key(String sessionId) {
    return SessionKey.of(defaultProject(), sessionId);
  }

  /**
   * Stores a transcript, replacing the messages it had. The session's sub-transcripts are kept.
   *
   * @throws ConflictException when {@link SaveOptions#expectedVersion()} is given and stale
   */
  WriteResult saveSession(SessionKey key, List<Message> messages, SaveOptions options);

  /**
   * Stores a transcript, replacing the messages it had, keeping its tags, summary and attributes.
   */
  default WriteResult saveSession(SessionKey key, List<Message> messages) {
    return saveSession(key, messages, SaveOptions.NONE);
  }

  /**
   * Appends messages to a transcript, creating it when absent. A message with the same {@code uuid}
   * and the same bytes as one already in the transcript is skipped, so a retried append never
   * duplicates. An empty list changes nothing. Costs what the new messages cost, however long the
   * transcript is.
   */
  WriteResult appendMessages(SessionKey key, List<Message> messages);

  /** The transcript and its session's metadata, or empty when it does not exist. */
  Optional<Session> loadSession(SessionKey key);

  /**
   * The session's metadata (of the sub-transcript, for a subpath key), or empty when it does not
   * exist.
   */
  Optional<SessionMetadata> getMetadata(SessionKey key);

  /**
   * The transcript's messages read as they are consumed, for transcripts larger than memory. Close
   * the stream.
   *
   * @throws NotFoundException when the transcript does not exist
   */
  Stream<Message> streamMessages(SessionKey key);

  /**
   * Up to {@code limit} messages from position {@code from} (counting from 0).
   *
   * @throws NotFoundException when the transcript does not exist
   */
  List<Message> loadMessages(SessionKey key, long from, int limit);

  /**
   * One page of the sessions matching the query. Reads metadata only, unless the query has a
   * full-text part ({@link SearchQuery#matching()}): then as {@link #searchText}, without the
   * matches.
   */
  Page<SessionMetadata> search(SearchQuery query);

  /**
   * One page of the sessions whose messages match the query's full-text part, each with its best
   * matching messages and a snippet of each, and that pass every other filter of the query. The
   * full-text index is brought up to date first from the sessions changed since it last looked
   * (other processes' and machines' writes included), reading only the messages it has not indexed;
   * when another process is updating it, the query is answered from what is indexed.
   *
   * @throws InvalidInputException when the query has no full-text part or it does not parse
   */
  default Page<SessionHit> searchText(SearchQuery query) {
    return searchText(query, ProgressListener.NONE);
  }

  /**
   * As {@link #searchText(SearchQuery)}, told how far the index has come while it catches up (the
   * first query of a large store builds the index, which takes a while).
   */
  Page<SessionHit> searchText(SearchQuery query, ProgressListener progress);

  /**
   * Deletes the full-text index and builds it again from every stored session. Never needed for
   * correctness (the index follows the store by itself, and rebuilds itself when it finds it
   * damaged); useful after changing what is indexed.
   *
   * @return how many sessions were indexed
   */
  long rebuildTextIndex(ProgressListener progress);

  /** One page of the sessions in the scope, most recently updated first; never sub-transcripts. */
  default Page<SessionMetadata> listSessions(Scope scope, int limit, String cursor) {
    return search(SearchQuery.in(scope).limit(limit).cursor(cursor).build());
  }

  /** The sessions with this id in any project, in the search order; reads metadata only. */
  List<SessionMetadata> findSessions(String sessionId);

  /**
   * The sessions in the scope whose id starts with {@code prefix} (the session whose id is the
   * prefix included), in the search order; reads metadata only. For naming a session by the start
   * of its id, as the CLI does.
   *
   * @throws InvalidInputException when the prefix is empty
   */
  List<SessionMetadata> findSessionsByPrefix(Scope scope, String prefix);

  /** The subpaths of a session's sub-transcripts, sorted. */
  List<String> listSubpaths(SessionKey session);

  /**
   * Deletes a session with its sub-transcripts, or, for a subpath key, that sub-transcript only.
   *
   * @return whether anything existed
   */
  boolean deleteSession(SessionKey key);

  /**
   * Takes in sessions the backend's storage holds that its listings do not show yet: sessions
   * another tool wrote there (the Claude Agent SDK's S3 session store writes the same layout into a
   * bucket), and first commits whose writer died before indexing them. Reading a session by its key
   * always finds it; listings and searches find it after this (on S3 also after a listing of its
   * one project). Nothing to do for backends whose listings always show everything they hold.
   *
   * @return how many sessions were taken in
   */
  long adoptSessions(Scope scope, ProgressListener progress);

  /**
   * Adds and removes tags of a session.
   *
   * @return the metadata after the change
   * @throws NotFoundException when the session does not exist
   */
  default SessionMetadata updateTags(SessionKey key, Set<String> add, Set<String> remove) {
    return updateMetadata(key, MetadataUpdate.tags(add, remove));
  }

  /**
   * Changes a session's tags, summary or attributes without touching its messages.
   *
   * @throws NotFoundException when the session does not exist
   * @throws ConflictException when the update's expected version is given and stale
   */
  SessionMetadata updateMetadata(SessionKey key, MetadataUpdate update);

  /**
   * Deletes the sessions of the scope (with their sub-transcripts) last active ({@link
   * SessionMetadata#lastActivityAt()}: changes of tags, summary or attributes do not count) longer
   * than {@code maxAge} ago.
   *
   * @param dryRun report what would be deleted, deleting nothing
   */
  default CleanupResult cleanupOldSessions(Duration maxAge, Scope scope, boolean dryRun) {
    return cleanupOldSessions(maxAge, scope, dryRun, ProgressListener.NONE);
  }

  /**
   * As {@link #cleanupOldSessions(Duration, Scope, boolean)}, telling the listener after each
   * session.
   */
  default CleanupResult cleanupOldSessions(
      Duration maxAge, Scope scope, boolean dryRun, ProgressListener progress) {
    return cleanupOldSessions(maxAge, scope, Set.of(), dryRun, progress);
  }

  /**
   * As {@link #cleanupOldSessions(Duration, Scope, boolean, ProgressListener)}, sparing every
   * session that carries at least one of {@code keepTags} (exact, case-sensitive).
   *
   * @throws InvalidInputException when a tag is not a valid tag
   */
  CleanupResult cleanupOldSessions(
      Duration maxAge,
      Scope scope,
      Set<String> keepTags,
      boolean dryRun,
      ProgressListener progress);

  /** Deletes the default project's sessions last active longer than {@code maxAge} ago. */
  default CleanupResult cleanupOldSessions(Duration maxAge) {
    return cleanupOldSessions(maxAge, Scope.project(defaultProject()), false);
  }

  /**
   * Writes the sessions matching the query's filters (all of them, not one page) as a portable
   * archive: JSON Lines, a header line and one line per session with its messages and
   * sub-transcripts. The stream is not closed.
   */
  default ExportResult exportSessions(SearchQuery query, OutputStream out) {
    return exportSessions(query, out, ProgressListener.NONE);
  }

  /**
   * As {@link #exportSessions(SearchQuery, OutputStream)}, telling the listener after each session.
   */
  ExportResult exportSessions(SearchQuery query, OutputStream out, ProgressListener progress);

  /**
   * Reads an archive (plain or gzip, detected) and merges it into the store: new sessions are
   * created with the archive's timestamps, stored ones are extended when their messages are a
   * prefix of the archive's, and a re-import changes nothing. A malformed line is reported and
   * skipped; nothing of it is stored.
   *
   * @throws InvalidInputException when the input is not an archive at all (no header, or a newer
   *     version)
   */
  ImportResult importSessions(InputStream in, ImportOptions options);

  /**
   * Copies the sessions matching the query's filters (all of them, not one page) into another
   * store, with the import's merge rules: a session the target lacks is created with its
   * timestamps, one the target holds a prefix of is extended, one it already holds is skipped, and
   * one that differs is reported as diverged and left alone. Running it again after an interruption
   * copies only what is missing. Each copied session is read back from both stores and compared by
   * message count and a SHA-256 over its messages; a session that fails is reported and the others
   * are still copied. A few sessions are copied at once, so the target is called from several
   * threads; the outcomes and the listener's calls come in the order of the sessions.
   *
   * @throws BackendUnavailableException when either store becomes unavailable: the copy stops
   *     there, and running it again goes on from where it stopped
   */
  MigrationResult migrateTo(SessionStore target, SearchQuery query, ProgressListener progress);

  /**
   * Merges one session that is given as values, not read from an archive, with the archive import's
   * merge rules (as {@link #importSessions} would merge an archive holding this session alone): a
   * session the store lacks is created with the metadata's {@code createdAt} and {@code updatedAt};
   * one whose transcript and every sub-transcript hold a prefix of the given messages is extended
   * with the rest; one that holds exactly them changes nothing; and one that holds anything else is
   * reported as {@link ImportResult#diverged() diverged} and left alone. From the metadata only the
   * key, {@code createdAt}, {@code updatedAt}, tags, summary and attributes are taken; counts, cost
   * and turns are derived from the messages, as for every write. Each message is stored as its
   * exact {@link Message#json() text}. This is how another tool's sessions (Claude Code's
   * transcripts, for one) come into the store without writing an archive.
   *
   * @param metadata the session's key, times and user fields
   * @param messages the messages of its transcript, in order
   * @param subpaths the messages of each of its sub-transcripts, by subpath
   *     <p>Each message is checked as a message given to {@link #appendMessages} is (a
   *     pretty-printed one is stored on one line); one that is not a JSON object, the main
   *     transcript's first, rejects the session (nothing is stored, the rejection names the
   *     message). The archive format's own limits (the length of a session's line) do not apply.
   * @return the outcome, as for an archive of this one session ({@code created}, {@code extended}
   *     or {@code unchanged} is 1, or the session is listed as diverged or rejected)
   * @throws InvalidInputException when a subpath is invalid or an argument is null (nothing is
   *     stored)
   */
  ImportResult importSession(
      SessionMetadata metadata,
      List<Message> messages,
      Map<String, List<Message>> subpaths,
      ImportOptions options);

  /**
   * Extends a session that was imported before, without reading what is stored: for a tool whose
   * transcripts only grow and that remembers how much of each it already gave the store (Claude
   * Code's, for one). Each transcript named (the main one, and the sub-transcripts in {@code
   * subpaths}) must still be at the version and message count its tail names; then the tail's
   * messages are appended as they are (no {@code uuid} check), a tail of version 0 creates its
   * transcript, and the user fields and times are merged as {@link #importSession} merges them.
   * Sub-transcripts not named are left as they are. All or nothing: when any named transcript has
   * changed since (another writer appended to it, replaced or deleted it), nothing is written and a
   * {@link ConflictException} says which; the caller then merges the whole session with {@link
   * #importSession}, which compares every message.
   *
   * @param metadata the session's key, times and user fields, as for {@link #importSession}
   * @param main the main transcript's tail (with no messages when only a sub-transcript grew)
   * @param subpaths tails of sub-transcripts, by subpath
   * @return the outcome: {@code created}, {@code extended} or {@code unchanged} is 1
   * @throws ConflictException when a named transcript is not at its tail's version and count;
   *     nothing is stored
   * @throws InvalidInputException when a subpath or a user field is invalid (nothing is stored)
   */
  ImportResult importSessionTail(
      SessionMetadata metadata,
      TranscriptTail main,
      Map<String, TranscriptTail> subpaths,
      ImportOptions options);

  /**
   * The usage and cost of the sessions the query's filters match (all of them, not one page),
   * grouped, with a total: read from the sessions' heads alone, never their messages. By day, week
   * or month a session's usage is split by when its messages happened (see {@link
   * UsageGrouping.Kind#DAY}). Sessions with neither usage nor cost are left out.
   *
   * @param zone the time zone of days, weeks and months
   */
  UsageReport usageReport(SearchQuery query, UsageGrouping by, java.time.ZoneId zone);

  /**
   * The prices this store estimates cost with ({@code sessionstore.pricing.file} over the bundled
   * ones).
   */
  PriceTable priceTable();

  /**
   * Derives usage and cost anew from the stored messages of the sessions in the scope whose usage
   * is not known (stored before usage accounting), or of every session when {@code all} is set
   * (after a change of prices, say). Each session is read whole, transcript by transcript, and its
   * metadata rewritten (its version moves, its {@code updatedAt} does not); running it again after
   * an interruption goes on with the sessions still not done.
   *
   * @return how many sessions were derived anew
   */
  long reindexUsage(Scope scope, boolean all, ProgressListener progress);

  /**
   * An opaque token that changes whenever anything the store holds changes (a transcript written,
   * its metadata updated, a session deleted), by this process or another: two equal tokens mean
   * that nothing changed in between, learnt without reading a session ({@code import-claude} so
   * skips checking every session it remembers). It may also move when the backend reorganises its
   * storage without a change. Empty when the backend cannot tell cheaply (of those bundled, only
   * the file backend can, and not while its index is missing).
   *
   * @throws BackendUnavailableException when the storage cannot be reached
   */
  Optional<String> changeToken();

  /** Stops the scheduled cleanup and releases the cache and the backend. */
  @Override
  void close();
}
