package io.sessionstore.backend.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteException;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Sorts;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchPosition;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.HeadCodec;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.SupportsBatchReads;
import io.sessionstore.spi.SupportsHousekeeping;
import io.sessionstore.spi.SupportsRequestCounts;
import io.sessionstore.spi.SupportsSearch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Decimal128;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions in MongoDB. Heads live in {@code <prefix>heads}, one document per transcript; messages
 * in {@code <prefix>messages}, one document per message (a message over 15 MB in several chunks),
 * with the id {@code <transcript>|<generation>|<sequence>|<chunk>} and the same fields under a
 * unique index. See the module README.
 *
 * <p>An append inserts its messages at the sequence numbers after the head's count (the unique key
 * makes two writers' inserts collide instead of both landing), then replaces the head on the
 * condition that it still has the version (and generation) it was read with. Whoever loses either
 * step gets a conflict, and removes what it inserted; the core then retries from the new head.
 * Nothing relies on {@code $inc} or on transactions, which mongo-java-server (the test server) does
 * not make atomic or offer. Reads stop at the head's count, so messages a crashed writer left
 * behind are never seen; the next writer at those numbers clears them.
 */
public final class MongoBackend
    implements StorageBackend,
        SupportsSearch,
        SupportsHousekeeping,
        SupportsRequestCounts,
        SupportsBatchReads {
  private static final Logger LOG = LoggerFactory.getLogger(MongoBackend.class);

  /** Under MongoDB's 16 MB document limit with room for the other fields. */
  static final int CHUNK_CHARS = 15 * 1024 * 1024 / 4;

  private static final char SEP = '\u001f';

  /** No live writer takes this long between inserting its messages and updating the head. */
  static final Duration LEFTOVER_AGE = Duration.ofMinutes(1);

  private final String uri;
  private final String database;
  private final String prefix;
  private final String writeConcern;
  private final Duration ttl;
  private final Duration timeout;
  private final CommandCounter commands = new CommandCounter();
  private MongoClient client;
  private MongoDatabase db;
  private MongoCollection<Document> heads;
  private MongoCollection<Document> messages;

  /**
   * Asked of the server when first needed, so that a process that only reads never sends the
   * command.
   */
  private volatile Long clockOffset;

  MongoBackend(
      String uri,
      String database,
      String prefix,
      String writeConcern,
      Duration ttl,
      Duration timeout) {
    this.uri = uri;
    this.database = database;
    this.prefix = prefix;
    this.writeConcern = writeConcern;
    this.ttl = ttl;
    this.timeout = timeout;
  }

  @Override
  public void start() {
    ConnectionString cs;
    try {
      cs = new ConnectionString(uri);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          "Invalid sessionstore.mongo.uri: not a valid connection string");
    }
    MongoClientSettings settings =
        MongoClientSettings.builder()
            .applyConnectionString(cs)
            .applyToClusterSettings(
                b -> b.serverSelectionTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS))
            .applyToSocketSettings(
                b ->
                    b.connectTimeout(
                        (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE),
                        TimeUnit.MILLISECONDS))
            .addCommandListener(commands)
            .writeConcern(writeConcern())
            .build();
    client = MongoClients.create(settings);
    String where = String.join(",", cs.getHosts());
    try {
      db = client.getDatabase(database);
      heads = db.getCollection(prefix + "heads");
      messages = db.getCollection(prefix + "messages");
      createIndexes();
    } catch (MongoSecurityException e) {
      client.close();
      throw new ConfigurationException(
          "Cannot use MongoDB at "
              + where
              + ": authentication failed; check the "
              + "user and password in sessionstore.mongo.uri");
    } catch (MongoTimeoutException e) {
      client.close();
      throw new BackendUnavailableException(
          "Cannot reach MongoDB at "
              + where
              + " within "
              + timeout.toSeconds()
              + " s; check sessionstore.mongo.uri and that the server is up");
    } catch (MongoException e) {
      client.close();
      throw unavailable("start on " + where, e);
    }
  }

  /**
   * How far the server's clock is ahead of ours ({@code hello}, or {@code isMaster} on older
   * servers).
   */
  private static long serverClockOffset(MongoDatabase db) {
    for (String command : List.of("hello", "isMaster")) {
      try {
        Document reply = db.runCommand(new Document(command, 1));
        if (reply.get("localTime") instanceof Date serverTime) {
          return serverTime.getTime() - System.currentTimeMillis();
        }
      } catch (MongoCommandException e) {
        // an older or smaller server: try the next name, else assume the clocks agree
      }
    }
    return 0;
  }

  private WriteConcern writeConcern() {
    return switch (writeConcern) {
      case "w1" -> WriteConcern.W1;
      case "journaled" -> WriteConcern.JOURNALED;
      case "acknowledged" -> WriteConcern.ACKNOWLEDGED;
      default -> WriteConcern.MAJORITY;
    };
  }

  /**
   * The indexes searches and appends use; created if missing (MongoDB leaves existing ones alone),
   * one command per collection, which is also the start-up's reachability and permission check.
   */
  private void createIndexes() {
    List<IndexModel> onHeads =
        new ArrayList<>(
            List.of(
                new IndexModel(
                    Indexes.compoundIndex(
                        Indexes.ascending("main", "project", "tags"),
                        Indexes.descending("updatedAt")),
                    new IndexOptions().name("tags_updated")),
                new IndexModel(Indexes.descending("updatedAt"), new IndexOptions().name("updated")),
                new IndexModel(
                    Indexes.descending("lastActivityAt"), new IndexOptions().name("active")),
                new IndexModel(
                    Indexes.ascending("project", "session", "main"),
                    new IndexOptions().name("session")),
                new IndexModel(
                    Indexes.ascending("session"), new IndexOptions().name("session_id"))));
    if (ttl != null) {
      onHeads.add(
          new IndexModel(
              Indexes.ascending("updatedAt"),
              new IndexOptions()
                  .name("ttl_updated")
                  .expireAfter(ttl.toSeconds(), TimeUnit.SECONDS)));
    }
    heads.createIndexes(onHeads);
    messages.createIndexes(
        List.of(
            new IndexModel(
                Indexes.ascending("k", "g", "s", "c"),
                new IndexOptions().name("session_seq").unique(true))));
  }

  @Override
  public Map<String, Long> requestCounts() {
    return commands.snapshot();
  }

  // ---- ids
  // ----------------------------------------------------------------------------------------------------

  /** A transcript's id: project, session and subpath joined by a character no name can hold. */
  static String id(SessionKey key) {
    return key.project() + SEP + key.sessionId() + SEP + (key.isSubpath() ? key.subpath() : "");
  }

  private static String messagePrefix(SessionKey key, long generation) {
    return id(key) + SEP + String.format("%016x", generation) + SEP;
  }

  static String messageId(SessionKey key, long generation, long seq, int chunk) {
    return messagePrefix(key, generation)
        + String.format("%012d", seq)
        + SEP
        + String.format("%04d", chunk);
  }

  /**
   * Every message document of one generation of one transcript: exact fields, never an id range.
   */
  private static Bson generationOf(SessionKey key, long generation) {
    return Filters.and(Filters.eq("k", id(key)), Filters.eq("g", generation));
  }

  // ---- heads
  // --------------------------------------------------------------------------------------------------

  @Override
  public Optional<StoredHead> head(SessionKey key) {
    try {
      Document d = heads.find(Filters.eq("_id", id(key))).first();
      return Optional.ofNullable(d).map(this::decode);
    } catch (MongoException e) {
      throw unavailable("read " + key, e);
    }
  }

  /**
   * A stored head. One this version cannot decode is stored data gone bad, not bad input: one line
   * naming the document, saying that retrying will not help.
   */
  private StoredHead decode(Document d) {
    try {
      return HeadCodec.decode(d.getString("head"));
    } catch (BackendUnavailableException e) {
      throw new BackendUnavailableException(
          "Damaged stored head '"
              + d.get("_id")
              + "' in "
              + database
              + "."
              + heads.getNamespace().getCollectionName()
              + " ("
              + e.getMessage()
              + "): that session cannot be read, "
              + "and retrying will not help; delete the session or that document");
    }
  }

  /**
   * A head for a listing: a damaged one is reported and left out, so that one session cannot fail
   * them all.
   */
  private Optional<StoredHead> listed(Document d) {
    try {
      return Optional.of(decode(d));
    } catch (BackendUnavailableException e) {
      LOG.warn("Leaving a session out of a listing: {}", e.getMessage());
      return Optional.empty();
    }
  }

  private static Document headDocument(StoredHead head) {
    SessionMetadata m = head.metadata();
    List<String> attributeValues = new ArrayList<>(m.attributes().values());
    Document d = new Document("_id", id(head.key()));
    d.append("project", head.key().project())
        .append("session", head.key().sessionId())
        .append("subpath", head.key().subpath())
        .append("main", !head.key().isSubpath())
        .append("version", head.version())
        .append("generation", head.generation())
        .append("count", head.messageCount())
        .append("createdAt", Date.from(m.createdAt()))
        .append("updatedAt", Date.from(m.updatedAt()))
        .append("lastActivityAt", Date.from(m.lastActivityAt()))
        .append("cost", decimal(m.totalCostUsd(), java.math.RoundingMode.HALF_EVEN))
        .append("tags", m.tags())
        .append("summary", m.summary())
        .append("attributeValues", attributeValues)
        .append("head", HeadCodec.encode(head));
    if (m.usage() != null) {
      // For token range searches; a head whose usage is not known has none, and matches none.
      d.append("tokens", m.usage().totalTokens());
    }
    return d;
  }

  // ---- commits
  // ------------------------------------------------------------------------------------------------

  @Override
  public void commit(Commit c) {
    StoredHead head = c.head();
    SessionKey key = head.key();
    // Random, so that a writer can tell its own message documents from anyone else's.
    long writer = java.util.concurrent.ThreadLocalRandom.current().nextLong();
    Document replaced = null;
    try {
      if (!c.messages().isEmpty()) {
        long first = head.messageCount() - c.messages().size();
        insertMessages(c, key, head.generation(), first, writer);
      }
      boolean applied;
      if (c.expectedVersion() == 0) {
        applied = insertHead(head);
      } else {
        Bson expected =
            c.kind() == Commit.Kind.REPLACE
                ? Filters.and(
                    Filters.eq("_id", id(key)), Filters.eq("version", c.expectedVersion()))
                : Filters.and(
                    Filters.eq("_id", id(key)),
                    Filters.eq("version", c.expectedVersion()),
                    Filters.eq("generation", head.generation()));
        replaced = heads.findOneAndReplace(expected, headDocument(head));
        applied = replaced != null;
      }
      if (!applied) {
        // Definitely lost: only this writer's own documents go.
        messages.deleteMany(
            Filters.and(generationOf(key, head.generation()), Filters.eq("w", writer)));
        throw new ConflictException("Cannot write " + key + ": another writer changed it");
      }
    } catch (MongoException e) {
      // The outcome is unknown (the head may have been written): leave the messages to
      // housekeeping, which
      // removes them only if no head refers to them.
      throw unavailable("write " + key, e);
    }
    if (replaced != null && number(replaced, "generation") != head.generation()) {
      removeGeneration(key, number(replaced, "generation"));
    }
  }

  private boolean insertHead(StoredHead head) {
    try {
      heads.insertOne(headDocument(head));
      return true;
    } catch (MongoWriteException e) {
      if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Inserts a commit's messages at their sequence numbers. A taken number means another writer got
   * there first, or a writer crashed after inserting and before its head: the head tells which, and
   * leftovers are cleared.
   *
   * @return the ids inserted
   */
  private void insertMessages(Commit c, SessionKey key, long generation, long first, long writer) {
    List<Document> docs = new ArrayList<>();
    String keyId = id(key);
    long at = serverNow();
    for (int i = 0; i < c.messages().size(); i++) {
      String text = c.messages().get(i);
      List<String> chunks = chunks(text);
      for (int chunk = 0; chunk < chunks.size(); chunk++) {
        docs.add(
            new Document("_id", messageId(key, generation, first + i, chunk))
                .append("k", keyId)
                .append("g", generation)
                .append("s", first + i)
                .append("c", chunk)
                .append("n", chunks.size())
                .append("w", writer)
                .append("at", at)
                .append("t", chunks.get(chunk)));
      }
    }
    for (int attempt = 0; ; attempt++) {
      try {
        messages.insertMany(docs, new InsertManyOptions().ordered(true));
        return;
      } catch (MongoBulkWriteException e) {
        messages.deleteMany(Filters.and(generationOf(key, generation), Filters.eq("w", writer)));
        boolean duplicate =
            !e.getWriteErrors().isEmpty()
                && e.getWriteErrors().get(0).getCategory() == ErrorCategory.DUPLICATE_KEY;
        if (!duplicate) {
          throw e;
        }
        if (attempt > 0
            || !stillAt(key, c)
            || !clearLeftovers(key, generation, first, c.expectedVersion())) {
          throw new ConflictException("Cannot write " + key + ": another writer appended first");
        }
      }
    }
  }

  /**
   * Clears messages at and after {@code first} that a writer inserted and never committed. Their
   * writer may be dead or only slow, so it is fenced first: the head moves one version on,
   * unchanged, so that the writer's compare-and-set on the old version can never succeed; then its
   * documents go, and this writer's own commit, built on the old version too, loses and is retried
   * from the new head. A transcript that has no head yet has nothing to fence with: there only
   * documents older than {@link #LEFTOVER_AGE} are cleared.
   *
   * @return whether the numbers are free again for this commit as it is
   */
  private boolean clearLeftovers(
      SessionKey key, long generation, long first, long expectedVersion) {
    Bson range = Filters.and(generationOf(key, generation), Filters.gte("s", first));
    long youngest = 0;
    List<Object> ids = new ArrayList<>();
    List<Object> writers = new ArrayList<>();
    for (Document d : messages.find(range)) {
      youngest =
          Math.max(youngest, d.get("at") instanceof Number n ? n.longValue() : Long.MAX_VALUE);
      ids.add(d.get("_id"));
      writers.add(d.get("w"));
    }
    if (ids.isEmpty()) {
      return true;
    }
    boolean free = false;
    if (expectedVersion > 0) {
      if (!fence(key, expectedVersion)) {
        return false;
      }
    } else if (serverNow() - youngest < LEFTOVER_AGE.toMillis()) {
      return false;
    } else {
      free = true;
    }
    LOG.warn(
        "Clearing {} message documents of {} that a writer inserted but never committed",
        ids.size(),
        key);
    // By id and writer: documents a new writer inserts at the same numbers after this point are its
    // own.
    messages.deleteMany(Filters.and(Filters.in("_id", ids), Filters.in("w", writers)));
    return free;
  }

  /**
   * Moves the head from {@code version} one version on, unchanged; false when it is no longer at
   * that version.
   */
  private boolean fence(SessionKey key, long version) {
    Document current = heads.find(Filters.eq("_id", id(key))).first();
    if (current == null || number(current, "version") != version) {
      return false;
    }
    StoredHead h = decode(current);
    StoredHead fenced =
        new StoredHead(
            h.key(), h.metadata().withVersion(version + 1), h.generation(), h.derivation());
    return heads.findOneAndReplace(
            Filters.and(Filters.eq("_id", id(key)), Filters.eq("version", version)),
            headDocument(fenced))
        != null;
  }

  private boolean stillAt(SessionKey key, Commit c) {
    Document d = heads.find(Filters.eq("_id", id(key))).first();
    long version = d == null ? 0 : d.getLong("version");
    return version == c.expectedVersion();
  }

  static List<String> chunks(String text) {
    if (text.length() <= CHUNK_CHARS) {
      return List.of(text);
    }
    List<String> out = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int end = Math.min(text.length(), start + CHUNK_CHARS);
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end--;
      }
      out.add(text.substring(start, end));
      start = end;
    }
    return out;
  }

  /**
   * Removes one generation of a transcript's messages (best effort: housekeeping removes what is
   * left).
   */
  private void removeGeneration(SessionKey key, long generation) {
    try {
      messages.deleteMany(generationOf(key, generation));
    } catch (MongoException e) {
      LOG.warn(
          "Could not remove the replaced messages of {}; cleanup will: {}", key, e.getMessage());
    }
  }

  /** Now on the server's clock, so that ages are judged by one clock whichever machine writes. */
  private long serverNow() {
    Long offset = clockOffset;
    if (offset == null) {
      offset = serverClockOffset(db);
      clockOffset = offset;
    }
    return System.currentTimeMillis() + offset;
  }

  // ---- messages
  // -----------------------------------------------------------------------------------------------

  @Override
  public Stream<String> messages(StoredHead head, long from) {
    long count = head.messageCount() - from;
    if (count <= 0) {
      return Stream.empty();
    }
    SessionKey key = head.key();
    MongoCursor<Document> cursor;
    try {
      cursor =
          messages
              .find(
                  Filters.and(
                      Filters.gte("_id", messageId(key, head.generation(), from, 0)),
                      Filters.lt("_id", messageId(key, head.generation(), head.messageCount(), 0))))
              .sort(Sorts.ascending("_id"))
              .batchSize(1000)
              .iterator();
    } catch (MongoException e) {
      throw unavailable("read " + key, e);
    }
    Iterator<String> lines =
        new Iterator<>() {
          private long returned;

          @Override
          public boolean hasNext() {
            if (returned < count && !cursor.hasNext()) {
              throw new ConflictException(
                  "Cannot read " + key + ": it was replaced or deleted while being read");
            }
            return returned < count;
          }

          @Override
          public String next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            Document d = cursor.next();
            int parts = d.getInteger("n", 1);
            if (parts == 1) {
              returned++;
              return d.getString("t");
            }
            StringBuilder text = new StringBuilder(d.getString("t"));
            for (int i = 1; i < parts; i++) {
              text.append(cursor.next().getString("t"));
            }
            returned++;
            return text.toString();
          }
        };
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(lines, Spliterator.ORDERED), false)
        .onClose(cursor::close);
  }

  /** One query on the heads collection, by session id, for the whole batch. */
  @Override
  public Stream<StoredHead> transcripts(Collection<SessionKey> sessions) {
    Set<SessionKey> wanted = new HashSet<>(sessions);
    List<String> ids = sessions.stream().map(SessionKey::sessionId).distinct().toList();
    try {
      List<StoredHead> out = new ArrayList<>();
      for (Document d : heads.find(Filters.in("session", ids))) {
        if (wanted.contains(SessionKey.of(d.getString("project"), d.getString("session")))) {
          listed(d).ifPresent(out::add);
        }
      }
      return out.stream();
    } catch (MongoException e) {
      throw unavailable("read " + sessions.size() + " sessions", e);
    }
  }

  /**
   * One query on the messages collection for the whole batch, by transcript; what it finds of other
   * generations or past a head's count (a writer's leftovers) is passed over.
   */
  @Override
  public Map<SessionKey, List<String>> allMessages(Collection<StoredHead> wantedHeads) {
    Map<String, StoredHead> byId = new HashMap<>();
    wantedHeads.forEach(h -> byId.put(id(h.key()), h));
    Map<String, TreeMap<Long, StringBuilder>> found = new HashMap<>();
    try {
      for (Document d :
          messages
              .find(Filters.in("k", byId.keySet()))
              .sort(Sorts.ascending("k", "g", "s", "c"))
              .batchSize(1000)) {
        StoredHead h = byId.get(d.getString("k"));
        long seq = number(d, "s");
        if (number(d, "g") != h.generation() || seq >= h.messageCount()) {
          continue;
        }
        found
            .computeIfAbsent(d.getString("k"), k -> new TreeMap<>())
            .computeIfAbsent(seq, k -> new StringBuilder())
            .append(d.getString("t"));
      }
    } catch (MongoException e) {
      throw unavailable("read the messages of " + wantedHeads.size() + " transcripts", e);
    }
    Map<SessionKey, List<String>> out = new HashMap<>();
    for (StoredHead h : wantedHeads) {
      TreeMap<Long, StringBuilder> seqs = found.getOrDefault(id(h.key()), new TreeMap<>());
      if (seqs.size() == h.messageCount()) {
        out.put(h.key(), seqs.values().stream().map(StringBuilder::toString).toList());
      }
    }
    return out;
  }

  // ---- listing, search, delete
  // --------------------------------------------------------------------------------

  @Override
  public Stream<StoredHead> list(Scope scope) {
    Bson filter =
        scope.isAllProjects()
            ? Filters.eq("main", true)
            : Filters.and(Filters.eq("main", true), Filters.eq("project", scope.project()));
    try {
      List<StoredHead> out = new ArrayList<>();
      for (Document d : heads.find(filter)) {
        listed(d).ifPresent(out::add);
      }
      return out.stream();
    } catch (MongoException e) {
      throw unavailable("list sessions", e);
    }
  }

  @Override
  public Stream<StoredHead> findSessions(String sessionId) {
    try {
      List<StoredHead> out = new ArrayList<>();
      for (Document d :
          heads.find(Filters.and(Filters.eq("session", sessionId), Filters.eq("main", true)))) {
        listed(d).ifPresent(out::add);
      }
      return out.stream();
    } catch (MongoException e) {
      throw unavailable("find session " + sessionId, e);
    }
  }

  /** An anchored regular expression on the {@code session_id} index. */
  @Override
  public Stream<StoredHead> findSessionsByPrefix(Scope scope, String prefix) {
    List<Bson> and = new ArrayList<>();
    // Escaped character by character rather than \Q…\E, so that the server sees a plain prefix
    // it can serve from the index.
    StringBuilder regex = new StringBuilder("^");
    prefix
        .codePoints()
        .forEach(
            c -> {
              if ("\\^$.|?*+()[]{}".indexOf(c) >= 0) {
                regex.append('\\');
              }
              regex.appendCodePoint(c);
            });
    and.add(Filters.regex("session", regex.toString()));
    and.add(Filters.eq("main", true));
    if (!scope.isAllProjects()) {
      and.add(Filters.eq("project", scope.project()));
    }
    try {
      List<StoredHead> out = new ArrayList<>();
      for (Document d : heads.find(Filters.and(and))) {
        listed(d).ifPresent(out::add);
      }
      return out.stream();
    } catch (MongoException e) {
      throw unavailable("find sessions starting with " + prefix, e);
    }
  }

  /** The search as a MongoDB query on the heads, served by the indexes created at start-up. */
  @Override
  public List<SessionMetadata> search(SearchQuery q) {
    List<Bson> and = new ArrayList<>();
    and.add(Filters.eq("main", true));
    if (!q.scope().isAllProjects()) {
      and.add(Filters.eq("project", q.scope().project()));
    }
    if (!q.tags().isEmpty()) {
      and.add(Filters.all("tags", q.tags()));
    }
    if (!q.anyTags().isEmpty()) {
      and.add(Filters.in("tags", q.anyTags()));
    }
    range(and, "createdAt", q.createdAfter(), q.createdBefore());
    range(and, "updatedAt", q.updatedAfter(), q.updatedBefore());
    if (q.activeAfter() != null || q.activeBefore() != null) {
      // A head written before the field existed has none: its updatedAt stands in, as on reading.
      List<Bson> orUpdated = new ArrayList<>();
      range(orUpdated, "updatedAt", q.activeAfter(), q.activeBefore());
      orUpdated.add(Filters.exists("lastActivityAt", false));
      List<Bson> active = new ArrayList<>();
      range(active, "lastActivityAt", q.activeAfter(), q.activeBefore());
      and.add(Filters.or(Filters.and(active), Filters.and(orUpdated)));
    }
    if (q.minCost() != null) {
      and.add(Filters.gte("cost", decimal(q.minCost(), java.math.RoundingMode.FLOOR)));
    }
    if (q.maxCost() != null) {
      and.add(Filters.lte("cost", decimal(q.maxCost(), java.math.RoundingMode.CEILING)));
    }
    if (q.minTokens() != null) {
      and.add(Filters.gte("tokens", q.minTokens()));
    }
    if (q.maxTokens() != null) {
      and.add(Filters.lte("tokens", q.maxTokens()));
    }
    if (q.text() != null && !q.text().isEmpty()) {
      Pattern p =
          Pattern.compile(Pattern.quote(q.text()), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
      and.add(
          Filters.or(
              Filters.regex("summary", p),
              Filters.regex("tags", p),
              Filters.regex("attributeValues", p)));
    }
    SearchPosition c = q.after();
    if (c != null) {
      Date u = Date.from(c.updatedAt());
      and.add(
          Filters.or(
              Filters.lt("updatedAt", u),
              Filters.and(Filters.eq("updatedAt", u), Filters.gt("project", c.project())),
              Filters.and(
                  Filters.eq("updatedAt", u),
                  Filters.eq("project", c.project()),
                  Filters.gt("session", c.sessionId()))));
    }
    List<SessionMetadata> hits = new ArrayList<>();
    try {
      for (Document d :
          heads
              .find(Filters.and(and))
              .sort(
                  Sorts.orderBy(
                      Sorts.descending("updatedAt"), Sorts.ascending("project", "session")))
              .limit(q.limit() + 1)) {
        listed(d).ifPresent(h -> hits.add(h.metadata()));
      }
    } catch (MongoException e) {
      throw unavailable("search sessions", e);
    }
    return hits;
  }

  /**
   * A cost as Decimal128, for the indexed field and search bounds only (the exact value stays in
   * the stored head): rounded to 34 digits, and to zero when smaller than Decimal128 can hold.
   */
  static Decimal128 decimal(java.math.BigDecimal value, java.math.RoundingMode rounding) {
    java.math.BigDecimal v = value.round(new java.math.MathContext(34, rounding));
    try {
      return new Decimal128(v);
    } catch (NumberFormatException e) {
      if (v.abs().compareTo(java.math.BigDecimal.ONE) < 0) {
        return new Decimal128(java.math.BigDecimal.ZERO);
      }
      return v.signum() > 0 ? Decimal128.POSITIVE_INFINITY : Decimal128.NEGATIVE_INFINITY;
    }
  }

  private static void range(
      List<Bson> and, String field, java.time.Instant after, java.time.Instant before) {
    if (after != null) {
      and.add(Filters.gte(field, Date.from(after)));
    }
    if (before != null) {
      and.add(Filters.lt(field, Date.from(before)));
    }
  }

  @Override
  public List<String> subpaths(SessionKey session) {
    try {
      List<String> out = new ArrayList<>();
      for (Document d :
          heads.find(
              Filters.and(
                  Filters.eq("project", session.project()),
                  Filters.eq("session", session.sessionId()),
                  Filters.eq("main", false)))) {
        out.add(d.getString("subpath"));
      }
      out.sort(null);
      return out;
    } catch (MongoException e) {
      throw unavailable("list the sub-transcripts of " + session, e);
    }
  }

  @Override
  public boolean delete(SessionKey key, long expectedVersion) {
    try {
      boolean existed = false;
      if (!key.isSubpath()) {
        if (expectedVersion != ANY_VERSION
            && head(key).map(StoredHead::version).orElse(0L) != expectedVersion) {
          throw new ConflictException("Cannot delete " + key + ": another writer changed it");
        }
        // Sub-transcripts first: a crash half-way never leaves those of a session whose main
        // transcript is gone.
        for (String sub : subpaths(key)) {
          existed |= deleteTranscript(key.withSubpath(sub), ANY_VERSION);
        }
      }
      existed |= deleteTranscript(key, expectedVersion);
      return existed;
    } catch (MongoException e) {
      throw unavailable("delete " + key, e);
    }
  }

  /** Removes a head (conditionally), then the messages of exactly the generation it had. */
  private boolean deleteTranscript(SessionKey key, long expectedVersion) {
    Bson filter =
        expectedVersion == ANY_VERSION
            ? Filters.eq("_id", id(key))
            : Filters.and(Filters.eq("_id", id(key)), Filters.eq("version", expectedVersion));
    Document gone = heads.findOneAndDelete(filter);
    if (gone == null) {
      if (expectedVersion != ANY_VERSION && expectedVersion != 0 && head(key).isPresent()) {
        throw new ConflictException("Cannot delete " + key + ": another writer changed it");
      }
      return false;
    }
    // The head is gone, so its messages are unreachable; removing them is housekeeping.
    removeGeneration(key, number(gone, "generation"));
    return true;
  }

  /**
   * Removes messages no head refers to: those of deleted or expired transcripts, of replaced
   * generations, and past a head's count. Only documents older than {@link #LEFTOVER_AGE} go, so a
   * writer between inserting its messages and moving its head keeps them.
   */
  @Override
  public long removeLeftovers() {
    try {
      java.util.Map<String, Document> live = new java.util.HashMap<>();
      for (Document h : heads.find().projection(new Document("generation", 1).append("count", 1))) {
        live.put(h.getString("_id"), h);
      }
      long cutoff = serverNow() - LEFTOVER_AGE.toMillis();
      List<Object> dead = new ArrayList<>();
      long removed = 0;
      for (Document m :
          messages
              .find(Filters.lt("at", cutoff))
              .projection(new Document("k", 1).append("g", 1).append("s", 1))) {
        Document h = live.get(m.getString("k"));
        boolean referenced =
            h != null
                && number(h, "generation") == number(m, "g")
                && number(m, "s") < number(h, "count");
        if (!referenced) {
          dead.add(m.get("_id"));
          if (dead.size() == 1000) {
            removed +=
                messages
                    .deleteMany(Filters.and(Filters.in("_id", dead), Filters.lt("at", cutoff)))
                    .getDeletedCount();
            dead.clear();
          }
        }
      }
      if (!dead.isEmpty()) {
        removed +=
            messages
                .deleteMany(Filters.and(Filters.in("_id", dead), Filters.lt("at", cutoff)))
                .getDeletedCount();
      }
      return removed;
    } catch (MongoException e) {
      throw unavailable("remove leftover messages", e);
    }
  }

  /** A whole-number field, whichever BSON integer type the server returns it as. */
  private static long number(Document d, String field) {
    Object v = d.get(field);
    return v instanceof Number n ? n.longValue() : -1;
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
  }

  private BackendUnavailableException unavailable(String what, MongoException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    // The driver's messages can quote the connection string; never let a password through.
    message = message.replaceAll("//[^@/\\s]*@", "//****@").replaceAll("\\s+", " ");
    return new BackendUnavailableException("Cannot " + what + " in MongoDB: " + message, e);
  }
}
