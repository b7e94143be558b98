package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import io.sessionstore.api.CleanupResult;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.Message;
import io.sessionstore.api.MigrationResult;
import io.sessionstore.api.Page;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.api.UsageGrouping;
import io.sessionstore.api.WriteResult;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.SupportsRequestCounts;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Every workload on one backend through the public API, with the defaults a user gets (cache on).
 */
final class StoreSuite {
  static final String SMALL = "small";
  static final String LARGE = "large";

  private final Target target;
  private final Sizes sizes;
  private final Corpus corpus;
  private final Consumer<Row> out;

  StoreSuite(Target target, Sizes sizes, Corpus corpus, Consumer<Row> out) {
    this.target = target;
    this.sizes = sizes;
    this.corpus = corpus;
    this.out = out;
  }

  void run() throws Exception {
    // The appends' and loads' set-up saves sessions: save-100, measured after them, meets a write
    // path the JIT has compiled. As a run's first series, its 100 warm-up saves ended while the
    // JIT was still compiling on both cores; a warm-up ten times longer wrote 150 MB just before
    // the appends, which then ran at half their rate in both full runs that had it.
    appends();
    loads();
    save();
    searchesAndArchives();
    recording();
  }

  /**
   * {@code save-100} and its floor, interleaved (one save, then one plain write of the same bytes):
   * a write and a force of the disk took 0.15 ms in one run and 0.8 ms in the next, so a floor
   * measured minutes apart from the saves made their ratio anything from 2 to 8.
   */
  private void save() throws Exception {
    List<Message> messages = corpus.next(sizes.saveMessages());
    byte[] bytes = Corpus.lines(messages);
    Floor floor = target.floor();
    try (Namespace ns = Namespace.open(target)) {
      List<Stats> stats =
          Sampler.interleaved(
              sizes.warmup(),
              sizes.iterations(),
              List.of(
                  i -> ns.store.saveSession(ns.store.key("save-" + i), messages),
                  i -> floor.write("save-floor-" + i, bytes)));
      report(SAVE, stats.get(0), Corpus.bytes(messages));
      reportFloor(SAVE, stats.get(1), bytes.length);
    }
  }

  /**
   * The three append series, interleaved: their ratio is what the performance contract is about.
   * Their floor runs on its own ({@link FloorSuite}): interleaved with them, it writes a new file
   * between two appends, whose forced writes may then commit the file system's journal for it.
   */
  private void appends() throws Exception {
    List<String> workloads = List.of(APPEND_SHORT, APPEND_MID, APPEND_LONG);
    List<Integer> lengths = List.of(sizes.appendShort(), sizes.appendMid(), sizes.appendLong());
    int operations = sizes.warmup() + sizes.iterations();
    List<Namespace> namespaces = new ArrayList<>();
    try {
      List<Sampler.Op> series = new ArrayList<>();
      List<Long> bytes = new ArrayList<>();
      for (int length : lengths) {
        Namespace ns = Namespace.open(target);
        namespaces.add(ns);
        series.add(appendSeries(ns.store, length, operations, bytes));
      }
      List<Stats> stats = Sampler.interleaved(sizes.warmup(), sizes.iterations(), series);
      for (int j = 0; j < workloads.size(); j++) {
        report(workloads.get(j), stats.get(j), bytes.get(j));
      }
    } finally {
      for (Namespace ns : namespaces) {
        ns.close();
      }
    }
  }

  /** Sessions of the given length, and the appends of one message each that cycle through them. */
  private Sampler.Op appendSeries(
      SessionStore store, int length, int operations, List<Long> bytes) {
    int sessions = appendSessions(length, operations);
    for (int k = 0; k < sessions; k++) {
      store.saveSession(store.key("append-" + k), corpus.next(length));
    }
    List<Message> added = corpus.next(operations);
    bytes.add(Corpus.bytes(added) / operations);
    return i -> {
      WriteResult r =
          store.appendMessages(store.key("append-" + i % sessions), List.of(added.get(i)));
      if (r.stored() != 1) {
        throw new IllegalStateException("An append stored " + r.stored() + " messages, not 1");
      }
    };
  }

