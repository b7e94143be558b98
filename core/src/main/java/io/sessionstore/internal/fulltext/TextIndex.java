package io.sessionstore.internal.fulltext;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Page;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionHit;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.TextMatch;
import io.sessionstore.internal.Search;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full-text index of a store's messages: a cache derived from the store, never the only copy of
 * anything. One Lucene document per readable part of a message ({@link ReadableText}); one state
 * document per session saying which of its messages are indexed (its head's version, and per
 * transcript the generation and the count indexed). Both are committed together, so a crash loses
 * at most work to redo.
 *
 * <p>Before each query the index catches up with the sessions in the query's scope: the heads are
 * listed, sessions whose version differs from their state are read from where indexing stopped (or
 * from the start, after a save replaced them), and those no longer listed are removed. One process
 * writes at a time (Lucene's lock, held only while catching up); a process that cannot get it
 * within a moment answers from what is indexed. A damaged index or one of another format is built
 * again.
 */
public final class TextIndex implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(TextIndex.class);

  static final String TEXT = "text";
  static final String ROLE = "role";
  static final String KIND = "kind";
  static final String TOOL = "tool";
  static final String SUBAGENT = "subagent";

  private static final String SESSION = "session";
  private static final String SESSION_ORDINALS = "session.ordinals";
  private static final String TRANSCRIPT = "transcript";
  private static final String TOOL_CALL = "tool.call";
  private static final String SUBPATH = "subpath";
  private static final String POSITION = "position";
  private static final String TIME = "time";
  private static final String STATE = "state";
  private static final String STATE_DATA = "state.data";

  /** Message text: its words with their offsets, so that snippets need not analyse it again. */
  private static final FieldType TEXT_TYPE = textType();

  private static FieldType textType() {
    FieldType t = new FieldType(TextField.TYPE_STORED);
    t.setIndexOptions(
        org.apache.lucene.index.IndexOptions.DOCS_AND_FREQS_AND_POSITIONS_AND_OFFSETS);
    t.freeze();
    return t;
  }

  /** Commit data naming the layout of documents; another value rebuilds the index. */
  private static final String FORMAT_KEY = "sessionstore.format";

  private static final String FORMAT = "5";

  /** How long a query waits for another process's catch-up before answering without it. */
  private static final long WRITE_WAIT_MILLIS = 2_000;

  /** After such a wait, how long queries answer without trying again. */
  private static final long BUSY_MILLIS = 5_000;

  private static final int MATCHES_PER_SESSION = 3;

  /** What a match reads of its document besides the snippet. */
  private static final java.util.Set<String> MATCH_FIELDS =
      java.util.Set.of(SUBPATH, POSITION, ROLE, TIME);

  private static final String CURSOR_PREFIX = "text:";

  /** The furthest a page may start: past it, a query is better narrowed than paged. */
  private static final int MAX_OFFSET = 1_000_000;

  /**
   * Where the index lives and what it holds.
   *
   * @param dir its folder, or null to keep it in memory for the store's lifetime
   */
  public record Settings(Path dir, boolean thinking, int toolResultChars) {}

  private final Settings settings;
  private final StorageBackend backend;
  private final ReadableText readable;
  private final Directory directory;
  private SearcherManager searchers;

  /** The states of every session as the reader {@code statesVersion} identifies holds them. */
  private Map<String, SessionState> statesOfVersion;

  private Object statesVersion;

  /** Until when another process is taken to be writing the index (epoch milliseconds). */
  private long busyUntil;

  private TextIndex(Settings settings, StorageBackend backend, Directory directory) {
    this.settings = settings;
    this.backend = backend;
    this.readable = new ReadableText(settings.thinking(), settings.toolResultChars());
    this.directory = directory;
  }

  /** The index of a store, created empty when its folder holds none. */
  public static TextIndex open(Settings settings, StorageBackend backend) {
    try {
      Directory directory;
      if (settings.dir() == null) {
        directory = new ByteBuffersDirectory();
      } else {
        createPrivateDirectories(settings.dir());
        directory = new PrivateFiles(FSDirectory.open(settings.dir()));
      }
      return new TextIndex(settings, backend, directory);
    } catch (IOException e) {
      throw unavailable("open the full-text index in " + settings.dir(), e);
    }
  }

  // ---- queries

  /**
   * One page of the sessions matching the query's full-text part and its filters, after catching up
   * with the sessions in its scope.
   */
  public Page<SessionHit> search(SearchQuery query, ProgressListener progress) {
    Query text = everyMessageFor(TextQueryParser.parseQuery(query.matching()));
    int offset = offsetOf(query.cursor());
    long start = System.nanoTime();
    Map<String, StoredHead> heads = listHeads(query.scope());
    long listed = System.nanoTime();
    catchUp(query.scope(), heads, progress, false);
    LOG.debug(
        "Full-text index: {} sessions listed in {} ms, checked and caught up in {} ms",
        heads.size(),
        (listed - start) / 1_000_000,
        (System.nanoTime() - listed) / 1_000_000);
    try {
      return page(text, query, heads, offset);
    } catch (AlreadyClosedException e) {
      throw new IllegalStateException("This session store is closed", e);
    } catch (IOException e) {
      // Damage found only now, in files the catch-up did not read.
      LOG.warn(
          "The full-text index in {} is damaged ({}); building it again", where(), e.toString());
      catchUp(query.scope(), heads, progress, true);
      try {
        return page(text, query, heads, offset);
      } catch (IOException again) {
        throw unavailable("search the full-text index", again);
      }
    }
  }

  private Page<SessionHit> page(
      Query text, SearchQuery query, Map<String, StoredHead> heads, int offset) throws IOException {
    SearcherManager manager = searchers();
    if (manager == null) {
      return new Page<>(List.of(), null);
    }
    IndexSearcher searcher = manager.acquire();
    try {
      return page(searcher, text, query, heads, offset);
    } finally {
      manager.release(searcher);
    }
  }

  private Page<SessionHit> page(
      IndexSearcher searcher,
      Query text,
      SearchQuery query,
      Map<String, StoredHead> heads,
      int offset)
      throws IOException {
    long start = System.nanoTime();
    List<Map.Entry<String, BestBySession.Best>> found;
    if (query.order() == SearchQuery.Order.RELEVANCE) {
      // The best documents only, as many as it takes to fill the page past its end: a session
      // ranks by its best message, so the first sessions of the best documents are the best
      // sessions. Common words match far more documents than a page needs.
      int wanted = offset + query.limit() + 1;
      for (int k = Math.max(1_000, wanted * 20); ; k = (int) Math.min(Integer.MAX_VALUE, 4L * k)) {
        BestBySession best =
            BestBySession.ofTop(searcher, text, k, SESSION_ORDINALS, MATCHES_PER_SESSION);
        found = passing(best, heads, query);
        if (best.complete() || found.size() >= wanted) {
          break;
        }
      }
    } else {
      BestBySession best = new BestBySession(SESSION_ORDINALS, MATCHES_PER_SESSION);
      searcher.search(text, best);
      found = passing(best, heads, query);
    }
    long searched = System.nanoTime();
    Comparator<Map.Entry<String, BestBySession.Best>> byUpdate =
        Comparator.comparing(e -> heads.get(e.getKey()).metadata(), Search.ORDER);
    found.sort(
        query.order() == SearchQuery.Order.UPDATED
            ? byUpdate
            : Comparator.<Map.Entry<String, BestBySession.Best>>comparingDouble(
                    e -> -e.getValue().score())
                .thenComparing(byUpdate));
    int end = Math.min(found.size(), offset + query.limit());
    List<Map.Entry<String, BestBySession.Best>> page = found.subList(Math.min(offset, end), end);
    List<Integer> docs = new ArrayList<>();
    page.forEach(e -> Arrays.stream(e.getValue().docs()).forEach(docs::add));
    Map<Integer, String> snippets = new Snippets(searcher, text).of(docs);
    StoredFields stored = searcher.storedFields();
    List<SessionHit> hits = new ArrayList<>();
    for (Map.Entry<String, BestBySession.Best> e : page) {
      List<TextMatch> matches = new ArrayList<>();
      for (int doc : e.getValue().docs()) {
        Document d = stored.document(doc, MATCH_FIELDS);
        String subpath = d.get(SUBPATH);
        matches.add(
            new TextMatch(
                subpath == null || subpath.isEmpty() ? null : subpath,
                d.getField(POSITION).numericValue().longValue(),
                d.get(ROLE),
                instant(d.get(TIME)),
                snippets.get(doc)));
      }
      hits.add(new SessionHit(heads.get(e.getKey()).metadata(), e.getValue().score(), matches));
    }
    LOG.debug(
        "Full-text query '{}': {} sessions matched in {} ms, {} snippets in {} ms",
        query.matching(),
        found.size(),
        (searched - start) / 1_000_000,
        hits.stream().mapToInt(h -> h.matches().size()).sum(),
        (System.nanoTime() - searched) / 1_000_000);
    return new Page<>(hits, end < found.size() ? CURSOR_PREFIX + end : null);
  }

  /**
   * The query as Lucene runs it: one that only excludes ({@code NOT x}) matches every message but
   * those, as a person means it, not none.
   */
  private static Query everyMessageFor(Query q) {
    if (q instanceof BooleanQuery b
        && !b.clauses().isEmpty()
        && b.clauses().stream().allMatch(c -> c.getOccur() == Occur.MUST_NOT)) {
      BooleanQuery.Builder all = new BooleanQuery.Builder();
      b.clauses().forEach(all::add);
      return all.add(new FieldExistsQuery(SESSION_ORDINALS), Occur.FILTER).build();
    }
    return q;
  }

  /** The sessions found that are still stored and pass the query's other filters. */
  private static List<Map.Entry<String, BestBySession.Best>> passing(
      BestBySession best, Map<String, StoredHead> heads, SearchQuery query) {
    List<Map.Entry<String, BestBySession.Best>> found = new ArrayList<>();
    for (Map.Entry<String, BestBySession.Best> e : best.sessions().entrySet()) {
      StoredHead head = heads.get(e.getKey());
      if (head != null && Search.matches(head.metadata(), query)) {
        found.add(e);
      }
    }
    return found;
  }

  private static int offsetOf(String cursor) {
    if (cursor == null) {
      return 0;
    }
    if (cursor.startsWith(CURSOR_PREFIX)) {
      try {
        int n = Integer.parseInt(cursor.substring(CURSOR_PREFIX.length()));
        if (n >= 0 && n <= MAX_OFFSET) {
          return n;
        }
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw new InvalidInputException(
        "Invalid cursor '"
            + cursor
            + "': not one a previous page of this full-text search returned");
  }

  private static Instant instant(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  // ---- catching up

  private Map<String, StoredHead> listHeads(Scope scope) {
    Map<String, StoredHead> heads = new HashMap<>();
    try (Stream<StoredHead> listed = backend.list(scope)) {
      listed.forEach(h -> heads.put(sessionKey(h.key()), h));
    }
    return heads;
  }

  /** Deletes everything indexed and indexes every session again. */
  public synchronized long rebuild(ProgressListener progress) {
    Map<String, StoredHead> heads = listHeads(Scope.allProjects());
    try (IndexWriter writer = writer(true, Long.MAX_VALUE)) {
      if (writer == null) {
        throw new BackendUnavailableException(
            "Cannot rebuild the full-text index: another process is writing it");
      }
      long n = apply(writer, heads, Map.of(), progress);
      writer.setLiveCommitData(Map.of(FORMAT_KEY, format()).entrySet());
      writer.commit();
      refresh();
      return n;
    } catch (IOException e) {
      throw unavailable("rebuild the full-text index", e);
    }
  }

  /**
   * Brings the index up to date with the heads of a scope.
   *
   * @param damaged whether to build the index anew whatever it holds
   */
  private synchronized void catchUp(
      Scope scope, Map<String, StoredHead> heads, ProgressListener progress, boolean damaged) {
    try {
      Map<String, SessionState> states = Map.of();
      try {
        SearcherManager manager = damaged ? null : searchers();
        if (manager != null) {
          manager.maybeRefresh();
          states = states(manager, scope);
          damaged = !format().equals(format(manager));
        }
      } catch (IOException e) {
        LOG.warn(
            "The full-text index in {} is damaged ({}); building it again", where(), e.toString());
        damaged = true;
      }
      if (!damaged && !behind(heads, states)) {
        return;
      }
      long start = System.nanoTime();
      long changed;
      long applied;
      if (!damaged && System.currentTimeMillis() < busyUntil) {
        return;
      }
      try (IndexWriter writer = writer(damaged, WRITE_WAIT_MILLIS)) {
        if (writer == null) {
          // Queries queued behind this one answer at once, rather than waiting their turn each.
          busyUntil = System.currentTimeMillis() + BUSY_MILLIS;
          LOG.debug("Another process is updating the full-text index; answering from it as it is");
          return;
        }
        if (damaged) {
          heads = listHeads(Scope.allProjects());
          states = Map.of();
        } else {
          // Another process may have caught up while this one waited for the lock; holding it, no
          // other can commit now.
          refresh();
          SearcherManager latest = searchers();
          states = latest == null ? Map.of() : states(latest, scope);
        }
        changed = apply(writer, heads, states, progress);
        applied = System.nanoTime();
        if (changed > 0 || damaged) {
          writer.setLiveCommitData(Map.of(FORMAT_KEY, format()).entrySet());
          writer.commit();
        }
      }
      long committed = System.nanoTime();
      refresh();
      LOG.debug(
          "Full-text index caught up with {} sessions: indexed in {} ms, committed in {} ms,"
              + " searchable {} ms later",
          changed,
          (applied - start) / 1_000_000,
          (committed - applied) / 1_000_000,
          (System.nanoTime() - committed) / 1_000_000);
    } catch (IOException e) {
      throw unavailable("update the full-text index", e);
    }
  }

  private static boolean behind(Map<String, StoredHead> heads, Map<String, SessionState> states) {
    if (heads.size() != states.size()) {
      return true;
    }
    for (StoredHead h : heads.values()) {
      SessionState s = states.get(sessionKey(h.key()));
      if (s == null || !s.isOf(h)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Brings the sessions of {@code heads} up to date and removes those of {@code states} that are no
   * longer listed.
   *
   * @return how many sessions changed
   */
  private long apply(
      IndexWriter writer,
      Map<String, StoredHead> heads,
      Map<String, SessionState> states,
      ProgressListener progress)
      throws IOException {
    long changed = 0;
    for (String gone : states.keySet()) {
      if (!heads.containsKey(gone)) {
        writer.deleteDocuments(new Term(SESSION, gone), new Term(STATE, gone));
        changed++;
      }
    }
    List<StoredHead> todo = new ArrayList<>();
    for (StoredHead h : heads.values()) {
      SessionState s = states.get(sessionKey(h.key()));
      if (s == null || !s.isOf(h)) {
        todo.add(h);
      }
    }
    int threads = Math.min(todo.size(), Runtime.getRuntime().availableProcessors());
    if (threads <= 1) {
      long done = 0;
      for (StoredHead head : todo) {
        indexOrLeave(writer, head, states.get(sessionKey(head.key())));
        progress.progress(++done, todo.size());
      }
      return changed + todo.size();
    }
    // Sessions are parsed and analysed in parallel; Lucene's writer takes documents from any
    // thread.
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "sessionstore-text-index");
              t.setDaemon(true);
              return t;
            });
    try {
      CompletionService<Void> indexed = new ExecutorCompletionService<>(pool);
      for (StoredHead head : todo) {
        SessionState before = states.get(sessionKey(head.key()));
        indexed.submit(
            () -> {
              indexOrLeave(writer, head, before);
              return null;
            });
      }
      for (long done = 1; done <= todo.size(); done++) {
        try {
          indexed.take().get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof IOException io) {
            throw io;
          }
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while indexing");
        }
        progress.progress(done, todo.size());
      }
    } finally {
      pool.shutdownNow();
    }
    return changed + todo.size();
  }

  /**
   * The tool calls of a transcript: those read in this catch-up, and, when it goes on where an
   * earlier one stopped, those that one indexed (a result often follows its call in the next
   * write).
   */
  private ReadableText.ToolNames toolNames(String transcript, boolean earlier) {
    Map<String, String> called = new HashMap<>();
    return new ReadableText.ToolNames() {
      @Override
      public void called(String callId, String tool) {
        called.put(callId, tool);
      }

      @Override
      public String of(String callId) {
        String tool = called.get(callId);
        return tool != null || !earlier ? tool : indexedTool(transcript, callId);
      }
    };
  }

  private String indexedTool(String transcript, String callId) {
    try {
      SearcherManager manager = searchers();
      if (manager == null) {
        return null;
      }
      IndexSearcher searcher = manager.acquire();
      try {
        ScoreDoc[] call =
            searcher.search(new TermQuery(new Term(TOOL_CALL, transcript + '\u001f' + callId)), 1)
                .scoreDocs;
        return call.length == 0
            ? null
            : searcher.storedFields().document(call[0].doc, java.util.Set.of(TOOL)).get(TOOL);
      } finally {
        manager.release(searcher);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Indexes a session, or, when a save or a delete replaced one of its transcripts while it was
   * read, leaves it out of the index until the next catch-up reads it whole.
   */
  private void indexOrLeave(IndexWriter writer, StoredHead main, SessionState before)
      throws IOException {
    try {
      index(writer, main, before);
    } catch (ConflictException e) {
      String session = sessionKey(main.key());
      LOG.debug("{} changed while it was indexed; it is indexed anew next time", main.key());
      writer.deleteDocuments(new Term(SESSION, session), new Term(STATE, session));
    }
  }

  /** Indexes what is new in a session's transcripts and records its state. */
  private void index(IndexWriter writer, StoredHead main, SessionState before) throws IOException {
    String session = sessionKey(main.key());
    Map<String, TranscriptState> was = before == null ? Map.of() : before.transcripts();
    Map<String, TranscriptState> now = new LinkedHashMap<>();
    List<StoredHead> transcripts = new ArrayList<>();
    transcripts.add(main);
    for (String subpath : main.metadata().subpaths()) {
      backend.head(main.key().withSubpath(subpath)).ifPresent(transcripts::add);
    }
    for (StoredHead t : transcripts) {
      String subpath = t.key().subpath() == null ? "" : t.key().subpath();
      String transcript = session + '\u001f' + subpath;
      TranscriptState old = was.get(subpath);
      long from = 0;
      if (old != null && old.generation() == t.generation() && old.count() <= t.messageCount()) {
        from = old.count();
      } else if (old != null) {
        writer.deleteDocuments(new Term(TRANSCRIPT, transcript));
      }
      long count = from;
      if (from < t.messageCount()) {
        ReadableText.ToolNames toolNames = toolNames(transcript, from > 0);
        try (Stream<String> lines = backend.messages(t, from)) {
          for (var it = lines.iterator(); it.hasNext(); count++) {
            addMessage(writer, session, transcript, subpath, count, it.next(), toolNames);
          }
        }
      }
      now.put(subpath, new TranscriptState(t.generation(), count));
    }
    for (String subpath : was.keySet()) {
      if (!now.containsKey(subpath)) {
        writer.deleteDocuments(new Term(TRANSCRIPT, session + '\u001f' + subpath));
      }
    }
    writer.updateDocument(
        new Term(STATE, session), new SessionState(main.version(), now).toDocument(session));
  }

  private void addMessage(
      IndexWriter writer,
      String session,
      String transcript,
      String subpath,
      long position,
      String json,
      ReadableText.ToolNames toolNames)
      throws IOException {
    ReadableText.Line line = readable.read(json, toolNames);
    for (ReadableText.Part part : line.parts()) {
      Document d = new Document();
      d.add(new StringField(SESSION, session, Field.Store.NO));
      d.add(new SortedDocValuesField(SESSION_ORDINALS, new BytesRef(session)));
      d.add(new StringField(TRANSCRIPT, transcript, Field.Store.NO));
      d.add(new StoredField(SUBPATH, subpath));
      d.add(new StoredField(POSITION, position));
      if (line.timestamp() != null) {
        d.add(new StoredField(TIME, line.timestamp()));
      }
      d.add(new StringField(ROLE, part.role(), Field.Store.YES));
      d.add(new StringField(KIND, part.kind(), Field.Store.NO));
      if (part.tool() != null && !part.tool().isEmpty()) {
        d.add(new StringField(TOOL, part.tool().toLowerCase(Locale.ROOT), Field.Store.YES));
      }
      if (part.callId() != null) {
        d.add(new StringField(TOOL_CALL, transcript + '\u001f' + part.callId(), Field.Store.NO));
      }
      if (!subpath.isEmpty()) {
        String lower = subpath.toLowerCase(Locale.ROOT);
        d.add(new StringField(SUBAGENT, lower, Field.Store.NO));
        d.add(
            new StringField(SUBAGENT, lower.substring(lower.lastIndexOf('/') + 1), Field.Store.NO));
      }
      d.add(new Field(TEXT, part.text(), TEXT_TYPE));
      writer.addDocument(d);
    }
  }

  // ---- states

  private record TranscriptState(long generation, long count) {}

  private record SessionState(long version, Map<String, TranscriptState> transcripts) {
    /**
     * Whether this is the state of the session as its main head is now: the same version of the
     * same generation (a session deleted and written anew starts again at version 1).
     */
    boolean isOf(StoredHead main) {
      TranscriptState own = transcripts.get("");
      return version == main.version() && own != null && own.generation() == main.generation();
    }

    /** The state document: the session's key to find it, the state itself as doc values. */
    Document toDocument(String session) {
      StringBuilder t = new StringBuilder(session).append('\n').append(version).append('\n');
      transcripts.forEach(
          (subpath, s) ->
              t.append(subpath)
                  .append('\t')
                  .append(s.generation())
                  .append('\t')
                  .append(s.count())
                  .append('\n'));
      Document d = new Document();
      d.add(new StringField(STATE, session, Field.Store.NO));
      d.add(new BinaryDocValuesField(STATE_DATA, new BytesRef(t)));
      return d;
    }

    /** Reads {@link #toDocument}'s data; its first line is the session's key. */
    static Map.Entry<String, SessionState> of(BytesRef data) {
      String[] lines = data.utf8ToString().split("\n");
      Map<String, TranscriptState> transcripts = new LinkedHashMap<>();
      for (int i = 2; i < lines.length; i++) {
        String[] f = lines[i].split("\t", -1);
        transcripts.put(f[0], new TranscriptState(Long.parseLong(f[1]), Long.parseLong(f[2])));
      }
      return Map.entry(lines[0], new SessionState(Long.parseLong(lines[1]), transcripts));
    }
  }

  /** The states of the sessions in the scope, as the searcher's commit holds them. */
  private Map<String, SessionState> states(SearcherManager manager, Scope scope)
      throws IOException {
    IndexSearcher searcher = manager.acquire();
    try {
      return states(searcher, scope);
    } finally {
      manager.release(searcher);
    }
  }

  private Map<String, SessionState> states(IndexSearcher searcher, Scope scope) throws IOException {
    Object version = searcher.getIndexReader().getReaderCacheHelper().getKey();
    Map<String, SessionState> all;
    synchronized (this) {
      all = version == statesVersion ? statesOfVersion : null;
    }
    if (all == null) {
      all = new HashMap<>();
      for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
        BinaryDocValues data = leaf.reader().getBinaryDocValues(STATE_DATA);
        Bits live = leaf.reader().getLiveDocs();
        if (data == null) {
          continue;
        }
        for (int doc = data.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = data.nextDoc()) {
          if (live == null || live.get(doc)) {
            Map.Entry<String, SessionState> e = SessionState.of(data.binaryValue());
            all.put(e.getKey(), e.getValue());
          }
        }
      }
      synchronized (this) {
        statesVersion = version;
        statesOfVersion = all;
      }
    }
    Map<String, SessionState> inScope = new HashMap<>();
    all.forEach(
        (session, state) -> {
          if (scope.includes(session.substring(0, session.indexOf('\u001f')))) {
            inScope.put(session, state);
          }
        });
    return inScope;
  }

  private static String format(SearcherManager manager) throws IOException {
    IndexSearcher searcher = manager.acquire();
    try {
      return ((DirectoryReader) searcher.getIndexReader())
          .getIndexCommit()
          .getUserData()
          .get(FORMAT_KEY);
    } finally {
      manager.release(searcher);
    }
  }

  static String sessionKey(SessionKey key) {
    return key.project() + '\u001f' + key.sessionId();
  }

  // ---- Lucene plumbing

  /** The searchers of the last commit, or null while there is none. */
  private synchronized SearcherManager searchers() throws IOException {
    if (searchers == null && DirectoryReader.indexExists(directory)) {
      searchers = new SearcherManager(directory, null);
    }
    return searchers;
  }

  private synchronized void refresh() throws IOException {
    if (searchers == null) {
      searchers();
    } else {
      searchers.maybeRefresh();
    }
  }

  /**
   * The index's writer, or null when another process holds it for longer than {@code waitMillis}.
   *
   * @param fresh start from an empty index
   */
  private IndexWriter writer(boolean fresh, long waitMillis) throws IOException {
    if (fresh && searchers != null) {
      try {
        searchers.close();
      } catch (IOException | AlreadyClosedException e) {
        LOG.debug("Closing the searchers of a damaged index", e);
      }
      searchers = null;
    }
    statesOfVersion = null;
    long deadline = System.currentTimeMillis() + Math.min(waitMillis, Long.MAX_VALUE / 2);
    boolean wipe = false;
    while (true) {
      try {
        if (wipe) {
          removeAllFiles();
        }
        return new IndexWriter(directory, writerConfig(fresh));
      } catch (LockObtainFailedException e) {
        if (!waitOrGiveUp(deadline)) {
          return null;
        }
      } catch (IOException e) {
        // Even its last commit cannot be read: nothing of it can be kept. Over a readable one, a
        // new index keeps counting its versions on, so that readers elsewhere see it is new.
        if (!fresh || wipe) {
          throw e;
        }
        LOG.warn(
            "The full-text index in {} cannot be read ({}); starting it anew",
            where(),
            e.toString());
        wipe = true;
      }
    }
  }

  private static IndexWriterConfig writerConfig(boolean fresh) {
    return new IndexWriterConfig(TextAnalysis.INDEX)
        .setCodec(new Lucene912Codec(Lucene912Codec.Mode.BEST_SPEED))
        .setOpenMode(
            fresh ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
        .setCommitOnClose(false)
        .setRAMBufferSizeMB(64);
  }

  /** Sleeps a moment, or says to give up when the deadline has passed. */
  private static boolean waitOrGiveUp(long deadline) {
    if (System.currentTimeMillis() >= deadline) {
      return false;
    }
    try {
      Thread.sleep(50);
      return true;
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Deletes every file of the index, under its lock: what is damaged may not even be readable
   * enough for Lucene to replace it.
   */
  private void removeAllFiles() throws IOException {
    try (org.apache.lucene.store.Lock lock = directory.obtainLock(IndexWriter.WRITE_LOCK_NAME)) {
      for (String file : directory.listAll()) {
        if (!file.equals(IndexWriter.WRITE_LOCK_NAME)) {
          directory.deleteFile(file);
        }
      }
    }
  }

  /**
   * The layout of documents and what they hold: an index made with other settings is built again,
   * rather than holding thinking it should not, or results cut at another length.
   */
  private String format() {
    return FORMAT
        + " thinking="
        + settings.thinking()
        + " tool-result-chars="
        + settings.toolResultChars();
  }

  private String where() {
    return settings.dir() == null ? "memory" : settings.dir().toString();
  }

  private static BackendUnavailableException unavailable(String what, IOException e) {
    return new BackendUnavailableException(
        "Cannot " + what + ": " + io.sessionstore.spi.IoErrors.describe(e), e);
  }

  private static void createPrivateDirectories(Path dir) throws IOException {
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (Files.isDirectory(dir)) {
      if (posix) {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
      return;
    }
    if (posix) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
  }

  @Override
  public synchronized void close() {
    try {
      if (searchers != null) {
        searchers.close();
      }
      directory.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The folder of a store's index when the store is not on this machine: {@code
   * $XDG_CACHE_HOME/sessionstore/search/<store>}, else {@code
   * ~/.cache/sessionstore/search/<store>}, where {@code <store>} is a hash of what identifies the
   * store.
   */
  public static Path cacheFolder(String storeIdentity) {
    String env = System.getenv("XDG_CACHE_HOME");
    Path base =
        env != null && !env.isBlank() && Path.of(env).isAbsolute()
            ? Path.of(env)
            : Path.of(io.sessionstore.spi.ConfigValues.home(), ".cache");
    byte[] hash;
    try {
      hash =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(storeIdentity.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return base.resolve("sessionstore")
        .resolve("search")
        .resolve(java.util.HexFormat.of().formatHex(hash, 0, 16));
  }
}
