package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import io.sessionstore.api.Message;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The naive design's workloads, on the same data and sizes as the store's; reported as backend
 * {@code file}.
 */
final class NaiveSuite {
  private final Path root;
  private final Sizes sizes;
  private final Corpus corpus;
  private final Consumer<Row> out;
  private int dirs;

  NaiveSuite(Path root, Sizes sizes, Corpus corpus, Consumer<Row> out) {
    this.root = root;
    this.sizes = sizes;
    this.corpus = corpus;
    this.out = out;
  }

  void run() throws Exception {
    save();
    append(APPEND_SHORT, sizes.appendShort());
    append(APPEND_MID, sizes.appendMid());
    append(APPEND_LONG, sizes.appendLong());
    load();
    searches();
    recording();
    FileTarget.deleteTree(root);
  }

  private NaiveStore fresh() throws Exception {
    return new NaiveStore(root.resolve("naive-" + ++dirs));
  }

  private void save() throws Exception {
    NaiveStore store = fresh();
    List<Message> messages = corpus.next(sizes.saveMessages());
    Stats stats =
        Sampler.time(
            sizes.warmup(),
            sizes.iterations(),
            i -> store.save("save-" + i, messages, List.of(), Instant.now()));
    report(SAVE, stats, Corpus.bytes(messages));
  }

  private void append(String workload, int length) throws Exception {
    NaiveStore store = fresh();
    int operations = sizes.warmup() + sizes.iterations();
    int sessions = appendSessions(length, operations);
    List<Message> added = corpus.next(operations);
    for (int k = 0; k < sessions; k++) {
      store.save("append-" + k, corpus.next(length), List.of(), Instant.now());
    }
    Stats stats =
        Sampler.time(
            sizes.warmup(),
            sizes.iterations(),
            i -> store.append("append-" + i % sessions, added.get(i), Instant.now()));
    report(workload, stats, Corpus.bytes(added) / operations);
  }

  private void load() throws Exception {
    NaiveStore store = fresh();
    int n = sizes.loadSessions();
    long bytes = 0;
    for (int k = 0; k < n; k++) {
      List<Message> messages = corpus.next(sizes.saveMessages());
      bytes += Corpus.bytes(messages);
      store.save("load-" + k, messages, List.of(), Instant.now());
    }
    Stats stats =
        Sampler.time(sizes.loadWarmup(), sizes.iterations(), i -> store.load("load-" + i % n));
    report(LOAD_COLD, stats, bytes / n);
  }

  private void searches() throws Exception {
    for (int sessions : List.of(sizes.searchSmall(), sizes.searchLarge())) {
      NaiveStore store = fresh();
      for (int i = 0; i < sessions; i++) {
        store.save(
            "s-" + i,
            corpus.next(sizes.sessionMessages()),
            List.of("tag-" + i % 10, "bench"),
            Population.at(i));
      }
      Instant[] range = Population.middleTenth(sessions);
      long from = range[0].toEpochMilli();
      long to = range[1].toEpochMilli();
      boolean small = sessions == sizes.searchSmall();
      search(store, small ? SEARCH_TAG_SMALL : SEARCH_TAG_LARGE, s -> s.tags().contains("tag-3"));
      search(
          store,
          small ? SEARCH_TIME_SMALL : SEARCH_TIME_LARGE,
          s -> s.updatedAt() >= from && s.updatedAt() < to);
      if (small) {
        search(store, LIST, s -> true);
      }
    }
  }

  private void search(NaiveStore store, String workload, Predicate<NaiveStore.Session> filter)
      throws Exception {
    // Every query reads every file: a few runs say enough, and more would dominate the whole bench.
    int iterations = Math.max(1, sizes.iterations() / 20);
    Stats stats =
        Sampler.time(
            Math.max(1, sizes.warmup() / 20),
            iterations,
            i -> {
              if (store.search(filter, 100).isEmpty()) {
                throw new IllegalStateException(workload + " found nothing");
              }
            });
    report(workload, stats, 0);
  }

  private void recording() throws Exception {
    NaiveStore store = fresh();
    int sessions = sizes.recordingSessions();
    int length = sizes.recordingLength();
    long[] nanos = new long[sessions * length + sessions];
    int op = 0;
    long bytes = 0;
    for (int r = 0; r < sessions; r++) {
      List<Message> messages = corpus.next(length);
      bytes += Corpus.bytes(messages);
      for (Message m : messages) {
        long start = System.nanoTime();
        store.append("recording-" + r, m, Instant.now());
        nanos[op++] = System.nanoTime() - start;
      }
    }
    for (int r = 0; r < sessions; r++) {
      long start = System.nanoTime();
      store.load("recording-" + r);
      nanos[op++] = System.nanoTime() - start;
    }
    report(RECORDING, new Stats(nanos), bytes);
  }

  private void report(String workload, Stats stats, long bytes) {
    out.accept(Row.of(workload, "file", NAIVE, stats, bytes));
  }
}