  /**
   * Warm: through the cache a user has by default. Cold: a second store on the same data, cache
   * off, interleaved with its floor: one plain read of the same session's bytes. The floor has no
   * cache, so it is the warm load's floor too.
   */
  private void loads() throws Exception {
    int n = sizes.loadSessions();
    long bytes = 0;
    Floor floor = target.floor();
    try (Namespace ns = Namespace.open(target)) {
      for (int k = 0; k < n; k++) {
        List<Message> messages = corpus.next(sizes.saveMessages());
        bytes += Corpus.bytes(messages);
        ns.store.saveSession(ns.store.key("load-" + k), messages);
        floor.write("load-floor-" + k, Corpus.lines(messages));
      }
      Stats warm =
          Sampler.time(
              sizes.loadWarmup(),
              sizes.iterations(),
              i -> ns.store.loadSession(ns.store.key("load-" + i % n)).orElseThrow());
      report(LOAD_WARM, warm, bytes / n);
      try (SessionStore cold =
          Target.open(Target.with(ns.config, "sessionstore.cache.enabled", "false"))) {
        List<Stats> stats =
            Sampler.interleaved(
                sizes.loadWarmup(),
                sizes.iterations(),
                List.of(
                    i -> cold.loadSession(cold.key("load-" + i % n)).orElseThrow(),
                    i -> floor.read("load-floor-" + i % n)));
        report(LOAD_COLD, stats.get(0), bytes / n);
        for (String workload : List.of(LOAD_COLD, LOAD_WARM)) {
          reportFloor(workload, stats.get(1), bytes / n);
        }
      }
    }
  }

  /**
   * Searches and listing over the population; then its export, and per bulk iteration an import of
   * that archive into an empty namespace followed by the cleanup of those (2020) sessions.
   */
  private void searchesAndArchives() throws Exception {
    // Two namespaces, so that neither population slows the other's queries or the export (on
    // mongo-java-server,
    // which ignores non-unique indexes, a query by session scans every message of the database).
    try (Namespace ns = Namespace.open(target)) {
      Population.write(ns.store, corpus, LARGE, sizes.searchLarge(), sizes.sessionMessages());
      search(ns.store, SEARCH_TAG_LARGE, tagQuery(LARGE));
      search(ns.store, SEARCH_TIME_LARGE, timeQuery(LARGE, sizes.searchLarge()));
      freshProcess(
          ns.config,
          ns.store.search(SearchQuery.in(Scope.project(LARGE)).limit(1).build()).items().get(0));
      usageByDay(ns.config);
    }
    ByteArrayOutputStream[] archives = new ByteArrayOutputStream[sizes.bulkIterations()];
    try (Namespace ns = Namespace.open(target)) {
      SessionStore store = ns.store;
      Population.write(store, corpus, SMALL, sizes.searchSmall(), sizes.sessionMessages());
      search(store, SEARCH_TAG_SMALL, tagQuery(SMALL));
      search(store, SEARCH_TIME_SMALL, timeQuery(SMALL, sizes.searchSmall()));
      search(store, LIST, SearchQuery.in(Scope.project(SMALL)).limit(100).build());
      // as `sessionstore export` does it: a new process
      long[] requests = new long[1];
      Stats export =
          Sampler.time(
              0,
              sizes.bulkIterations(),
              i -> {
                archives[i] = new ByteArrayOutputStream();
                requests[0] =
                    inFreshStore(
                        ns.config,
                        fresh ->
                            fresh.exportSessions(
                                SearchQuery.in(Scope.project(SMALL)).build(), archives[i]));
              });
      out.accept(
          withRequests(
              Row.throughput(EXPORT, target.name(), SESSIONSTORE, export, archives[0].size()),
              requests[0]));
    }
    byte[] archive = archives[0].toByteArray();
    int n = sizes.searchSmall();
    long[] imports = new long[sizes.bulkIterations()];
    long[] cleanups = new long[sizes.bulkIterations()];
    long stored = -1;
    for (int i = 0; i < sizes.bulkIterations(); i++) {
      try (Namespace ns = Namespace.open(target)) {
        long start = System.nanoTime();
        ImportResult imported =
            ns.store.importSessions(new ByteArrayInputStream(archive), ImportOptions.DEFAULTS);
        imports[i] = System.nanoTime() - start;
        if (i == 0) {
          stored = target.storedBytes(ns.config);
        }
        start = System.nanoTime();
        CleanupResult removed =
            ns.store.cleanupOldSessions(Duration.ofDays(30), Scope.project(SMALL), false);
        cleanups[i] = System.nanoTime() - start;
        if (imported.created() != n || removed.count() != n) {
          throw new IllegalStateException(
              "Imported "
                  + imported.created()
                  + " and cleaned up "
                  + removed.count()
                  + " sessions, not "
                  + n);
        }
      }
    }
    Row importRow =
        Row.throughput(IMPORT, target.name(), SESSIONSTORE, new Stats(imports), archive.length);
    out.accept(
        stored < 0 ? importRow : importRow.withStoredRatio((double) stored / archive.length));
    report(CLEANUP, new Stats(cleanups), 0);
    migration(archive);
    bulkFloors(archive);
  }

