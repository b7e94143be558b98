package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.SERVE_FIRST_PAGE;
import static io.sessionstore.bench.Workloads.SERVE_SEARCH;
import static io.sessionstore.bench.Workloads.SESSIONSTORE;

import io.sessionstore.api.Page;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.server.BrowserOptions;
import io.sessionstore.server.SessionBrowser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.Consumer;

/**
 * {@code serve-first-page-10000} and {@code serve-search-10000}: the session browser's first page
 * (fifty sessions of {@link Sizes#searchLarge()}, newest first) and a full-text search from its
 * search box (a phrase of a real prompt, first page of fifty with snippets), each a whole HTTP
 * request to a browser in this process over loopback, on the embedded file backend.
 */
final class ServeSuite {
  private static final String PROJECT = "serve";

  private final Target target;
  private final Sizes sizes;
  private final Corpus corpus;
  private final Consumer<Row> out;

  ServeSuite(Target target, Sizes sizes, Corpus corpus, Consumer<Row> out) {
    this.target = target;
    this.sizes = sizes;
    this.corpus = corpus;
    this.out = out;
  }

  void run() throws Exception {
    try (Namespace ns = Namespace.open(target)) {
      Population.write(ns.store, corpus, PROJECT, sizes.searchLarge(), sizes.sessionMessages());
      String phrase = null;
      for (String cursor = null; phrase == null; ) {
        Page<SessionMetadata> page =
            ns.store.search(
                SearchQuery.in(Scope.project(PROJECT)).limit(100).cursor(cursor).build());
        for (SessionMetadata m : page.items()) {
          phrase =
              phrase != null
                  ? phrase
                  : TextSearchSuite.phraseOf(ns.store.loadMessages(m.key(), 0, 100));
        }
        cursor = page.nextCursor();
        if (cursor == null && phrase == null) {
          throw new IllegalStateException("the sessions hold no prompt to search for");
        }
      }
      String query =
          "/?q=" + java.net.URLEncoder.encode(phrase, java.nio.charset.StandardCharsets.UTF_8);
      try (SessionBrowser browser =
          new SessionBrowser(ns.store, BrowserOptions.defaults().withPort(0))) {
        URI base = browser.start();
        HttpClient client = HttpClient.newHttpClient();
        long[] bytes = new long[1];
        Stats first =
            Sampler.time(
                sizes.warmup(), sizes.iterations(), i -> bytes[0] = get(client, base.resolve("/")));
        out.accept(Row.of(SERVE_FIRST_PAGE, target.name(), SESSIONSTORE, first, bytes[0]));
        Stats search =
            Sampler.time(
                sizes.warmup(),
                sizes.iterations(),
                i -> bytes[0] = get(client, base.resolve(query)));
        out.accept(Row.of(SERVE_SEARCH, target.name(), SESSIONSTORE, search, bytes[0]));
      }
    }
  }

  private static long get(HttpClient client, URI uri) throws Exception {
    HttpResponse<byte[]> r =
        client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(uri + " answered " + r.statusCode());
    }
    return r.body().length;
  }
}
