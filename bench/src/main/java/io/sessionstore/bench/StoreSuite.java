package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import io.sessionstore.api.CleanupResult;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.Message;
import io.sessionstore.api.Page;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.WriteResult;
import io.sessionstore.tck.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Every workload on one backend through the public API, with the defaults a user gets (cache on). */
final class StoreSuite {
  /** Search data is written at one session a minute from here, so a time range selects a known share. */
  static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");
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
    save();
    append(APPEND_SHORT, sizes.appendShort());
    append(APPEND_MID, sizes.appendMid());
    append(APPEND_LONG, sizes.appendLong());
    loads();
    searchesAndArchives();
    cleanup();
    recording();
  }

  private void save() throws Exception {
    List<Message> messages = corpus.next(sizes.saveMessages());
    try (Namespace ns = Namespace.open(target)) {
      Stats stats = Sampler.time(sizes.warmup(), sizes.iterations(),
          i -> ns.store.saveSession(ns.store.key("save-" + i), messages));
      report(SAVE, stats, Corpus.bytes(messages));
    }
  }

  private void append(String workload, int length) throws Exception {
    int operations = sizes.warmup() + sizes.iterations();
    int sessions = appendSessions(length, operations);
    List<Message> added = corpus.next(operations);
    try (Namespace ns = Namespace.open(target)) {
      SessionStore store = ns.store;
      for (int k = 0; k < sessions; k++) {
        store.saveSession(store.key("append-" + k), corpus.next(length));
      }
      Stats stats = Sampler.time(sizes.warmup(), sizes.iterations(), i -> {
        WriteResult r = store.appendMessages(store.key("append-" + i % sessions), List.of(added.get(i)));
        if (r.stored() != 1) {
          throw new IllegalStateException("An append stored " + r.stored() + " messages, not 1");
        }
      });
      report(workload, stats, Corpus.bytes(added) / operations);
    }
  }

  /** Warm: through the cache a user has by default. Cold: a second store on the same data, cache off. */
  private void loads() throws Exception {
    int n = sizes.loadSessions();
    long bytes = 0;
    try (Namespace ns = Namespace.open(target)) {
      for (int k = 0; k < n; k++) {
        List<Message> messages = corpus.next(sizes.saveMessages());
        bytes += Corpus.bytes(messages);
        ns.store.saveSession(ns.store.key("load-" + k), messages);
      }
      Stats warm = Sampler.time(sizes.warmup(), sizes.iterations(),
          i -> ns.store.loadSession(ns.store.key("load-" + i % n)).orElseThrow());
      report(LOAD_WARM, warm, bytes / n);
      try (SessionStore cold = Target.open(Target.with(ns.config, "sessionstore.cache.enabled", "false"))) {
        Stats stats = Sampler.time(sizes.warmup(), sizes.iterations(),
            i -> cold.loadSession(cold.key("load-" + i % n)).orElseThrow());
        report(LOAD_COLD, stats, bytes / n);
      }
    }
  }

  private void searchesAndArchives() throws Exception {
    MutableClock clock = new MutableClock(BASE);
    byte[] archive;
    try (Namespace ns = Namespace.open(target, clock)) {
      SessionStore store = ns.store;
      populate(store, clock, SMALL, sizes.searchSmall(), BASE);
      populate(store, clock, LARGE, sizes.searchLarge(), BASE);
      search(store, SEARCH_TAG_SMALL, tagQuery(SMALL));
      search(store, SEARCH_TAG_LARGE, tagQuery(LARGE));
      search(store, SEARCH_TIME_SMALL, timeQuery(SMALL, sizes.searchSmall()));
      search(store, SEARCH_TIME_LARGE, timeQuery(LARGE, sizes.searchLarge()));
      search(store, LIST, SearchQuery.in(Scope.project(SMALL)).limit(100).build());

      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      store.exportSessions(SearchQuery.in(Scope.project(SMALL)).build(), buffer);
      archive = buffer.toByteArray();
      Stats export = Sampler.time(1, sizes.bulkIterations(),
          i -> store.exportSessions(SearchQuery.in(Scope.project(SMALL)).build(), new ByteArrayOutputStream()));
      out.accept(Row.throughput(EXPORT, target.name(), SESSIONSTORE, export, archive.length));
    }
    Stats imports = Sampler.timeBulk(0, sizes.bulkIterations(), new Sampler.Bulk<Namespace>() {
      @Override
      public Namespace prepare() throws Exception {
        return Namespace.open(target);
      }

      @Override
      public void run(Namespace ns) {
        ImportResult r = ns.store.importSessions(new ByteArrayInputStream(archive), ImportOptions.DEFAULTS);
        if (r.created() != sizes.searchSmall()) {
          throw new IllegalStateException("An import created " + r.created() + " sessions, not " + sizes.searchSmall());
        }
      }
    });
    out.accept(Row.throughput(IMPORT, target.name(), SESSIONSTORE, imports, archive.length));
  }

  private void search(SessionStore store, String workload, SearchQuery query) throws Exception {
    Stats stats = Sampler.time(sizes.warmup(), sizes.iterations(), i -> {
      Page<SessionMetadata> page = store.search(query);
      if (page.items().isEmpty()) {
        throw new IllegalStateException(workload + " found nothing");
      }
    });
    report(workload, stats, 0);
  }

  /** One tenth of the sessions carry each tag. */
  private static SearchQuery tagQuery(String project) {
    return SearchQuery.in(Scope.project(project)).tags("tag-3").limit(100).build();
  }

  /** The middle tenth of the sessions' update times. */
  private static SearchQuery timeQuery(String project, int sessions) {
    return SearchQuery.in(Scope.project(project)).updatedAfter(BASE.plus(Duration.ofMinutes(sessions * 45L / 100)))
        .updatedBefore(BASE.plus(Duration.ofMinutes(Math.max(1, sessions * 55L / 100)))).limit(100).build();
  }

  /** Sessions of a few real messages, tagged {@code tag-0}..{@code tag-9}, written a minute apart from start. */
  private void populate(SessionStore store, MutableClock clock, String project, int sessions, Instant start) {
    for (int i = 0; i < sessions; i++) {
      clock.set(start.plus(Duration.ofMinutes(i)));
      store.saveSession(SessionKey.of(project, "s-" + i), corpus.next(sizes.sessionMessages()),
          SaveOptions.tags("tag-" + i % 10, "bench"));
    }
  }

  /** One operation: remove every session of a project last written in 2020. */
  private void cleanup() throws Exception {
    int n = sizes.cleanupSessions();
    Stats stats = Sampler.timeBulk(0, sizes.bulkIterations(), new Sampler.Bulk<Namespace>() {
      @Override
      public Namespace prepare() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2020-01-01T00:00:00Z"));
        Namespace ns = Namespace.open(target, clock);
        populate(ns.store, clock, "old", n, clock.instant());
        clock.set(Instant.now());
        return ns;
      }

      @Override
      public void run(Namespace ns) {
        CleanupResult r = ns.store.cleanupOldSessions(Duration.ofDays(30), Scope.project("old"), false);
        if (r.count() != n) {
          throw new IllegalStateException("A cleanup removed " + r.count() + " sessions, not " + n);
        }
      }
    });
    report(CLEANUP, stats, 0);
  }

  /** What {@code record} does: each session grown one message at a time, then every session loaded once. */
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
          throw new IllegalStateException("A recorded session holds " + loaded + " messages, not " + length);
        }
      }
    }
    report(RECORDING, new Stats(nanos), data.stream().mapToLong(Corpus::bytes).sum());
  }

  private void report(String workload, Stats stats, long bytes) {
    out.accept(Row.of(workload, target.name(), SESSIONSTORE, stats, bytes));
  }
}