  /**
   * The bulk rows' floor: the archive's bytes written once, durably, as one object of the backend's
   * plain driver (an import or a migration stores at least those bytes), and read back once (an
   * export reads at least them).
   */
  private void bulkFloors(byte[] archive) throws Exception {
    Floor floor = target.floor();
    String prefix = "bulk-" + archive.length + "-";
    Stats writes = Sampler.time(1, sizes.bulkIterations(), i -> floor.write(prefix + i, archive));
    out.accept(Row.throughput(IMPORT, target.name(), FLOOR, writes, archive.length));
    out.accept(Row.throughput(MIGRATE, target.name(), FLOOR, writes, archive.length));
    Stats reads = Sampler.time(1, sizes.bulkIterations(), i -> floor.read(prefix + i));
    out.accept(Row.throughput(EXPORT, target.name(), FLOOR, reads, archive.length));
  }

  /**
   * What {@code sessionstore migrate} does from a laptop: the 1,000 sessions copied (and verified)
   * from an embedded file store into an empty namespace of this backend.
   */
  private void migration(byte[] archive) throws Exception {
    Path dir = Files.createTempDirectory("sessionstore-bench-source");
    Map<String, String> source =
        Map.of(
            "sessionstore.backend", "file",
            "sessionstore.project", "bench",
            "sessionstore.file.dir", dir.toString());
    try (SessionStore from = Target.open(source)) {
      from.importSessions(new ByteArrayInputStream(archive), ImportOptions.DEFAULTS);
      long[] nanos = new long[sizes.bulkIterations()];
      for (int i = 0; i < nanos.length; i++) {
        try (Namespace ns = Namespace.open(target)) {
          long start = System.nanoTime();
          MigrationResult r =
              from.migrateTo(
                  ns.store, SearchQuery.in(Scope.project(SMALL)).build(), ProgressListener.NONE);
          nanos[i] = System.nanoTime() - start;
          if (r.copied() != sizes.searchSmall()) {
            throw new IllegalStateException(
                "Migrated " + r.copied() + " sessions, not " + sizes.searchSmall());
          }
        }
      }
      out.accept(
          Row.throughput(MIGRATE, target.name(), SESSIONSTORE, new Stats(nanos), archive.length));
    } finally {
      FileTarget.deleteTree(dir);
    }
  }

  private void search(SessionStore store, String workload, SearchQuery query) throws Exception {
    Stats stats =
        Sampler.time(
            sizes.warmup(),
            sizes.iterations(),
            i -> {
              Page<SessionMetadata> page = store.search(query);
              if (page.items().isEmpty()) {
                throw new IllegalStateException(workload + " found nothing");
              }
            });
    report(workload, stats, 0);
  }

  /**
   * The fresh-process series: every operation on a new store instance, with the requests it sends.
   */
  private void freshProcess(Map<String, String> config, SessionMetadata session) throws Exception {
    fresh(
        FRESH_LIST,
        config,
        s -> s.search(SearchQuery.in(Scope.allProjects()).limit(20).build()).items());
    fresh(
        FRESH_SEARCH,
        config,
        s -> s.search(SearchQuery.in(Scope.allProjects()).tags("tag-3").limit(20).build()).items());
    // what `sessionstore info ID` does: the id looked up in every project, then the session's head
    fresh(
        FRESH_INFO,
        config,
        s -> s.getMetadata(s.findSessions(session.sessionId()).get(0).key()).stream().toList());
    fresh(FRESH_LOAD, config, s -> s.loadSession(session.key()).orElseThrow().messages());
  }

