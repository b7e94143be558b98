package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import io.sessionstore.api.Message;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Full-text search on the file backend, over a history of {@link Sizes#searchSmall()} sessions of
 * {@link Sizes#textMessages()} real lines each, against what the store does without the index:
 *
 * <ul>
 *   <li>{@code text-index-mb}: building the index from every message (MB/s of messages; the stored
 *       ratio is the index's bytes over the messages'); floor: reading every message;
 *   <li>{@code text-query}: a phrase query, first page of 20 with snippets, in a warm store; floor:
 *       a metadata search for the same page;
 *   <li>{@code fresh-text-query}: the same from a new store instance, as a new process; floor: a
 *       fresh metadata search;
 *   <li>{@code text-catch-up}: one message appended, then a query that finds it (the index catches
 *       up first); floor: the append alone.
 * </ul>
 */
final class TextSearchSuite {
  private final Target target;
  private final Sizes sizes;
  private final Corpus corpus;
  private final Consumer<Row> out;

  TextSearchSuite(Target target, Sizes sizes, Consumer<Row> out) {
    this.target = target;
    this.sizes = sizes;
    // A corpus of its own, from the start of the kit's lines: the same history whatever ran before.
    this.corpus = Corpus.load();
    this.out = out;
  }

  void run() throws Exception {
    try (Namespace ns = Namespace.open(target)) {
      SessionStore store = ns.store;
      long bytes = 0;
      String phrase = null;
      for (int s = 0; s < sizes.searchSmall(); s++) {
        List<Message> messages = corpus.next(sizes.textMessages());
        if (phrase == null) {
          phrase = phraseOf(messages);
        }
        for (Message m : messages) {
          bytes += m.json().length() + 1;
        }
        store.saveSession(key(s), messages, SaveOptions.NONE);
      }
      if (phrase == null) {
        throw new IllegalStateException("the history has no prompt to search for");
      }
      long messageBytes = bytes;
      Path index = Path.of(ns.config.get("sessionstore.file.dir")).resolve("search-index");

      Stats build =
          Sampler.time(
              0, sizes.bulkIterations(), i -> store.rebuildTextIndex(ProgressListener.NONE));
      out.accept(
          Row.throughput(TEXT_INDEX, target.name(), SESSIONSTORE, build, messageBytes)
              .withStoredRatio((double) folderBytes(index) / messageBytes));
      Stats read =
          Sampler.time(
              0,
              sizes.bulkIterations(),
              i -> {
                for (int s = 0; s < sizes.searchSmall(); s++) {
                  try (Stream<Message> m = store.streamMessages(key(s))) {
                    m.forEach(x -> {});
                  }
                }
              });
      out.accept(Row.throughput(TEXT_INDEX, target.name(), FLOOR, read, messageBytes));

      SearchQuery text = SearchQuery.in(Scope.allProjects()).matching(phrase).limit(20).build();
      SearchQuery metadata = SearchQuery.in(Scope.allProjects()).limit(20).build();
      List<Stats> queries =
          Sampler.interleaved(
              sizes.warmup(),
              sizes.iterations(),
              List.of(i -> found(store.searchText(text).items()), i -> store.search(metadata)));
      out.accept(Row.of(TEXT_QUERY, target.name(), SESSIONSTORE, queries.get(0), 0));
      out.accept(Row.of(TEXT_QUERY, target.name(), FLOOR, queries.get(1), 0));

      List<Stats> fresh =
          Sampler.interleaved(
              1,
              Math.max(5, sizes.iterations() / 10),
              List.of(
                  i -> {
                    try (SessionStore s = Target.open(ns.config)) {
                      found(s.searchText(text).items());
                    }
                  },
                  i -> {
                    try (SessionStore s = Target.open(ns.config)) {
                      s.search(metadata);
                    }
                  }));
      out.accept(Row.of(TEXT_QUERY_FRESH, target.name(), SESSIONSTORE, fresh.get(0), 0));
      out.accept(Row.of(TEXT_QUERY_FRESH, target.name(), FLOOR, fresh.get(1), 0));

      SessionKey grown = key(0);
      Stats catchUp =
          Sampler.time(
              sizes.warmup(),
              sizes.iterations(),
              i -> {
                String word = "zqcatchup" + letters(i);
                store.appendMessages(grown, List.of(prompt(word)));
                found(
                    store
                        .searchText(SearchQuery.in(Scope.allProjects()).matching(word).build())
                        .items());
              });
      out.accept(Row.of(TEXT_CATCH_UP, target.name(), SESSIONSTORE, catchUp, 0));
      Stats append =
          Sampler.time(
              sizes.warmup(),
              sizes.iterations(),
              i -> store.appendMessages(grown, List.of(prompt("zqappend" + letters(i)))));
      out.accept(Row.of(TEXT_CATCH_UP, target.name(), FLOOR, append, 0));
    }
  }

  /**
   * Two words of the first prompt written as a plain string, a phrase most sessions hold; null when
   * there is none.
   */
  static String phraseOf(List<Message> messages) {
    java.util.regex.Pattern prompt =
        java.util.regex.Pattern.compile("\"content\":\"([^\"\\\\]{20,})\"");
    for (Message m : messages) {
      java.util.regex.Matcher text = prompt.matcher(m.json());
      if (text.find()) {
        java.util.regex.Matcher words =
            java.util.regex.Pattern.compile("[A-Za-z]{4,}").matcher(text.group(1));
        if (words.find()) {
          String first = words.group();
          if (words.find()) {
            return "\"" + first + " " + words.group() + "\"";
          }
        }
      }
    }
    return null;
  }

  private static SessionKey key(int s) {
    return SessionKey.of("bench-text", String.format("text-%05d", s));
  }

  private static Message prompt(String word) {
    return Message.of(
        "{\"type\":\"user\",\"uuid\":\""
            + word
            + "\",\"message\":{\"role\":\"user\",\"content\":\"remember the "
            + word
            + "\"}}");
  }

  /** Letters only, so that the word is one term of its own. */
  private static String letters(int i) {
    StringBuilder w = new StringBuilder();
    for (char c : Integer.toString(i).toCharArray()) {
      w.append((char) ('a' + (c - '0')));
    }
    return w.toString();
  }

  private static void found(List<?> hits) {
    if (hits.isEmpty()) {
      throw new IllegalStateException("the full-text query found nothing");
    }
  }

  private static long folderBytes(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
