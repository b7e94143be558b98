package io.sessionstore.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.claude.view.TranscriptView;
import io.sessionstore.claude.view.ViewEntry;
import io.sessionstore.tck.Fixtures;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pages and JSON endpoints of a real server on a random port over a real file store holding the
 * kit's real Claude Code projects.
 */
class ServeEndpointsTest {
  @TempDir static Path tmp;
  static SessionStore store;
  static SessionBrowser browser;
  static TestHttp http;
  static final ObjectMapper JSON = new ObjectMapper();

  /** A fixture transcript, its key (as import-claude makes it) and its first typed prompt. */
  static String transcript;

  static SessionKey key;
  static String prompt;

  @BeforeAll
  static void start() throws Exception {
    store = TestArchive.open(tmp);
    browser = new SessionBrowser(store, BrowserOptions.defaults().withPort(0));
    http = new TestHttp(browser.start());
    transcript = TestArchive.WITH_SUBAGENTS;
    String[] parts = transcript.split("/");
    key = SessionKey.of(parts[1], parts[2].substring(0, parts[2].length() - ".jsonl".length()));
    for (String line : Fixtures.lines(transcript)) {
      JsonNode n = JSON.readTree(line);
      if (n.path("type").asText().equals("user")
          && n.path("message").path("content").isTextual()
          && !n.path("isMeta").asBoolean()
          && !n.path("message").path("content").asText().startsWith("<")) {
        prompt = n.path("message").path("content").asText();
        break;
      }
    }
    assertTrue(prompt != null, "no prompt in " + transcript);
  }

  @AfterAll
  static void stop() {
    browser.close();
    store.close();
  }

  @Test
  void theFirstPageListsSessionsNewestFirstWithLinksToEach() {
    HttpResponse<String> r = http.get("/");
    assertEquals(200, r.statusCode());
    assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
    String body = r.body();
    assertTrue(body.contains("<input type=\"search\" name=\"q\""), "a search box");
    assertTrue(body.contains("href=\"" + Urls.session(key) + "\""), "a link to " + key);
    assertTrue(body.contains("href=\"/usage\""), "a link to the usage page");
    // Newest first: the sessions saved by the test come before the imported (older) ones.
    assertTrue(body.indexOf("a long session") < body.indexOf(Urls.session(key)));
    // The project is shown as its working directory.
    assertTrue(body.contains(">/tmp/workspace</a>"), "the working directory");
  }

