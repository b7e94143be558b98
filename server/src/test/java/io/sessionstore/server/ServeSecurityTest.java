package io.sessionstore.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keeps a transcript's text from running and the archive from other sites and people:
 * escaping, headers, the token, the bind rule, the cross-site checks, the Host check and the edit
 * rules.
 */
class ServeSecurityTest {
  @TempDir static Path tmp;
  static SessionStore store;
  static SessionBrowser open;
  static TestHttp http;

  @BeforeAll
  static void start() {
    store = TestArchive.open(tmp);
    open = new SessionBrowser(store, BrowserOptions.defaults().withPort(0));
    http = new TestHttp(open.start());
  }

  @AfterAll
  static void stop() {
    open.close();
    store.close();
  }

  @Test
  void everyResponseCarriesTheSecurityHeadersAndNoCorsHeaders() {
    for (String path :
        List.of(
            "/",
            "/usage",
            Urls.session(TestArchive.HOSTILE),
            Urls.sessionPart(TestArchive.HOSTILE, "download.jsonl"),
            "/api/sessions",
            "/api/nothing",
            "/static/app.css",
            "/nowhere",
            "/session/default/none")) {
      HttpResponse<String> r = http.get(path);
      assertEquals(
          "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:;"
              + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
          r.headers().firstValue("Content-Security-Policy").orElse(null),
          path);
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), path);
      assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(null), path);
      assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(null), path);
      assertTrue(
          r.headers().map().keySet().stream()
              .noneMatch(h -> h.toLowerCase().startsWith("access-control-")),
          path);
    }
  }

  @Test
  void hostileTranscriptTextIsShownAsTextNeverAsMarkup() {
    String body = http.get(Urls.session(TestArchive.HOSTILE)).body();
    assertFalse(body.contains("<img src=x"), "no live img element");
    assertFalse(body.contains("<script>document"), "no live script");
    assertTrue(
        body.contains("&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;"));
    assertFalse(body.contains("href=\"javascript"), "transcript text never becomes a link");
    assertTrue(body.contains("[click me](javascript:alert(1))"));
    // Bidirectional controls are shown, not obeyed.
    assertTrue(body.contains("⟨U+202E⟩") && body.contains("⟨U+2066⟩") && body.contains("⟨U+200F⟩"));
    assertFalse(body.contains("\u202E"));
    // The huge line is cut, with a way to the whole.
    assertFalse(body.contains("THE-END-OF-THE-HUGE-LINE"));
    assertTrue(body.contains("more characters not shown"));
    // No page has an inline script or handler: only the one script file.
    assertEquals(1, body.split("<script").length - 1);
    assertTrue(body.contains("<script src=\"/static/app.js\" defer></script>"));
    assertFalse(
        Pattern.compile("<[^>]+\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(body).find());
  }

  @Test
  void hostileIdsTagsAndSummariesAreEscapedInTheListAndEncodedInLinks() {
    String body = http.get("/").body();
    assertFalse(body.contains("<svg onload"));
    assertFalse(body.contains("<b>tag</b>"));
    assertFalse(body.contains("<i>summary</i>"));
    assertTrue(body.contains("&lt;i&gt;summary&lt;/i&gt;"));
    assertTrue(body.contains(Urls.session(TestArchive.HOSTILE_ID)));
    assertTrue(Urls.session(TestArchive.HOSTILE_ID).startsWith("/session/default/%22%3E%3Csvg"));
    HttpResponse<String> page = http.get(Urls.session(TestArchive.HOSTILE_ID));
    assertEquals(200, page.statusCode());
    assertFalse(page.body().contains("<svg onload"));
  }

  @Test
  void theJsonEndpointsDownloadsAndFragmentsRefuseCrossSiteRequests() {
    String fragment = Urls.sessionPart(TestArchive.LONG, "messages") + "?from=200";
    for (String path :
        List.of(
            "/api/sessions", Urls.sessionPart(TestArchive.HOSTILE, "download.jsonl"), fragment)) {
      assertEquals(403, http.get(path, "Sec-Fetch-Site", "cross-site").statusCode(), path);
      assertEquals(403, http.get(path, "Sec-Fetch-Site", "same-site").statusCode(), path);
      assertEquals(403, http.get(path, "Origin", "http://evil.example").statusCode(), path);
      assertEquals(200, http.get(path, "Sec-Fetch-Site", "same-origin").statusCode(), path);
      assertEquals(200, http.get(path).statusCode(), "a script sends neither: " + path);
    }
    // A link from elsewhere may still open the list (a top-level navigation).
    assertEquals(200, http.get("/", "Sec-Fetch-Site", "cross-site").statusCode());
  }

  @Test
  void onLoopbackTheHostHeaderMustNameThisServer() throws Exception {
    int port = http.base.getPort();
    assertTrue(http.statusWithHost("/", "127.0.0.1:" + port).contains(" 200"));
    assertTrue(http.statusWithHost("/", "localhost:" + port).contains(" 200"));
    assertTrue(http.statusWithHost("/", "attacker.example:" + port).contains(" 421"));
    assertTrue(http.statusWithHost("/api/sessions", "attacker.example").contains(" 421"));
  }

  @Test
  void aNonLoopbackAddressNeedsAToken() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> SessionBrowser.checkBind(BrowserOptions.defaults().withBind("0.0.0.0")));
    assertTrue(e.getMessage().contains("--token"), e.getMessage());
    try (SessionBrowser b =
        new SessionBrowser(store, BrowserOptions.defaults().withBind("0.0.0.0").withPort(0))) {
      assertThrows(InvalidInputException.class, b::start);
    }
    SessionBrowser.checkBind(
        BrowserOptions.defaults().withBind("0.0.0.0").withToken("s3cret-token"));
    assertThrows(InvalidInputException.class, () -> BrowserOptions.defaults().withToken("a b"));
  }

  @Test
  void withATokenEveryRequestWithoutItIs401() throws Exception {
    try (SessionBrowser b =
        new SessionBrowser(
            store, BrowserOptions.defaults().withPort(0).withToken("s3cret-token"))) {
      TestHttp t = new TestHttp(b.start());
      for (String path : List.of("/", "/usage", "/api/sessions", "/static/app.css")) {
        HttpResponse<String> r = t.get(path);
        assertEquals(401, r.statusCode(), path);
        assertTrue(r.headers().firstValue("Content-Security-Policy").isPresent());
        assertFalse(r.body().contains("hostile markup"), "nothing of the archive");
      }
      assertEquals(401, t.get("/", "Authorization", "Bearer wrong").statusCode());
      assertEquals(401, t.get("/?token=wrong").statusCode());
      assertEquals(
          200, t.get("/api/sessions", "Authorization", "Bearer s3cret-token").statusCode());
      // The token in the address once: a cookie only this server's pages send, and an address
      // without the token.
      HttpResponse<String> first = t.get("/?token=s3cret-token&tag=hostile");
      assertEquals(303, first.statusCode());
      assertEquals("/?tag=hostile", first.headers().firstValue("Location").orElseThrow());
      String cookie = first.headers().firstValue("Set-Cookie").orElseThrow();
      assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
      String pair = cookie.substring(0, cookie.indexOf(';'));
      assertEquals(200, t.get("/?tag=hostile", "Cookie", pair).statusCode());
      assertEquals(401, t.get("/", "Cookie", pair + "x").statusCode());
      assertTrue(b.openUrl().toString().endsWith("/?token=s3cret-token"));
      // The redirect never leads elsewhere.
      String sneaky = t.raw("//evil.example/?token=s3cret-token", "127.0.0.1:" + t.base.getPort());
      assertTrue(sneaky.startsWith("HTTP/1.1 303"), sneaky);
      assertTrue(sneaky.contains("\r\nLocation: /\r\n"), sneaky);
    }
  }

  @Test
  void aReadOnlyServerRefusesEdits() throws Exception {
    String path = Urls.sessionPart(TestArchive.HOSTILE, "edit");
    HttpResponse<String> r = http.post(path, "do=tags&addTags=x&csrf=anything");
    assertEquals(403, r.statusCode());
    assertFalse(store.getMetadata(TestArchive.HOSTILE).orElseThrow().tags().contains("x"));
    assertEquals(405, http.post("/", "x=1").statusCode());
  }

  @Test
  void editsNeedAllowEditAndThePagesCsrfToken() {
    try (SessionBrowser b =
        new SessionBrowser(store, BrowserOptions.defaults().withPort(0).withAllowEdit(true))) {
      TestHttp t = new TestHttp(b.start());
      String page = t.get(Urls.session(TestArchive.LONG)).body();
      Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]+)\"").matcher(page);
      assertTrue(csrf.find(), "edit forms with a CSRF token");
      String path = Urls.sessionPart(TestArchive.LONG, "edit");
      assertEquals(403, t.post(path, "do=tags&addTags=reviewed").statusCode());
      assertEquals(403, t.post(path, "do=tags&addTags=reviewed&csrf=00").statusCode());
      assertEquals(
          403,
          t.post(
                  path,
                  "do=tags&addTags=reviewed&csrf=" + csrf.group(1),
                  "Origin",
                  "http://evil.example")
              .statusCode());
      HttpResponse<String> ok =
          t.post(path, "do=tags&addTags=reviewed%2C+q1&csrf=" + csrf.group(1));
      assertEquals(303, ok.statusCode());
      assertEquals(
          Urls.session(TestArchive.LONG), ok.headers().firstValue("Location").orElseThrow());
      SessionMetadata m = store.getMetadata(TestArchive.LONG).orElseThrow();
      assertEquals(List.of("q1", "reviewed"), m.tags());
      assertEquals(
          303, t.post(path, "do=summary&summary=renamed&csrf=" + csrf.group(1)).statusCode());
      assertEquals("renamed", store.getMetadata(TestArchive.LONG).orElseThrow().summary());
      assertEquals(303, t.post(path, "do=untag&removeTag=q1&csrf=" + csrf.group(1)).statusCode());
      assertEquals(List.of("reviewed"), store.getMetadata(TestArchive.LONG).orElseThrow().tags());
      assertEquals(400, t.post(path, "do=tags&addTags=%01bad&csrf=" + csrf.group(1)).statusCode());
    }
  }

  @Test
  void aStoreThatFailsGivesAClearErrorPageNotABlankOne() {
    SessionStore failing =
        storeWhose(
            "search",
            () -> {
              throw new BackendUnavailableException("Cannot read the index: connection refused");
            });
    SessionStore failingUsage =
        storeWhose(
            "usageReport",
            () -> {
              throw new BackendUnavailableException("Cannot read the index: connection refused");
            });
    try (SessionBrowser b = new SessionBrowser(failing, BrowserOptions.defaults().withPort(0))) {
      TestHttp t = new TestHttp(b.start());
      HttpResponse<String> page = t.get("/");
      assertEquals(503, page.statusCode());
      assertTrue(page.body().contains("The store is unavailable: Cannot read the index"));
      assertTrue(page.body().contains("<h1>Store unavailable</h1>"));
      try (SessionBrowser u =
          new SessionBrowser(failingUsage, BrowserOptions.defaults().withPort(0))) {
        HttpResponse<String> json = new TestHttp(u.start()).get("/api/usage");
        assertEquals(503, json.statusCode());
        assertTrue(json.body().contains("\"error\""));
      }
      // What does not need the failing call still works.
      assertEquals(200, t.get(Urls.session(TestArchive.HOSTILE)).statusCode());
    }
  }

  @Test
  void aStoreThatDoesNotAnswerGivesA504InTime() {
    SessionStore slow =
        storeWhose(
            "search",
            () -> {
              Thread.sleep(10_000);
              return null;
            });
    try (SessionBrowser b =
        new SessionBrowser(
            slow, BrowserOptions.defaults().withPort(0).withStoreTimeout(Duration.ofMillis(300)))) {
      TestHttp t = new TestHttp(b.start());
      long t0 = System.nanoTime();
      HttpResponse<String> page = t.get("/");
      assertEquals(504, page.statusCode());
      assertTrue(page.body().contains("did not answer"));
      assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }
  }

  @Test
  void onlyGetHeadAndPostAreAnswered() throws Exception {
    var req =
        java.net.http.HttpRequest.newBuilder(http.base.resolve("/"))
            .method("DELETE", java.net.http.HttpRequest.BodyPublishers.noBody())
            .build();
    assertEquals(405, http.client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode());
    var head =
        java.net.http.HttpRequest.newBuilder(http.base.resolve("/"))
            .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
            .build();
    assertEquals(200, http.client.send(head, HttpResponse.BodyHandlers.discarding()).statusCode());
  }

  /** The test's real store, but for one method, which runs {@code instead}. */
  private static SessionStore storeWhose(String method, Callable<Object> instead) {
    return (SessionStore)
        Proxy.newProxyInstance(
            SessionStore.class.getClassLoader(),
            new Class<?>[] {SessionStore.class},
            (proxy, m, args) -> {
              if (m.getName().equals(method)) {
                return instead.call();
              }
              try {
                return m.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
