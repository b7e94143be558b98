package io.sessionstore.internal;

import io.sessionstore.api.CleanupResult;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.ExportResult;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.MigrationResult;
import io.sessionstore.api.NotFoundException;
import io.sessionstore.api.Page;
import io.sessionstore.api.PriceTable;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.Session;
import io.sessionstore.api.SessionHit;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.TranscriptTail;
import io.sessionstore.api.WriteResult;
import io.sessionstore.internal.fulltext.TextIndex;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.SupportsAdoption;
import io.sessionstore.spi.SupportsAtomicCommits;
import io.sessionstore.spi.SupportsBatchCommits;
import io.sessionstore.spi.SupportsHousekeeping;
import io.sessionstore.spi.SupportsOrderedListing;
import io.sessionstore.spi.SupportsSearch;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store: metadata derivation, idempotent appends, optimistic concurrency, caching, search,
 * cleanup and archives, over any {@link StorageBackend}.
 *
 * <p>Every change is one {@link Commit}, a compare-and-set on the transcript's version. This
 * process's writers of a session take turns on a lock; writers in other processes are detected by a
 * lost compare-and-set, after which the head is read again and the change recomputed from it.
 */
public final class DefaultSessionStore implements SessionStore {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultSessionStore.class);

  private final StorageBackend backend;
  private final Supplier<PriceTable> prices;
  private final String defaultProject;
  private final Clock clock;
  private final CacheLayer cache;
  private final DedupIndex dedup = new DedupIndex(1_000_000);
  private final KeyLocks locks = new KeyLocks(256);
  private final ScheduledExecutorService cleanupScheduler;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final Supplier<TextIndex.Settings> textIndexSettings;
  private TextIndex textIndex;

  public DefaultSessionStore(StorageBackend backend, CoreConfig settings, Clock clock) {
    this(backend, settings, clock, PriceTable::bundled, null);
  }

  /**
   * @param prices the prices of usage that reports no cost, asked for when first needed (a command
   *     that writes nothing never reads the bundled table)
   * @param textIndexCache where the full-text index lives when neither the configuration nor the
   *     backend says ({@link StorageBackend#localDirectory()}), asked for when the index is first
   *     used; null to keep it in memory
   */
  public DefaultSessionStore(
      StorageBackend backend,
      CoreConfig settings,
      Clock clock,
      Supplier<PriceTable> prices,
      Supplier<java.nio.file.Path> textIndexCache) {
    this.backend = backend;
    this.textIndexSettings =
        () ->
            new TextIndex.Settings(
                settings
                    .searchIndexDir()
                    .or(() -> backend.localDirectory().map(d -> d.resolve("search-index")))
                    .orElseGet(() -> textIndexCache == null ? null : textIndexCache.get()),
                settings.searchThinking(),
                settings.searchToolResultChars());
    this.prices = prices;
    this.defaultProject = settings.project();
    this.clock = clock;
    this.cache =
        settings.cacheEnabled()
            ? CacheLayer.create(
                settings.heapEntries(), settings.offheapBytes(), settings.cacheTtl())
            : CacheLayer.disabled();
    this.cleanupScheduler =
        settings
            .cleanupMaxAge()
            .map(
                maxAge ->
                    scheduleCleanup(maxAge, settings.cleanupInterval().orElse(Duration.ofHours(1))))
            .orElse(null);
  }

  @Override
  public String defaultProject() {
    return defaultProject;
  }

  // ---- writes
  // -------------------------------------------------------------------------------------------------

  @Override
  public WriteResult saveSession(SessionKey key, List<Message> messages, SaveOptions options) {
    requireKey(key);
    require(messages, "messages");
    require(options, "save options");
    if (key.isSubpath()
        && (options.tags() != null || options.summary() != null || options.attributes() != null)) {
      throw new InvalidInputException(
          "Cannot save "
              + key
              + ": tags, summary and attributes belong to the session,"
              + " not to a sub-transcript");
    }
    List<MessageFacts> facts = MessageFacts.of(messages);
    return withLock(
        key,
        () ->
            Retry.onConflict(
                key,
                () -> {
                  Optional<StoredHead> current = backend.head(key);
                  long version = current.map(StoredHead::version).orElse(0L);
                  if (options.expectedVersion() != null && options.expectedVersion() != version) {
                    throw staleVersion("save", key, version, options.expectedVersion());
                  }
                  Instant now = now();
                  Derivation derivation =
                      Derivation.EMPTY.plus(facts, prices.get(), mainHolds(key, facts), now);
                  if (current.isPresent()) {
                    derivation =
                        derivation.withSubsOf(Derivation.decode(current.get().derivation()));
                  }
                  SessionMetadata old = current.map(StoredHead::metadata).orElse(null);
                  Map<String, String> attributes =
                      new HashMap<>(old == null ? Map.of() : old.attributes());
                  if (options.attributes() != null) {
                    attributes.putAll(options.attributes());
                  }
                  SessionMetadata metadata =
                      (old == null
                              ? SessionMetadata.of(key, now)
                              : old.withUpdatedAt(later(now, old)))
                          .withCounts(facts.size(), derivation.totalCost(), derivation.turns())
                          .withUsage(derivation.total().toUsage())
                          .withAttributes(attributes)
                          .withSubpaths(subpathsFor(key, old))
                          .withLastActivityAt(MessageFacts.activity(facts, now))
                          .withVersion(version + 1);
                  if (options.tags() != null) {
                    metadata = metadata.withTags(options.tags());
                  }
                  if (options.summary() != null) {
                    metadata = metadata.withSummary(options.summary());
                  }
                  StoredHead head =
                      new StoredHead(key, metadata, newGeneration(), derivation.encode());
                  commitTranscript(
                      commitOf(Commit.Kind.REPLACE, version, facts, head),
                      current.orElse(null),
                      now);
                  cache.written(head);
                  dedup.committed(head, null, facts);
                  return new WriteResult(facts.size(), 0, metadata);
                }));
  }

  @Override
  public WriteResult appendMessages(SessionKey key, List<Message> messages) {
    requireKey(key);
    require(messages, "messages");
    List<MessageFacts> facts = MessageFacts.of(messages);
    if (facts.isEmpty()) {
      return new WriteResult(0, 0, getMetadata(key).orElse(null));
    }
    return withLock(
        key,
        () -> {
          // The cached head saves a read on the hot path; if it is stale the commit fails and the
          // head is re-read.
          Optional<StoredHead> current = cache.head(key);
          boolean fresh = current.isEmpty();
          if (fresh) {
            current = backend.head(key);
          }
          // Only messages with a uuid can be skipped: without any, the transcript need not be read.
          boolean anyUuid = facts.stream().anyMatch(f -> f.uuid() != null);
          for (int attempt = 1; ; attempt++) {
            DedupIndex.Entry known = null;
            List<MessageFacts> toStore = facts;
            try {
              if (anyUuid && current.isPresent()) {
                DedupIndex.Checked checked = dedup.notStored(backend, current.get(), facts);
                known = checked.entry();
                toStore = checked.notStored();
              }
            } catch (ConflictException e) {
              Retry.backOff(attempt, key, e);
              current = backend.head(key);
              fresh = true;
              continue;
            }
            int skipped = facts.size() - toStore.size();
            if (toStore.isEmpty()) {
              if (!fresh) {
                // Skips judged against a cached head stand only if the stored head is the same.
                Optional<StoredHead> stored = backend.head(key);
                fresh = true;
                if (!sameTranscript(stored, current)) {
                  current = stored;
                  continue;
                }
              }
              return new WriteResult(0, skipped, current.orElseThrow().metadata());
            }
            StoredHead head = appended(key, current.orElse(null), toStore, now());
            try {
              commitTranscript(
                  commitOf(
                      Commit.Kind.APPEND,
                      current.map(StoredHead::version).orElse(0L),
                      toStore,
                      head),
                  current.orElse(null),
                  head.metadata().updatedAt());
            } catch (ConflictException e) {
              cache.invalidate(key);
              Retry.backOff(attempt, key, e);
              current = backend.head(key);
              fresh = true;
              continue;
            }
            cache.written(head);
            if (known != null || current.isEmpty()) {
              dedup.committed(head, known, toStore);
            } else {
              dedup.forget(key);
            }
            return new WriteResult(toStore.size(), skipped, head.metadata());
          }
        });
  }

  /** Whether two heads are of the same transcript as it was at one version. */
  private static boolean sameTranscript(Optional<StoredHead> a, Optional<StoredHead> b) {
    return a.isPresent()
        && b.isPresent()
        && a.get().generation() == b.get().generation()
        && a.get().version() == b.get().version();
  }

  /** The head after appending messages to a transcript (absent: created now). */
  private StoredHead appended(
      SessionKey key, StoredHead current, List<MessageFacts> added, Instant updatedAt) {
    if (current == null) {
      Derivation d = Derivation.EMPTY.plus(added, prices.get(), mainHolds(key, added), updatedAt);
      SessionMetadata m =
          SessionMetadata.of(key, updatedAt)
              .withLastActivityAt(MessageFacts.activity(added, updatedAt))
              .withCounts(added.size(), d.totalCost(), d.turns())
              .withUsage(d.total().toUsage())
              .withSubpaths(subpathsFor(key, null))
              .withVersion(1);
      return new StoredHead(key, m, newGeneration(), d.encode());
    }
    Derivation d =
        Derivation.decode(current.derivation())
            .plus(added, prices.get(), mainHolds(key, added), updatedAt);
    SessionMetadata o = current.metadata();
    SessionMetadata m =
        o.withUpdatedAt(later(updatedAt, o))
            .withLastActivityAt(max(o.lastActivityAt(), MessageFacts.activity(added, updatedAt)))
            .withCounts(o.messageCount() + added.size(), d.totalCost(), d.turns())
            .withUsage(d.total().toUsage())
            .withVersion(o.version() + 1);
    return new StoredHead(key, m, current.generation(), d.encode());
  }

  @Override
  public SessionMetadata updateMetadata(SessionKey key, MetadataUpdate update) {
    requireKey(key);
    require(update, "metadata update");
    if (key.isSubpath()) {
      throw new InvalidInputException(
          "Cannot update "
              + key
              + ": tags, summary and attributes belong to the "
              + "session, not to a sub-transcript");
    }
    return withLock(
        key,
        () ->
            Retry.onConflict(
                key,
                () -> {
                  StoredHead current = backend.head(key).orElseThrow(() -> notFound(key));
                  if (update.expectedVersion() != null
                      && update.expectedVersion() != current.version()) {
                    throw staleVersion("update", key, current.version(), update.expectedVersion());
                  }
                  SessionMetadata o = current.metadata();
                  TreeSet<String> tags = new TreeSet<>(o.tags());
                  tags.addAll(update.addTags());
                  tags.removeAll(update.removeTags());
                  Map<String, String> attributes = new TreeMap<>(o.attributes());
                  attributes.putAll(update.putAttributes());
                  update.removeAttributes().forEach(attributes::remove);
                  String summary =
                      update.clearSummary()
                          ? null
                          : update.summary() != null ? update.summary() : o.summary();
                  SessionMetadata m =
                      o.withUpdatedAt(later(now(), o))
                          .withTags(tags)
                          .withSummary(summary)
                          .withAttributes(attributes)
                          .withVersion(o.version() + 1);
                  StoredHead head =
                      new StoredHead(key, m, current.generation(), current.derivation());
                  backend.commit(
                      new Commit(Commit.Kind.METADATA, current.version(), List.of(), head));
                  cache.written(head);
                  return m;
                }));
  }

  /**
   * Commits a change of a transcript. A sub-transcript's change also changes its session's head,
   * which lists the sub-transcripts, counts the cost of the {@code runs/*} ones and moves with
   * their {@code updatedAt}: where the backend can, both are one commit; elsewhere the session's
   * head follows in a second one.
   */
  private void commitTranscript(Commit commit, StoredHead before, Instant updatedAt) {
    SessionKey key = commit.head().key();
    if (!key.isSubpath()) {
      backend.commit(commit);
      return;
    }
    if (backend instanceof SupportsAtomicCommits atomic) {
      Optional<StoredHead> main = backend.head(key.main());
      Optional<StoredHead> mainAfter =
          main.flatMap(m -> mainHeadAfter(m, key, before, commit.head(), updatedAt));
      if (mainAfter.isPresent()) {
        atomic.commitAll(
            List.of(
                commit,
                new Commit(
                    Commit.Kind.METADATA, main.get().version(), List.of(), mainAfter.get())));
        cache.written(mainAfter.get());
        return;
      }
      backend.commit(commit);
      return;
    }
    backend.commit(commit);
    subTranscriptChanged(key, before, commit.head(), updatedAt);
  }

  /**
   * The second commit of a sub-transcript's change, for a backend without {@link
   * SupportsAtomicCommits}. A crash or an outage before it leaves the session's head behind; the
   * next write or import of that sub-transcript repairs it (a head that does not list a
   * sub-transcript is rebuilt from what is stored). A failure here never turns the committed write
   * into an error: the head catches up later, as after a crash.
   */
  private void subTranscriptChanged(
      SessionKey subKey, StoredHead before, StoredHead after, Instant updatedAt) {
    SessionKey mainKey = subKey.main();
    try {
      Retry.onConflict(
          mainKey,
          () -> {
            Optional<StoredHead> main = backend.head(mainKey);
            Optional<StoredHead> mainAfter =
                main.flatMap(m -> mainHeadAfter(m, subKey, before, after, updatedAt));
            if (mainAfter.isPresent()) {
              backend.commit(
                  new Commit(
                      Commit.Kind.METADATA, main.get().version(), List.of(), mainAfter.get()));
              cache.written(mainAfter.get());
            }
            return null;
          });
    } catch (ConflictException | io.sessionstore.api.BackendUnavailableException e) {
      LOG.warn(
          "{} is stored, but its session's metadata could not be updated ({}); it catches up at the next "
              + "write or import of it",
          subKey,
          e.getMessage());
    }
  }

  /**
   * The session's head after a sub-transcript changed from {@code before} to {@code after} (null:
   * deleted), at the next version; empty when nothing changes.
   */
  private Optional<StoredHead> mainHeadAfter(
      StoredHead main, SessionKey subKey, StoredHead before, StoredHead after, Instant updatedAt) {
    SessionMetadata o = main.metadata();
    Derivation d = Derivation.decode(main.derivation());
    if (after != null && !o.subpaths().contains(subKey.subpath())) {
      // New, or left out by a write that died between its two commits: take the listing from what
      // is stored.
      return Optional.of(reconciled(main, Map.of(subKey.subpath(), after), updatedAt));
    }
    TreeSet<String> listed = new TreeSet<>(o.subpaths());
    if (after == null) {
      listed.remove(subKey.subpath());
    }
    d = d.withSubsChanged(derivation(before), derivation(after));
    Instant updated = after == null ? o.updatedAt() : later(updatedAt, o);
    Instant active =
        after == null
            ? o.lastActivityAt()
            : max(o.lastActivityAt(), after.metadata().lastActivityAt());
    SessionMetadata m =
        o.withUpdatedAt(updated)
            .withLastActivityAt(active)
            .withCounts(o.messageCount(), d.totalCost(), o.turns())
            .withUsage(d.total().toUsage())
            .withSubpaths(listed)
            .withVersion(o.version() + 1);
    // A sub-transcript that changed always moves its session's version, even when nothing the
    // session's metadata shows changed: readers that follow sessions by version (the full-text
    // index) must see it.
    boolean subChanged =
        after != null
            && (before == null
                || before.messageCount() != after.messageCount()
                || before.generation() != after.generation());
    if (!subChanged && m.equals(o.withVersion(o.version() + 1))) {
      return Optional.empty();
    }
    return Optional.of(new StoredHead(main.key(), m, main.generation(), d.encode()));
  }

  /**
   * The session's head, at the next version, listing every stored sub-transcript and the {@code
   * changed} ones, with the runs' cost summed anew from their heads ({@code changed} ones as they
   * will be).
   */
  private StoredHead reconciled(
      StoredHead main, Map<String, StoredHead> changed, Instant updatedAt) {
    SessionKey mainKey = main.key();
    TreeSet<String> subpaths = new TreeSet<>(backend.subpaths(mainKey));
    subpaths.addAll(changed.keySet());
    List<Derivation> subs = new ArrayList<>();
    for (String subpath : subpaths) {
      StoredHead sub =
          changed.containsKey(subpath)
              ? changed.get(subpath)
              : backend.head(mainKey.withSubpath(subpath)).orElse(null);
      subs.add(derivation(sub));
    }
    SessionMetadata o = main.metadata();
    Derivation d = Derivation.decode(main.derivation()).withSubsSummed(subs);
    Instant active = o.lastActivityAt();
    for (StoredHead c : changed.values()) {
      active = c == null ? active : max(active, c.metadata().lastActivityAt());
    }
    SessionMetadata m =
        o.withUpdatedAt(later(updatedAt, o))
            .withLastActivityAt(active)
            .withCounts(o.messageCount(), d.totalCost(), o.turns())
            .withUsage(d.total().toUsage())
            .withSubpaths(subpaths)
            .withVersion(o.version() + 1);
    return new StoredHead(mainKey, m, main.generation(), d.encode());
  }

  /** A transcript's derivation state (null when it is absent). */
  private static Derivation derivation(StoredHead head) {
    return head == null ? null : Derivation.decode(head.derivation());
  }

  /**
   * For a sub-transcript's new lines: whether the session's main transcript holds an API message
   * (by {@link Derivation#idHash}), as far as its head remembers ({@link Derivation#mainIds()}); a
   * sidechain line of one does not count again. The head is read only when a new line is a
   * sidechain line with usage.
   */
  private java.util.function.Predicate<String> mainHolds(SessionKey key, List<MessageFacts> added) {
    if (!key.isSubpath()
        || added.stream().noneMatch(f -> f.usage() != null && f.usage().sidechain())) {
      return id -> false;
    }
    Optional<StoredHead> main = cache.head(key.main());
    if (main.isEmpty()) {
      main = backend.head(key.main());
    }
    java.util.Set<String> ids =
        main.map(h -> Derivation.decode(h.derivation()).mainIds()).orElse(java.util.Set.of());
    return ids::contains;
  }

  /**
   * After an import found a sub-transcript unchanged: makes sure its session's head lists it (see
   * above).
   */
  void subTranscriptUnchanged(SessionKey subKey) {
    withLock(
        subKey,
        () -> {
          backend.head(subKey).ifPresent(h -> subTranscriptChanged(subKey, h, h, Instant.MIN));
          return null;
        });
  }

  @Override
  public boolean deleteSession(SessionKey key) {
    requireKey(key);
    return withLock(
        key,
        () -> {
          if (key.isSubpath()) {
            Optional<StoredHead> before = backend.head(key);
            boolean existed = backend.delete(key, StorageBackend.ANY_VERSION);
            forget(key);
            if (before.isPresent()) {
              subTranscriptChanged(key, before.get(), null, now());
            }
            return existed;
          }
          return deleteSessionAt(key, StorageBackend.ANY_VERSION);
        });
  }

  /** Deletes a session and its sub-transcripts if its main transcript is at the given version. */
  private boolean deleteSessionAt(SessionKey key, long expectedVersion) {
    List<String> subpaths = backend.subpaths(key);
    boolean existed = backend.delete(key, expectedVersion);
    forget(key);
    subpaths.forEach(s -> forget(key.withSubpath(s)));
    return existed || !subpaths.isEmpty();
  }

  private void forget(SessionKey key) {
    cache.invalidate(key);
    dedup.forget(key);
  }

  // ---- reads
  // --------------------------------------------------------------------------------------------------

  @Override
  public Optional<Session> loadSession(SessionKey key) {
    requireKey(key);
    Optional<Session> cached = cache.session(key);
    if (cached.isPresent()) {
      return cached;
    }
    // A conflict here: the session was replaced while it was read; read the new one.
    return Retry.onConflict(
        key,
        () -> {
          long epoch = locks.epoch(key);
          Optional<StoredHead> head = backend.head(key);
          if (head.isEmpty()) {
            return Optional.empty();
          }
          try (Stream<String> lines = backend.messages(head.get(), 0)) {
            Session session = new Session(head.get().metadata(), lines.map(Message::of).toList());
            fillCache(key, epoch, () -> cache.loaded(head.get(), session));
            return Optional.of(session);
          }
        });
  }

  @Override
  public Optional<SessionMetadata> getMetadata(SessionKey key) {
    requireKey(key);
    Optional<StoredHead> cached = cache.head(key);
    if (cached.isPresent()) {
      return cached.map(StoredHead::metadata);
    }
    long epoch = locks.epoch(key);
    Optional<StoredHead> head = backend.head(key);
    head.ifPresent(h -> fillCache(key, epoch, () -> cache.written(h)));
    return head.map(StoredHead::metadata);
  }

  @Override
  public Stream<Message> streamMessages(SessionKey key) {
    requireKey(key);
    StoredHead head = backend.head(key).orElseThrow(() -> notFound(key));
    return backend.messages(head, 0).map(Message::of);
  }

  @Override
  public List<Message> loadMessages(SessionKey key, long from, int limit) {
    requireKey(key);
    if (from < 0 || limit < 0) {
      throw new InvalidInputException(
          "Invalid range: from " + from + " and limit " + limit + " must not be negative");
    }
    StoredHead head = backend.head(key).orElseThrow(() -> notFound(key));
    if (from >= head.messageCount() || limit == 0) {
      return List.of();
    }
    try (Stream<String> lines = backend.messages(head, from)) {
      return lines.limit(limit).map(Message::of).toList();
    }
  }

  @Override
  public Page<SessionMetadata> search(SearchQuery query) {
    checkOpen();
    require(query, "query");
    if (query.matching() != null) {
      Page<SessionHit> hits = searchText(query);
      return new Page<>(
          hits.items().stream().map(SessionHit::metadata).toList(), hits.nextCursor());
    }
    if (backend instanceof SupportsSearch native_) {
      return Search.page(native_.search(query), query);
    }
    if (backend instanceof SupportsOrderedListing ordered) {
      try (Stream<StoredHead> heads = ordered.listInOrder(query.scope())) {
        return Search.runInOrder(heads.map(StoredHead::metadata), query);
      }
    }
    try (Stream<StoredHead> heads = backend.list(query.scope())) {
      return Search.run(heads.map(StoredHead::metadata), query);
    }
  }

  @Override
  public Page<SessionHit> searchText(SearchQuery query, ProgressListener progress) {
    checkOpen();
    require(query, "query");
    require(progress, "progress");
    if (query.matching() == null) {
      throw new InvalidInputException(
          "Invalid full-text search: the query has no text to match (SearchQuery.matching)");
    }
    return textIndex().search(query, progress);
  }

  @Override
  public long rebuildTextIndex(ProgressListener progress) {
    checkOpen();
    require(progress, "progress");
    return textIndex().rebuild(progress);
  }

  private synchronized TextIndex textIndex() {
    if (textIndex == null) {
      textIndex = TextIndex.open(textIndexSettings.get(), backend);
    }
    return textIndex;
  }

  @Override
  public List<SessionMetadata> findSessions(String sessionId) {
    checkOpen();
    SessionKey.checkName("session id", sessionId);
    try (Stream<StoredHead> heads = backend.findSessions(sessionId)) {
      return heads.map(StoredHead::metadata).sorted(Search.ORDER).toList();
    }
  }

  @Override
  public List<SessionMetadata> findSessionsByPrefix(Scope scope, String prefix) {
    checkOpen();
    require(scope, "scope");
    if (require(prefix, "session id prefix").isEmpty()) {
      throw new InvalidInputException("Invalid session id prefix: it is empty");
    }
    try (Stream<StoredHead> heads = backend.findSessionsByPrefix(scope, prefix)) {
      return heads.map(StoredHead::metadata).sorted(Search.ORDER).toList();
    }
  }

  @Override
  public List<String> listSubpaths(SessionKey session) {
    requireKey(session);
    return backend.subpaths(session.main());
  }

  @Override
  public Optional<String> changeToken() {
    checkOpen();
    return backend.changeToken();
  }

  @Override
  public long adoptSessions(Scope scope, ProgressListener progress) {
    checkOpen();
    require(scope, "scope");
    require(progress, "progress");
    return backend instanceof SupportsAdoption adopting ? adopting.adopt(scope, progress) : 0;
  }

  @Override
  public io.sessionstore.api.UsageReport usageReport(
      SearchQuery query, io.sessionstore.api.UsageGrouping by, java.time.ZoneId zone) {
    checkOpen();
    require(query, "query");
    require(by, "grouping");
    require(zone, "time zone");
    List<StoredHead> selected;
    try (Stream<StoredHead> heads = backend.list(query.scope())) {
      selected = heads.filter(h -> Search.matches(h.metadata(), query)).toList();
    }
    return UsageReports.of(copiesCountedOnce(selected).stream(), by, zone);
  }

  /**
   * The heads of a report, an API message copied into several of its sessions counted once: in the
   * oldest of them (created first; of two created at once, as an import of a resumed transcript and
   * its origin are, the one whose last activity came first). A session resumed or forked begins
   * with a copy of its origin's history, so only sessions that begin with the same API message
   * ({@link Derivation#firstKey}) are read; a session that holds copies has what they added taken
   * off its head's totals and hours. A session replaced or deleted meanwhile keeps its listed head.
   */
  private List<StoredHead> copiesCountedOnce(List<StoredHead> heads) {
    Map<String, List<StoredHead>> byFirst = new HashMap<>();
    for (StoredHead h : heads) {
      String first = Derivation.firstKeyOf(h.derivation());
      if (first != null) {
        byFirst.computeIfAbsent(first, k -> new ArrayList<>()).add(h);
      }
    }
    Map<SessionKey, StoredHead> recounted = new HashMap<>();
    for (List<StoredHead> group : byFirst.values()) {
      if (group.size() < 2) {
        continue;
      }
      List<StoredHead> oldestFirst = new ArrayList<>(group);
      oldestFirst.sort(
          Comparator.comparing((StoredHead h) -> h.metadata().createdAt())
              .thenComparing(h -> h.metadata().lastActivityAt())
              .thenComparing(h -> h.key().toString()));
      java.util.Set<String> counted = new java.util.HashSet<>();
      for (StoredHead h : oldestFirst) {
        try {
          java.util.Set<String> own = new java.util.HashSet<>();
          Derivation all = rederivedSession(h, null, own);
          if (!java.util.Collections.disjoint(own, counted)) {
            Derivation alone = rederivedSession(h, counted::contains, null);
            recounted.put(h.key(), withoutCopies(h, all, alone));
          }
          counted.addAll(own);
        } catch (ConflictException | NotFoundException e) {
          LOG.debug("{} changed while a usage report read it; its listed head counts", h.key());
        }
      }
    }
    return recounted.isEmpty()
        ? heads
        : heads.stream().map(h -> recounted.getOrDefault(h.key(), h)).toList();
  }

  /**
   * A head with what its copies of other sessions' API messages added taken off: the difference
   * between its messages derived with and without them, in all and per hour (copies keep their
   * lines' own times, so their hours are exact).
   */
  private static StoredHead withoutCopies(StoredHead head, Derivation all, Derivation alone) {
    UsageTally copies = all.total().minus(alone.total());
    UsageHours copyHours = all.totalHours().minus(alone.totalHours());
    Derivation d = Derivation.decode(head.derivation());
    d = d.withSubs(d.subs().minus(copies), d.subsHours().minus(copyHours));
    SessionMetadata m = head.metadata();
    return new StoredHead(
        head.key(),
        m.withCounts(m.messageCount(), d.totalCost(), m.turns()).withUsage(d.total().toUsage()),
        head.generation(),
        d.encode());
  }

  /**
   * A session's derivation from its stored messages, its sub-transcripts' included, leaving out the
   * API messages counted elsewhere; collects the {@link Derivation#exactKey}s of its own.
   */
  private Derivation rederivedSession(
      StoredHead main,
      java.util.function.Predicate<String> countedElsewhere,
      java.util.Set<String> keys) {
    java.util.Set<String> mainIds = new java.util.HashSet<>();
    Derivation d = rederived(main, id -> false, countedElsewhere, mainIds, keys);
    List<Derivation> subs = new ArrayList<>();
    for (String subpath : backend.subpaths(main.key())) {
      backend
          .head(main.key().withSubpath(subpath))
          .ifPresent(
              sub -> subs.add(rederived(sub, mainIds::contains, countedElsewhere, null, keys)));
    }
    return d.withSubsSummed(subs);
  }

  @Override
  public PriceTable priceTable() {
    return prices.get();
  }

  @Override
  public long reindexUsage(Scope scope, boolean all, ProgressListener progress) {
    checkOpen();
    require(scope, "scope");
    require(progress, "progress");
    List<SessionKey> todo;
    try (Stream<StoredHead> heads = backend.list(scope)) {
      todo =
          heads
              .filter(h -> all || h.metadata().usage() == null)
              .map(StoredHead::key)
              .sorted(Comparator.comparing(SessionKey::toString))
              .toList();
    }
    long done = 0;
    for (SessionKey key : todo) {
      if (withLock(key, () -> Retry.onConflict(key, () -> reindexSession(key, all)))) {
        done++;
      }
      progress.progress(done, todo.size());
    }
    return done;
  }

  /**
   * Derives a session's usage anew from its messages: its sub-transcripts first (a sidechain copy
   * of a message of the main transcript known exactly, as on import), then its head.
   */
  private boolean reindexSession(SessionKey key, boolean all) {
    Optional<StoredHead> current = backend.head(key);
    if (current.isEmpty() || (!all && current.get().metadata().usage() != null)) {
      return false;
    }
    java.util.Set<String> mainIds = new java.util.HashSet<>();
    Derivation main = rederived(current.get(), id -> false, null, mainIds, null);
    Map<String, StoredHead> subs = new TreeMap<>();
    for (String subpath : backend.subpaths(key)) {
      SessionKey subKey = key.withSubpath(subpath);
      Optional<StoredHead> sub = backend.head(subKey);
      if (sub.isEmpty()) {
        continue;
      }
      Derivation d = rederived(sub.get(), mainIds::contains, null, null, null);
      SessionMetadata o = sub.get().metadata();
      StoredHead head =
          new StoredHead(
              subKey,
              o.withCounts(o.messageCount(), d.totalCost(), d.turns())
                  .withUsage(d.total().toUsage())
                  .withVersion(o.version() + 1),
              sub.get().generation(),
              d.encode());
      backend.commit(new Commit(Commit.Kind.METADATA, o.version(), List.of(), head));
      cache.written(head);
      subs.put(subpath, head);
    }
    StoredHead withMain =
        new StoredHead(key, current.get().metadata(), current.get().generation(), main.encode());
    StoredHead head = reconciled(withMain, subs, Instant.MIN);
    head =
        new StoredHead(
            key,
            head.metadata()
                .withUpdatedAt(current.get().metadata().updatedAt())
                .withCounts(
                    head.metadata().messageCount(),
                    Derivation.decode(head.derivation()).totalCost(),
                    main.turns()),
            head.generation(),
            head.derivation());
    backend.commit(new Commit(Commit.Kind.METADATA, current.get().version(), List.of(), head));
    cache.written(head);
    return true;
  }

  /**
   * A transcript's derivation from its stored messages, read in batches.
   *
   * @param countedElsewhere API messages another session counts, by {@link Derivation#exactKey}, or
   *     null
   * @param ids collects the main transcript's API messages (by {@link Derivation#idHash}), or null
   * @param keys collects the transcript's API messages by {@link Derivation#exactKey}, or null
   */
  private Derivation rederived(
      StoredHead head,
      java.util.function.Predicate<String> mainHolds,
      java.util.function.Predicate<String> countedElsewhere,
      java.util.Set<String> ids,
      java.util.Set<String> keys) {
    Derivation d = Derivation.EMPTY;
    List<MessageFacts> batch = new ArrayList<>();
    try (Stream<String> lines = backend.messages(head, 0)) {
      Iterator<String> it = lines.iterator();
      long n = 0;
      while (it.hasNext()) {
        MessageFacts f = MessageFacts.of(it.next(), "stored message " + ++n + " of " + head.key());
        if (ids != null
            && f.usage() != null
            && !f.usage().sidechain()
            && f.usage().messageId() != null) {
          ids.add(Derivation.idHash(f.usage().messageId()));
        }
        if (keys != null && f.usage() != null && Derivation.exactKey(f.usage()) != null) {
          keys.add(Derivation.exactKey(f.usage()));
        }
        batch.add(f);
        if (batch.size() == 1000) {
          d = d.plus(batch, prices.get(), mainHolds, countedElsewhere, null);
          batch.clear();
        }
      }
    }
    // When each line was written is not stored: lines without a timestamp count in no hour.
    return d.plus(batch, prices.get(), mainHolds, countedElsewhere, null);
  }

  // ---- maintenance
  // --------------------------------------------------------------------------------------------

  @Override
  public CleanupResult cleanupOldSessions(
      Duration maxAge,
      Scope scope,
      java.util.Set<String> keepTags,
      boolean dryRun,
      ProgressListener progress) {
    checkOpen();
    require(scope, "scope");
    require(keepTags, "tags to keep");
    // The same checks as a search's tags: an invalid one is bad input, not a tag nothing carries.
    java.util.Set<String> keep = SearchQuery.in(scope).anyTags(keepTags).build().anyTags();
    if (maxAge == null || maxAge.isNegative()) {
      throw new InvalidInputException(
          "Invalid maximum age " + maxAge + ": it must be a positive duration");
    }
    Instant cutoff;
    try {
      cutoff = now().minus(maxAge);
    } catch (java.time.DateTimeException | ArithmeticException e) {
      throw new InvalidInputException("Invalid maximum age " + maxAge + ": it is too long");
    }
    List<SessionMetadata> old;
    try (Stream<StoredHead> heads = backend.list(scope)) {
      old =
          heads
              .map(StoredHead::metadata)
              .filter(m -> m.lastActivityAt().isBefore(cutoff))
              .filter(m -> m.tags().stream().noneMatch(keep::contains))
              .sorted(Comparator.comparing(SessionMetadata::lastActivityAt))
              .collect(Collectors.toList());
    }
    if (dryRun) {
      return new CleanupResult(old, true);
    }
    List<SessionMetadata> removed = new ArrayList<>();
    // A few sessions at once: each delete is a few round trips to a remote store.
    try (Pipeline<Boolean> deletes = new Pipeline<>("cleanup")) {
      Iterator<SessionMetadata> next = old.iterator();
      int taken = 0;
      while (next.hasNext() || deletes.pending() > 0) {
        if (next.hasNext() && deletes.hasRoom()) {
          SessionMetadata m = next.next();
          deletes.submit(m.key(), 0, ticket -> deleteIfStillOld(m.key(), cutoff, keep));
          continue;
        }
        if (deletes.take()) {
          removed.add(old.get(taken));
        }
        taken++;
        progress.progress(removed.size(), old.size());
      }
    }
    if (backend instanceof SupportsHousekeeping housekeeping) {
      long leftovers = housekeeping.removeLeftovers();
      if (leftovers > 0) {
        LOG.info("Cleanup removed {} stored objects no session refers to any more", leftovers);
      }
    }
    return new CleanupResult(removed, false);
  }

  /**
   * Deletes a session unless it was written to or given a tag to keep since it was found old, or is
   * gone.
   */
  private boolean deleteIfStillOld(SessionKey key, Instant cutoff, java.util.Set<String> keep) {
    return withLock(
        key,
        () -> {
          Optional<StoredHead> now = backend.head(key);
          if (now.isEmpty()
              || !now.get().metadata().lastActivityAt().isBefore(cutoff)
              || now.get().metadata().tags().stream().anyMatch(keep::contains)) {
            return false;
          }
          try {
            // Conditional on the version just checked: a write by another process in between keeps
            // the session.
            return deleteSessionAt(key, now.get().version());
          } catch (ConflictException e) {
            return false;
          }
        });
  }

  private ScheduledExecutorService scheduleCleanup(Duration maxAge, Duration interval) {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sessionstore-cleanup");
              t.setDaemon(true);
              return t;
            });
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            CleanupResult r = cleanupOldSessions(maxAge, Scope.allProjects(), false);
            LOG.info("Scheduled cleanup removed {} sessions not active for {}", r.count(), maxAge);
          } catch (RuntimeException e) {
            LOG.warn("Scheduled cleanup failed: {}", e.getMessage(), e);
          }
        },
        interval.toMillis(),
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return scheduler;
  }

  @Override
  public ExportResult exportSessions(
      SearchQuery query, OutputStream out, ProgressListener progress) {
    checkOpen();
    require(query, "query");
    require(out, "output stream");
    return new ArchiveWriter(this, backend).write(query, out, progress);
  }

  @Override
  public MigrationResult migrateTo(
      SessionStore target, SearchQuery query, ProgressListener progress) {
    checkOpen();
    require(target, "target store");
    require(query, "query");
    if (target == this) {
      throw new InvalidInputException("Cannot migrate a store to itself");
    }
    return new Migration(new ArchiveWriter(this, backend)).run(target, query, progress);
  }

  @Override
  public ImportResult importSessions(InputStream in, ImportOptions options) {
    checkOpen();
    require(in, "input stream");
    require(options, "import options");
    return new ArchiveImporter(this, backend).read(in, options);
  }

  @Override
  public ImportResult importSession(
      SessionMetadata metadata,
      List<Message> messages,
      Map<String, List<Message>> subpaths,
      ImportOptions options) {
    checkOpen();
    require(metadata, "metadata");
    require(messages, "messages");
    require(subpaths, "sub-transcripts' messages");
    require(options, "import options");
    return new ArchiveImporter(this, backend).importOne(metadata, messages, subpaths, options);
  }

  @Override
  public ImportResult importSessionTail(
      SessionMetadata metadata,
      TranscriptTail main,
      Map<String, TranscriptTail> subpaths,
      ImportOptions options) {
    checkOpen();
    require(metadata, "metadata");
    require(main, "main transcript's tail");
    require(subpaths, "sub-transcripts' tails");
    require(options, "import options");
    return new ArchiveImporter(this, backend).mergeTail(metadata, main, subpaths, options);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (cleanupScheduler != null) {
      cleanupScheduler.shutdownNow();
    }
    try {
      synchronized (this) {
        if (textIndex != null) {
          textIndex.close();
        }
      }
      cache.close();
    } finally {
      backend.close();
    }
  }

  // ---- used by the archive import: writes that keep the archive's timestamps
  // -----------------------------------

  /** One transcript's change by an import, decided before anything is written. */
  record ImportChange(Commit commit, Instant updatedAt) {}

  /**
   * The change that creates a transcript, or replaces one, with the archive's messages, user fields
   * and times.
   */
  ImportChange importReplace(
      SessionKey key,
      StoredHead current,
      List<MessageFacts> facts,
      SessionMetadata archived,
      java.util.function.Predicate<String> mainHolds) {
    Derivation d = Derivation.EMPTY.plus(facts, prices.get(), mainHolds, archived.lastActivityAt());
    if (current != null) {
      d = d.withSubsOf(Derivation.decode(current.derivation()));
    }
    SessionMetadata o = current == null ? null : current.metadata();
    Instant updated = o == null ? archived.updatedAt() : max(archived.updatedAt(), o.updatedAt());
    SessionMetadata m =
        SessionMetadata.of(key, o == null ? archived.createdAt() : o.createdAt())
            .withUpdatedAt(updated)
            .withCounts(facts.size(), d.totalCost(), d.turns())
            .withUsage(d.total().toUsage())
            .withTags(archived.tags())
            .withSummary(archived.summary())
            .withAttributes(archived.attributes())
            .withSubpaths(subpathsFor(key, o))
            .withLastActivityAt(MessageFacts.activity(facts, archived.lastActivityAt()))
            .withVersion((o == null ? 0 : o.version()) + 1);
    StoredHead head = new StoredHead(key, m, newGeneration(), d.encode());
    return new ImportChange(
        commitOf(Commit.Kind.REPLACE, o == null ? 0 : o.version(), facts, head),
        archived.updatedAt());
  }

  /**
   * The change that appends an archive's missing tail as it is (no uuid check) and merges tags and
   * times (the stored summary and attributes win unless {@code archivedWins}), or null when nothing
   * changes.
   */
  ImportChange importExtend(
      StoredHead current,
      List<MessageFacts> tail,
      SessionMetadata archived,
      boolean archivedWins,
      java.util.function.Predicate<String> mainHolds) {
    SessionMetadata o = current.metadata();
    TreeSet<String> tags = new TreeSet<>(o.tags());
    tags.addAll(archived.tags());
    SessionMetadata first = archivedWins ? o : archived;
    SessionMetadata second = archivedWins ? archived : o;
    Map<String, String> attributes = new TreeMap<>(first.attributes());
    attributes.putAll(second.attributes());
    Instant updated = max(o.updatedAt(), archived.updatedAt());
    String summary = second.summary() != null ? second.summary() : first.summary();
    Derivation d =
        Derivation.decode(current.derivation())
            .plus(tail, prices.get(), mainHolds, archived.lastActivityAt());
    Instant active =
        tail.isEmpty()
            ? o.lastActivityAt()
            : max(o.lastActivityAt(), MessageFacts.activity(tail, archived.lastActivityAt()));
    SessionMetadata m =
        o.withUpdatedAt(updated)
            .withLastActivityAt(active)
            .withCounts(o.messageCount() + tail.size(), d.totalCost(), d.turns())
            .withUsage(d.total().toUsage())
            .withTags(tags)
            .withSummary(summary)
            .withAttributes(attributes)
            .withVersion(o.version() + 1);
    if (tail.isEmpty() && m.equals(o.withVersion(o.version() + 1))) {
      return null;
    }
    StoredHead head = new StoredHead(current.key(), m, current.generation(), d.encode());
    return new ImportChange(
        commitOf(
            tail.isEmpty() ? Commit.Kind.METADATA : Commit.Kind.APPEND, o.version(), tail, head),
        updated);
  }

  /**
   * Applies an import's changes of one session's transcripts. A change of sub-transcripts goes with
   * one commit of the session's head that lists them all and counts their runs' cost. Where the
   * backend can, they are one commit together, so a crash leaves the session as it was or as the
   * archive has it; elsewhere the sub-transcripts are committed first and the session's head last,
   * so that the head never lists what is not stored yet, and a crash between them is repaired by
   * the next import (it finds the sub-transcripts unchanged and the head behind).
   *
   * @throws ConflictException when another writer changed one of them meanwhile
   */
  void applyImport(List<ImportChange> changes) {
    if (changes.isEmpty()) {
      return;
    }
    SessionKey mainKey = changes.get(0).commit().head().key().main();
    withLock(
        mainKey,
        () -> {
          List<Commit> commits = commitsOf(mainKey, changes);
          if (backend instanceof SupportsAtomicCommits atomic && commits.size() > 1) {
            atomic.commitAll(commits);
          } else {
            commits.forEach(backend::commit);
          }
          written(commits);
          return null;
        });
  }

  /**
   * Applies the import's changes of many sessions, each as {@link #applyImport} applies it, in one
   * batch of the backend: the whole batch is made durable together.
   *
   * @param sessions each session's changes (not empty), no session twice
   * @return for each session in turn, {@code null} when its changes were applied, or the conflict
   *     with another writer that left it unchanged
   */
  List<ConflictException> applyImports(
      SupportsBatchCommits batch, List<List<ImportChange>> sessions) {
    List<SessionKey> keys =
        sessions.stream().map(c -> c.get(0).commit().head().key().main()).toList();
    List<ReentrantLock> held = locks.lockAll(keys);
    try {
      List<List<Commit>> commits = new ArrayList<>(sessions.size());
      for (int i = 0; i < sessions.size(); i++) {
        commits.add(commitsOf(keys.get(i), sessions.get(i)));
      }
      List<ConflictException> conflicts = batch.commitSessions(commits);
      for (int i = 0; i < commits.size(); i++) {
        if (conflicts.get(i) == null) {
          written(commits.get(i));
        }
      }
      return conflicts;
    } finally {
      keys.forEach(locks::written);
      for (int i = held.size() - 1; i >= 0; i--) {
        held.get(i).unlock();
      }
    }
  }

  /**
   * A session's commits for an import's changes: the sub-transcripts' first, then the session's
   * head, which lists them (changed itself, or only for them).
   */
  private List<Commit> commitsOf(SessionKey mainKey, List<ImportChange> changes) {
    List<Commit> subs = new ArrayList<>();
    Optional<Commit> session = Optional.empty();
    for (ImportChange c : changes) {
      if (c.commit().head().key().isSubpath()) {
        subs.add(c.commit());
      } else {
        session = Optional.of(c.commit());
      }
    }
    if (!subs.isEmpty()) {
      session = sessionHeadOf(mainKey, changes);
    }
    List<Commit> commits = new ArrayList<>(subs);
    session.ifPresent(commits::add);
    return commits;
  }

  /** What the cache and the uuid index learn from committed commits. */
  private void written(List<Commit> commits) {
    for (Commit c : commits) {
      cache.written(c.head());
      dedup.forget(c.head().key());
    }
  }

  /**
   * The commit of the session's head that goes with an import's changes of its sub-transcripts: the
   * main transcript's own change, or a metadata change of its stored head, listing them and
   * counting their runs' cost.
   */
  private Optional<Commit> sessionHeadOf(SessionKey mainKey, List<ImportChange> changes) {
    ImportChange own =
        changes.stream().filter(c -> !c.commit().head().key().isSubpath()).findFirst().orElse(null);
    StoredHead main = own != null ? own.commit().head() : backend.head(mainKey).orElse(null);
    if (main == null) {
      return Optional.empty();
    }
    Map<String, StoredHead> subs = new TreeMap<>();
    Instant updated = Instant.MIN;
    for (ImportChange c : changes) {
      if (c.commit().head().key().isSubpath()) {
        subs.put(c.commit().head().key().subpath(), c.commit().head());
        updated = max(updated, c.updatedAt());
      }
    }
    StoredHead head = reconciled(main, subs, updated);
    // reconciled() moves to the next version: the commit's own version stays what it is.
    long expected = own != null ? own.commit().expectedVersion() : main.version();
    head =
        new StoredHead(
            mainKey,
            head.metadata().withVersion(expected + 1),
            head.generation(),
            head.derivation());
    return Optional.of(
        new Commit(
            own != null ? own.commit().kind() : Commit.Kind.METADATA,
            expected,
            own != null ? own.commit().messages() : List.of(),
            own != null ? own.commit().messagesUtf8() : List.of(),
            head));
  }

  // ---- helpers
  // ------------------------------------------------------------------------------------------------

  /**
   * Runs a write holding the session's lock; readers that started before it do not cache what they
   * read.
   */
  private <T> T withLock(SessionKey key, Supplier<T> work) {
    ReentrantLock lock = locks.of(key);
    lock.lock();
    try {
      return work.get();
    } finally {
      locks.written(key);
      lock.unlock();
    }
  }

  /** Caches what a read found, unless a write of the session finished since the read began. */
  private void fillCache(SessionKey key, long epochBeforeRead, Runnable fill) {
    ReentrantLock lock = locks.of(key);
    lock.lock();
    try {
      if (locks.epoch(key) == epochBeforeRead) {
        fill.run();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The subpaths a main transcript's head lists: kept from the old head, or found when it is
   * created.
   */
  private List<String> subpathsFor(SessionKey key, SessionMetadata old) {
    if (key.isSubpath()) {
      return List.of();
    }
    return old != null ? old.subpaths() : backend.subpaths(key);
  }

  private void requireKey(SessionKey key) {
    checkOpen();
    require(key, "key");
  }

  /** A null argument is bad input, named, like any other. */
  private static <T> T require(T value, String what) {
    if (value == null) {
      throw new InvalidInputException("Invalid " + what + ": it is missing");
    }
    return value;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("This session store is closed");
    }
  }

  /**
   * The commit of these messages: of their UTF-8 bytes when some were read as bytes (the others are
   * encoded here), else of their texts.
   */
  private static Commit commitOf(
      Commit.Kind kind, long expectedVersion, List<MessageFacts> facts, StoredHead head) {
    if (facts.stream().allMatch(f -> f.utf8() == null)) {
      return new Commit(
          kind, expectedVersion, facts.stream().map(MessageFacts::text).toList(), head);
    }
    List<byte[]> utf8 =
        facts.stream()
            .map(f -> f.utf8() != null ? f.utf8() : f.text().getBytes(StandardCharsets.UTF_8))
            .toList();
    return Commit.ofUtf8(kind, expectedVersion, utf8, head);
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** {@code updatedAt} never moves backwards, even when the clock does. */
  private static Instant later(Instant now, SessionMetadata old) {
    return old == null ? now : max(now, old.updatedAt());
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static long newGeneration() {
    return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
  }

  private static NotFoundException notFound(SessionKey key) {
    return new NotFoundException("Session " + key + " does not exist");
  }

  private static ConflictException staleVersion(
      String what, SessionKey key, long stored, long expected) {
    return new Retry.StaleVersion(
        "Cannot "
            + what
            + " "
            + key
            + ": it is at version "
            + stored
            + ", not the expected "
            + expected
            + " (another writer changed it); reload it and retry");
  }
}