  /**
   * {@code sessionstore usage --by day} over the large population, as a new process runs it, with
   * its requests; its floor is a new process listing every head of the same population (all pages
   * of a plain search), which is all the report may read.
   */
  private void usageByDay(Map<String, String> config) throws Exception {
    SearchQuery all = SearchQuery.in(Scope.project(LARGE)).build();
    int iterations = Math.max(3, sizes.bulkIterations() * 3);
    fresh(
        USAGE_BY_DAY,
        SESSIONSTORE,
        iterations,
        config,
        s -> s.usageReport(all, UsageGrouping.DAY, ZoneOffset.UTC).rows());
    fresh(
        USAGE_BY_DAY,
        FLOOR,
        iterations,
        config,
        s -> {
          List<SessionMetadata> heads = new ArrayList<>();
          SearchQuery q = all.toBuilder().limit(SearchQuery.MAX_LIMIT).build();
          Page<SessionMetadata> page = s.search(q);
          heads.addAll(page.items());
          while (page.hasNext()) {
            page = s.search(q.toBuilder().cursor(page.nextCursor()).build());
            heads.addAll(page.items());
          }
          if (heads.size() != sizes.searchLarge()) {
            throw new IllegalStateException(
                "Listed " + heads.size() + " sessions, not " + sizes.searchLarge());
          }
          return heads;
        });
  }

  private void fresh(
      String workload, Map<String, String> config, Function<SessionStore, List<?>> op)
      throws Exception {
    fresh(workload, SESSIONSTORE, sizes.iterations(), config, op);
  }

  private void fresh(
      String workload,
      String system,
      int iterations,
      Map<String, String> config,
      Function<SessionStore, List<?>> op)
      throws Exception {
    long[] requests = new long[1];
    Stats stats =
        Sampler.time(
            1,
            iterations,
            i ->
                requests[0] =
                    inFreshStore(
                        config,
                        store -> {
                          if (op.apply(store).isEmpty()) {
                            throw new IllegalStateException(workload + " found nothing");
                          }
                        }));
    out.accept(withRequests(Row.of(workload, target.name(), system, stats, 0), requests[0]));
  }

  /**
   * Does the work on a new store instance, as a new process would, and gives the requests its
   * backend sent, start-up included, or -1 when the backend does not count them.
   */
  private static long inFreshStore(Map<String, String> config, Consumer<SessionStore> work)
      throws Exception {
    StorageBackend backend = Target.backend(config);
    try (SessionStore store =
        SessionStore.builder().config(SessionStoreConfig.of(config)).backend(backend).build()) {
      work.accept(store);
    }
    return backend instanceof SupportsRequestCounts counted ? counted.totalRequests() : -1;
  }

  private static Row withRequests(Row row, long requests) {
    return requests < 0 ? row : row.withRequestsPerOp(requests);
  }

  /** One tenth of the sessions carry each tag. */
  private static SearchQuery tagQuery(String project) {
    return SearchQuery.in(Scope.project(project)).tags("tag-3").limit(100).build();
  }

  /** The middle tenth of the sessions' update times. */
  private static SearchQuery timeQuery(String project, int sessions) {
    Instant[] range = Population.middleTenth(sessions);
    return SearchQuery.in(Scope.project(project))
        .updatedAfter(range[0])
        .updatedBefore(range[1])
        .limit(100)
        .build();
  }

  /**
   * What {@code record} does: each session grown one message at a time, then every session loaded
   * once.
   */
  private void recording() throws Exception {
    int sessions = sizes.recordingSessions();
    int length = sizes.recordingLength();
    List<List<Message>> data = new ArrayList<>();
    for (int r = 0; r < sessions; r++) {
      data.add(corpus.next(length));
    }
    long[] nanos = new long[sessions * length + sessions];
    int op = 0;
    try (Namespace ns = Namespace.open(target)) {
      SessionStore store = ns.store;
      for (int r = 0; r < sessions; r++) {
        SessionKey key = store.key("recording-" + r);
        for (Message m : data.get(r)) {
          long start = System.nanoTime();
          store.appendMessages(key, List.of(m));
          nanos[op++] = System.nanoTime() - start;
        }
      }
      for (int r = 0; r < sessions; r++) {
        long start = System.nanoTime();
        int loaded = store.loadSession(store.key("recording-" + r)).orElseThrow().messages().size();
        nanos[op++] = System.nanoTime() - start;
        if (loaded != length) {
          throw new IllegalStateException(
              "A recorded session holds " + loaded + " messages, not " + length);
        }
      }
    }
    report(RECORDING, new Stats(nanos), data.stream().mapToLong(Corpus::bytes).sum());
  }

  private void report(String workload, Stats stats, long bytes) {
    out.accept(Row.of(workload, target.name(), SESSIONSTORE, stats, bytes));
  }

  private void reportFloor(String workload, Stats stats, long bytes) {
    out.accept(Row.of(workload, target.name(), FLOOR, stats, bytes));
  }
}