  @Test
  void pagesThroughTheStoreWithItsCursors() throws Exception {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      HttpResponse<String> r =
          http.get(
              "/api/sessions?limit=7" + (cursor == null ? "" : "&cursor=" + Urls.param(cursor)));
      assertEquals(200, r.statusCode(), r.body());
      JsonNode page = JSON.readTree(r.body());
      page.path("sessions")
          .forEach(s -> seen.add(s.path("project").asText() + "/" + s.path("sessionId").asText()));
      cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asText();
      pages++;
    } while (cursor != null && pages < 20);
    long sessions =
        store
            .search(
                io.sessionstore.api.SearchQuery.in(io.sessionstore.api.Scope.allProjects())
                    .limit(1000)
                    .build())
            .items()
            .size();
    assertEquals(sessions, seen.size());
    assertEquals(sessions, seen.stream().distinct().count(), "no session twice");
    assertTrue(pages > 1);
    // The HTML list pages likewise: a "Next page" link carries the cursor.
    String first = http.get("/").body();
    Matcher next = Pattern.compile("class=\"next\" href=\"([^\"]+)\"").matcher(first);
    if (sessions > Pages.PAGE_SIZE) {
      assertTrue(next.find());
      assertEquals(200, http.get(next.group(1).replace("&amp;", "&")).statusCode());
    }
  }

  @Test
  void filtersByProjectTagDatesAndCost() throws Exception {
    JsonNode byProject = api("/api/sessions?project=" + Urls.param(key.project()));
    assertTrue(byProject.path("sessions").size() >= 1);
    byProject
        .path("sessions")
        .forEach(s -> assertEquals(key.project(), s.path("project").asText()));
    JsonNode byTag = api("/api/sessions?tag=hostile");
    assertEquals(1, byTag.path("sessions").size());
    assertEquals("hostile-1", byTag.path("sessions").get(0).path("sessionId").asText());
    JsonNode none = api("/api/sessions?from=2999-01-01");
    assertEquals(0, none.path("sessions").size());
    // The date range is on the last activity (the messages' newest time), as the CLI's --after and
    // --before: the long session was stored today, its messages are of 2026-03-03.
    JsonNode active = api("/api/sessions?from=2026-03-03&to=2026-03-03");
    List<String> ids = new ArrayList<>();
    active.path("sessions").forEach(s -> ids.add(s.path("sessionId").asText()));
    assertTrue(ids.contains(TestArchive.LONG.sessionId()), ids.toString());
    assertFalse(ids.contains(TestArchive.HOSTILE.sessionId()), ids.toString());
    String list = http.get("/?tag=&project=default").body();
    assertTrue(
        list.contains("<td class=\"when\">2026-03-03 10:00</td>"), "the last activity shown");
    JsonNode costly = api("/api/sessions?minCost=0.01");
    costly
        .path("sessions")
        .forEach(s -> assertTrue(s.path("totalCostUsd").decimalValue().doubleValue() >= 0.01));
    assertEquals(400, http.get("/?minCost=lots").statusCode());
    assertEquals(400, http.get("/api/sessions?from=yesterday").statusCode());
  }

  @Test
  void theSearchBoxFindsASessionByTheWordsOfItsPromptAndMarksThem() throws Exception {
    List<String> words =
        java.util.regex.Pattern.compile("[A-Za-z]{4,}")
            .matcher(prompt)
            .results()
            .map(java.util.regex.MatchResult::group)
            .limit(3)
            .toList();
    String q = "\"" + String.join(" ", words) + "\"";
    HttpResponse<String> r = http.get("/?q=" + Urls.param(q));
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains(Urls.session(key)), "searching " + q + " lists " + key);
    assertTrue(r.body().contains("<mark>"), "the snippet marks the words");
    JsonNode api = api("/api/sessions?q=" + Urls.param(q));
    assertTrue(api.path("sessions").size() >= 1);
    assertTrue(
        api.path("sessions").get(0).path("matches").get(0).path("snippet").asText().contains("«"));
    assertEquals(
        0, api("/api/sessions?q=" + Urls.param("nosuchwordanywhere")).path("sessions").size());
  }

  @Test
  void aSessionPageShowsTheTranscriptMetadataSubagentsAndDownloads() {
    HttpResponse<String> r = http.get(Urls.session(key));
    assertEquals(200, r.statusCode());
    String body = r.body();
    assertTrue(body.contains(Html.text(prompt)), "the prompt");
    assertTrue(body.contains("class=\"subagents\""), "the subagents");
    for (String[] sub : Fixtures.subagentsOf(transcript)) {
      assertTrue(body.contains(Html.text(sub[0])), sub[0]);
      assertEquals(200, http.get(Urls.session(key.withSubpath(sub[0]))).statusCode());
    }
    assertTrue(
        body.contains("download.jsonl")
            && body.contains("download.md")
            && body.contains("download.html"));
    assertTrue(body.contains("<dt>Cost</dt>"));
    // Sub-agents inline, where they ran, as the view model places them.
    assertTrue(body.contains("<details class=\"agent\" open><summary>Sub-agent "), "inline");
    // Each turn's tokens and cost, and the session's, as the view model counts them.
    List<ViewEntry> entries;
    try (Stream<ViewEntry> s = TranscriptView.of(store).entries(key)) {
      entries = s.toList();
    }
    int turns = 0;
    for (ViewEntry e : entries) {
      if (e instanceof ViewEntry.TurnUsage u) {
        String line = "Turn " + u.turn() + ": " + TranscriptHtml.tokens(u.tokens());
        assertTrue(body.contains("<p class=\"turn\">" + Html.text(line) + "</p>"), line);
        turns++;
      } else if (e instanceof ViewEntry.TotalUsage u) {
        String line = "Total: " + TranscriptHtml.tokens(u.tokens());
        assertTrue(body.contains("<p class=\"turn total\">" + Html.text(line) + "</p>"), line);
      }
    }
    assertTrue(turns >= 2, "the fixture has several turns with usage");
    assertEquals(turns, body.split("<p class=\"turn\">").length - 1);
    // The total is the session's cost as the store keeps it.
    ViewEntry.TotalUsage total = (ViewEntry.TotalUsage) entries.get(entries.size() - 1);
    assertEquals(
        0,
        total.tokens().costUsd().compareTo(store.getMetadata(key).orElseThrow().totalCostUsd()),
        "the view's total and the stored cost");
    assertFalse(body.contains("<form method=\"post\""), "no edit controls on a read-only server");
  }

  @Test
  void toolCallsResultsAndThinkingAreFolded() {
    String withTools =
        Fixtures.jsonLinesFiles().stream()
            .filter(f -> f.startsWith("claude-projects/") && !f.contains("/subagents/"))
            .filter(f -> Fixtures.text(f).contains("\"tool_use\""))
            .findFirst()
            .orElseThrow();
    String[] parts = withTools.split("/");
    SessionKey k = SessionKey.of(parts[1], parts[2].substring(0, parts[2].length() - 6));
    String body = http.get(Urls.session(k)).body();
    assertTrue(
        Pattern.compile("<details class=\"tool-use\"( id=\"m\\d+\")?><summary>Tool call: ")
            .matcher(body)
            .find(),
        withTools);
    assertTrue(body.contains("<details class=\"tool-result"), withTools);
    assertTrue(body.contains("<details class=\"thinking"), withTools);
    // Folded: no details element of the transcript is open but a sub-agent's.
    assertFalse(Pattern.compile("<details class=\"(tool|thinking)[^>]* open").matcher(body).find());
  }

  @Test
  void theJsonLinesDownloadIsTheStoredBytesExactly() {
    HttpResponse<byte[]> r = http.bytes(Urls.sessionPart(key, "download.jsonl"));
    assertEquals(200, r.statusCode());
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (String line : Fixtures.lines(transcript)) {
      expected.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      expected.write('\n');
    }
    assertArrayEquals(expected.toByteArray(), r.body());
    assertTrue(
        r.headers().firstValue("Content-Disposition").orElseThrow().startsWith("attachment;"));
    String[] sub = Fixtures.subagentsOf(transcript).get(0);
    HttpResponse<byte[]> s =
        http.bytes(Urls.sessionPart(key.withSubpath(sub[0]), "download.jsonl"));
    ByteArrayOutputStream subExpected = new ByteArrayOutputStream();
    for (String line : Fixtures.lines(sub[1])) {
      subExpected.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      subExpected.write('\n');
    }
    assertArrayEquals(subExpected.toByteArray(), s.body());
  }

  @Test
  void markdownAndHtmlDownloadsReadAsTheConversation() {
    HttpResponse<String> md = http.get(Urls.sessionPart(key, "download.md"));
    assertEquals(200, md.statusCode());
    assertTrue(md.body().contains(prompt));
    assertTrue(md.body().contains("Turn 1"), "a heading per turn");
    HttpResponse<String> html = http.get(Urls.sessionPart(key, "download.html"));
    assertEquals(200, html.statusCode());
    assertTrue(html.body().startsWith("<!DOCTYPE html>"));
    assertFalse(html.body().contains("<script"), "no script");
    assertTrue(html.body().contains(Html.text(prompt)));
    assertTrue(html.body().contains("Content-Security-Policy"));
    assertEquals(404, http.get(Urls.sessionPart(key, "download.exe")).statusCode());
  }

  @Test
  void aLongSessionLoadsInPagesOf200() throws Exception {
    String body = http.get(Urls.session(TestArchive.LONG)).body();
    assertTrue(body.contains("question number 0"));
    assertTrue(body.contains("answer number 199"));
    assertFalse(body.contains("question number 200<"));
    assertEquals(200, body.split("<article class=\"msg ").length - 1);
    Matcher more = Pattern.compile("data-more=\"([^\"]+)\"").matcher(body);
    assertTrue(more.find(), "a link that loads more");
    String fragment = http.get(more.group(1).replace("&amp;", "&")).body();
    assertTrue(fragment.contains("question number 200"));
    assertTrue(fragment.contains("answer number 399"));
    assertFalse(fragment.contains("<html"), "a fragment, not a page");
    // Without the script: the plain link shows the next page.
    Matcher href = Pattern.compile("<p class=\"more\"><a href=\"([^\"]+)\"").matcher(body);
    assertTrue(href.find());
    String next = http.get(href.group(1).replace("&amp;", "&")).body();
    assertTrue(next.contains("question number 400") || next.contains("question number 200"));
    JsonNode page =
        api(
            Urls.session(TestArchive.LONG).replace("/session/", "/api/sessions/")
                + "/messages?from=440&limit=100");
    assertEquals(10, page.path("messages").size());
    assertTrue(page.path("next").isNull());
    assertEquals("l-440", page.path("messages").get(0).path("uuid").asText());
  }

  @Test
  void aSessionOf5000MessagesLoadsInChunksWithEveryTurnsUsageOnce() throws Exception {
    SessionKey big = SessionKey.of("default", "big-5000");
    List<io.sessionstore.api.Message> messages = new ArrayList<>();
    for (int turn = 1; messages.size() < 5000; turn++) {
      messages.add(
          TestArchive.user("b-" + messages.size(), "2026-03-04T10:00:00Z", "task " + turn));
      messages.add(
          TestArchive.assistant(
              "b-" + messages.size(), "2026-03-04T10:00:01Z", "done with task " + turn));
    }
    store.saveSession(big, messages, io.sessionstore.api.SaveOptions.NONE);
    String page = http.get(Urls.session(big)).body();
    String all = page;
    int chunks = 1;
    Matcher more = Pattern.compile("data-more=\"([^\"]+)\"").matcher(page);
    while (more.find()) {
      String fragment = http.get(more.group(1).replace("&amp;", "&")).body();
      assertTrue(
          fragment.split("<article class=\"msg ").length - 1 <= Pages.MESSAGES_PER_PAGE,
          "a chunk of at most 200 messages");
      all += fragment;
      chunks++;
      more = Pattern.compile("data-more=\"([^\"]+)\"").matcher(fragment);
    }
    assertEquals(25, chunks);
    Map<String, Integer> anchors = new HashMap<>();
    Matcher id = Pattern.compile(" id=\"m(\\d+)\"").matcher(all);
    while (id.find()) {
      anchors.merge(id.group(1), 1, Integer::sum);
    }
    assertEquals(5000, anchors.size(), "every message");
    assertTrue(anchors.values().stream().allMatch(n -> n == 1), "each once");
    // Each turn's usage once, even where a chunk ends with its turn: 5 in, 7 out per answer.
    Map<String, Integer> turns = new HashMap<>();
    Matcher turn =
        Pattern.compile("<p class=\"turn\">Turn (\\d+): 12 tokens \\(in 5 · out 7 ·").matcher(all);
    while (turn.find()) {
      turns.merge(turn.group(1), 1, Integer::sum);
    }
    assertEquals(2500, turns.size(), "every turn");
    assertTrue(turns.values().stream().allMatch(n -> n == 1), "each once");
    assertEquals(1, all.split("<p class=\"turn total\">Total: 30,000 tokens").length - 1);
    store.deleteSession(big);
  }

  @Test
  void jsonEndpointsGiveMetadataMessagesAndUsage() throws Exception {
    String apiKey =
        "/api/sessions/" + Urls.segment(key.project()) + "/" + Urls.segment(key.sessionId());
    JsonNode m = api(apiKey);
    assertEquals(key.sessionId(), m.path("sessionId").asText());
    assertTrue(m.has("usage") && m.has("costSource"));
    HttpResponse<String> messages = http.get(apiKey + "/messages?from=0&limit=3");
    assertEquals(200, messages.statusCode());
    List<String> lines = Fixtures.lines(transcript);
    // Each message is embedded as its stored text.
    assertTrue(messages.body().contains(lines.get(0)));
    assertTrue(messages.body().contains(lines.get(2)));
    assertEquals(3, JSON.readTree(messages.body()).path("messages").size());
    for (String by : List.of("day", "project", "model", "tag", "branch")) {
      JsonNode u = api("/api/usage?by=" + by);
      assertEquals(by, u.path("by").asText());
      assertTrue(u.path("total").path("sessions").asLong() > 0, by);
    }
    assertEquals(400, http.get("/api/usage?by=planet").statusCode());
    HttpResponse<String> missing = http.get("/api/sessions/default/nope");
    assertEquals(404, missing.statusCode());
    assertEquals(
        "application/json; charset=utf-8",
        missing.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(JSON.readTree(missing.body()).path("error").asText().contains("nope"));
    assertEquals(404, http.get("/api/nothing").statusCode());
  }

  @Test
  void theUsagePageDrawsCostAndTokensPerDayAndBreakdowns() {
    HttpResponse<String> r = http.get("/usage");
    assertEquals(200, r.statusCode());
    String body = r.body();
    assertEquals(2, body.split("<svg class=\"chart").length - 1, "two charts");
    assertTrue(body.contains("<rect class=\"bar\""));
    for (String by : List.of("project", "model", "tag", "branch")) {
      assertTrue(body.contains("<h2>By " + by + "</h2>"), by);
    }
    assertTrue(body.contains("claude-haiku-4-5-20251001"), "the models");
    String filtered = http.get("/usage?tag=hostile").body();
    assertTrue(filtered.contains("1 session "), "the filters in force");
  }

  @Test
  void answersManyRequestsAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Integer>> all = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        String path =
            switch (i % 4) {
              case 0 -> "/";
              case 1 -> Urls.session(key);
              case 2 -> "/usage";
              default -> "/api/sessions?q=session";
            };
        all.add(pool.submit(() -> http.get(path).statusCode()));
      }
      for (Future<Integer> f : all) {
        assertEquals(200, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unknownPagesAndMissingSessionsAre404Pages() {
    HttpResponse<String> r = http.get("/session/default/no-such-session");
    assertEquals(404, r.statusCode());
    assertTrue(r.body().contains("does not exist"));
    assertEquals(404, http.get("/nowhere").statusCode());
    assertEquals(404, http.get("/static/secret.txt").statusCode());
    assertEquals(200, http.get("/static/app.css").statusCode());
    assertEquals(200, http.get("/static/app.js").statusCode());
  }

  static JsonNode api(String path) throws Exception {
    HttpResponse<String> r = http.get(path);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }
}
