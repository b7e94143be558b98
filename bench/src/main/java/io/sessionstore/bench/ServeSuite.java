package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.SERVE_FIRST_PAGE;
import static io.sessionstore.bench.Workloads.SERVE_SEARCH;
import static io.sessionstore.bench.Workloads.SESSIONSTORE;

import io.sessionstore.server.BrowserOptions;
import io.sessionstore.server.SessionBrowser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.Consumer;

/**
 * {@code serve-first-page-10000} and {@code serve-search-10000}: the session browser's first page
 * (fifty sessions of {@link Sizes#searchLarge()}, newest first) and a search from its search box
 * (the sessions tagged {@code tag-N}: a tenth of them, a page of fifty), each a whole HTTP request
 * to a browser in this process over loopback, on the embedded file backend.
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
                i -> bytes[0] = get(client, base.resolve("/?q=tag-" + i % 10)));
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
