package io.sessionstore.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.NotFoundException;
import io.sessionstore.api.Page;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.Usage;
import io.sessionstore.api.UsageGrouping;
import io.sessionstore.api.UsageReport;
import io.sessionstore.claude.view.TranscriptRenderer;
import io.sessionstore.claude.view.TranscriptView;
import io.sessionstore.claude.view.ViewEntry;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The browser's pages and JSON endpoints, built from the store's public API. Every value from the
 * store reaches HTML through {@link Html} and addresses through {@link Urls}.
 */
final class Pages {
  /** Sessions per page of the list. */
  static final int PAGE_SIZE = 50;

  /** Messages per page of a session (the rest load as the reader goes on). */
  static final int MESSAGES_PER_PAGE = TranscriptHtml.MESSAGES;

  /** The most messages one JSON request returns. */
  static final int MAX_API_LIMIT = 1000;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final SessionStore store;
  private final boolean allowEdit;
  private final String csrf;
  private final TextSearch search;

  Pages(SessionStore store, boolean allowEdit, String csrf) {
    this.store = store;
    this.allowEdit = allowEdit;
    this.csrf = csrf;
    this.search = new TextSearch(store);
  }

  // ---- The sessions ----

  Response list(Request r) {
    Filters f = Filters.of(r);
    String cursor = r.param("cursor");
    StringBuilder b = new StringBuilder(16_384);
    b.append("<h1>Sessions</h1>");
    b.append(filterForm(f, "/", true));
    Page<TextSearch.Hit> page;
    try {
      SearchQuery q = f.query().limit(PAGE_SIZE).cursor(cursor).build();
      page = search.find(q, f.q());
    } catch (InvalidInputException e) {
      b.append("<p class=\"problem\">").append(Html.text(e.getMessage())).append("</p>");
      return Response.html(400, layout("Sessions", b.toString()));
    }
    if (f.q() != null) {
      b.append("<p class=\"dim\">Sessions whose messages match «")
          .append(Html.text(f.q()))
          .append("», best match first.</p>");
    }
    if (page.items().isEmpty()) {
      b.append("<p class=\"empty\">No sessions match.</p>");
    } else {
      b.append(
          "<table class=\"sessions\"><thead><tr><th>Last activity</th><th>Project</th>"
              + "<th>Session</th><th>Tags</th><th class=\"num\">Messages</th>"
              + "<th class=\"num\">Tokens</th><th class=\"num\">Cost</th></tr></thead><tbody>");
      for (TextSearch.Hit hit : page.items()) {
        b.append(row(hit, f));
      }
      b.append("</tbody></table>");
    }
    b.append("<nav class=\"pager\">");
    if (cursor != null) {
      b.append("<a href=\"/").append(Html.attr(Urls.queryString(f.params()))).append("\">");
      b.append("« First page</a>");
    }
    if (page.nextCursor() != null) {
      Map<String, String> next = f.params();
      next.put("cursor", page.nextCursor());
      b.append("<a class=\"next\" href=\"/")
          .append(Html.attr(Urls.queryString(next)))
          .append("\">Next page »</a>");
    }
    b.append("</nav>");
    return Response.html(200, layout("Sessions", b.toString()));
  }

  private String row(TextSearch.Hit hit, Filters f) {
    SessionMetadata m = hit.metadata();
    StringBuilder b = new StringBuilder(1024);
    b.append("<tr><td class=\"when\">")
        .append(Html.text(Format.when(m.lastActivityAt())))
        .append("</td>");
    b.append("<td class=\"project\">").append(projectLink(m, f)).append("</td>");
    b.append("<td class=\"session\"><a href=\"")
        .append(Html.attr(Urls.session(m.key())))
        .append("\">")
        .append(
            m.summary() == null
                ? "<span class=\"dim\">(no summary)</span>"
                : Html.text(Html.cut(m.summary(), 200)))
        .append("</a> <span class=\"id\">")
        .append(Html.text(Html.cut(m.sessionId(), 8)))
        .append("</span>");
    for (TextSearch.Match match : hit.matches()) {
      b.append("<div class=\"snippet\">").append(Html.snippet(match.snippet())).append("</div>");
    }
    b.append("</td><td class=\"tags\">").append(tagLinks(m.tags(), f)).append("</td>");
    b.append("<td class=\"num\">").append(Format.count(m.messageCount())).append("</td>");
    b.append("<td class=\"num\">")
        .append(m.usage() == null ? "" : Html.text(Format.shortCount(m.totalTokens())))
        .append("</td>");
    b.append("<td class=\"num\">").append(Html.text(Format.usd(m.totalCostUsd()))).append("</td>");
    return b.append("</tr>").toString();
  }

  /** The project as its working directory when known, linking to the project's sessions. */
  private String projectLink(SessionMetadata m, Filters f) {
    String cwd = m.attributes().get("cwd");
    String shown = cwd != null ? cwd : m.project();
    return "<a href=\"/"
        + Html.attr(Urls.queryString(f.withProject(m.project()).params()))
        + "\" title=\""
        + Html.attr(m.project())
        + "\">"
        + Html.text(Html.cut(shown, 80))
        + "</a>";
  }

  private String tagLinks(List<String> tags, Filters f) {
    StringBuilder b = new StringBuilder();
    for (String t : tags) {
      b.append("<a class=\"tag\" href=\"/")
          .append(Html.attr(Urls.queryString(f.withTag(t).params())))
          .append("\">")
          .append(Html.text(t))
          .append("</a> ");
    }
    return b.toString();
  }

  private String filterForm(Filters f, String action, boolean withSearch) {
    StringBuilder b = new StringBuilder(2048);
    b.append("<form class=\"filters\" method=\"get\" action=\"").append(action).append("\">");
    if (withSearch) {
      b.append(
              "<input type=\"search\" name=\"q\" class=\"q\" placeholder=\"Search sessions\""
                  + " aria-label=\"Search sessions\" value=\"")
          .append(Html.attr(f.q()))
          .append("\">");
    }
    b.append(input("project", "Project", "text", f.project()));
    b.append(input("tag", "Tag", "text", f.tag()));
    b.append(input("from", "Active from", "date", f.from()));
    b.append(input("to", "to", "date", f.to()));
    b.append(input("minCost", "Min $", "number", f.minCost()));
    b.append(input("maxCost", "Max $", "number", f.maxCost()));
    b.append("<button type=\"submit\">Apply</button> <a href=\"")
        .append(action)
        .append("\">Clear</a></form>");
    return b.toString();
  }

  private static String input(String name, String label, String type, String value) {
    return "<label>"
        + Html.text(label)
        + " <input type=\""
        + type
        + "\" name=\""
        + name
        + "\""
        + (type.equals("number") ? " step=\"any\" min=\"0\"" : "")
        + " value=\""
        + Html.attr(value)
        + "\"></label>";
  }

  // ---- A session ----

  Response session(Request r) {
    SessionKey key = key(r);
    SessionMetadata main = metadata(key.main());
    SessionMetadata shown = key.isSubpath() ? metadata(key) : main;
    TranscriptHtml.Position at = position(r);
    StringBuilder b = new StringBuilder(64 * 1024);
    b.append("<p class=\"crumbs\"><a href=\"/\">Sessions</a> / <a href=\"/")
        .append(Html.attr(Urls.queryString(Map.of("project", main.project()))))
        .append("\">")
        .append(Html.text(Html.cut(main.attributes().getOrDefault("cwd", main.project()), 80)))
        .append("</a>");
    if (key.isSubpath()) {
      b.append(" / <a href=\"")
          .append(Html.attr(Urls.session(key.main())))
          .append("\">")
          .append(Html.text(Html.cut(main.sessionId(), 8)))
          .append("</a>");
    }
    b.append("</p>");
    String title =
        key.isSubpath()
            ? key.subpath()
            : main.summary() != null ? main.summary() : "Session " + main.sessionId();
    b.append("<h1>").append(Html.text(Html.cut(title, 300))).append("</h1>");
    b.append(metadataPanel(main, shown, key));
    b.append("<p class=\"downloads\">Download: ");
    b.append(download(key, "jsonl", "JSON Lines (exact)"));
    b.append(download(key, "md", "Markdown"));
    b.append(download(key, "html", "HTML"));
    b.append("</p>");
    if (allowEdit && !key.isSubpath()) {
      b.append(editForms(main));
    }
    b.append("<section class=\"transcript\"><h2>Transcript</h2>");
    if (at.from() > 0 || at.skip() > 0) {
      long earlier = Math.max(0, at.from() - (at.skip() > 0 ? 0 : MESSAGES_PER_PAGE));
      b.append("<p class=\"earlier\"><a href=\"")
          .append(Html.attr(pageOf(key, new TranscriptHtml.Position(earlier, 0))))
          .append("\">« Earlier messages</a></p>");
    }
    b.append(messages(key, at, shown.messageCount()));
    b.append("</section>");
    if (!key.isSubpath() && !main.subpaths().isEmpty()) {
      b.append(subTranscripts(main));
    }
    return Response.html(200, layout(title, b.toString()));
  }

  private String download(SessionKey key, String ext, String label) {
    return "<a href=\""
        + Html.attr(Urls.sessionPart(key, "download." + ext))
        + "\" download>"
        + Html.text(label)
        + "</a> ";
  }

  /**
   * A chunk of the transcript ({@link TranscriptHtml}: 200 messages, their sub-agents inline) and,
   * when more follow, the link that loads them.
   */
  private String messages(SessionKey key, TranscriptHtml.Position at, long count) {
    TranscriptHtml.Chunk chunk;
    try (Stream<ViewEntry> entries = TranscriptView.of(store).entries(key)) {
      chunk =
          new TranscriptHtml(key, MESSAGES_PER_PAGE, TranscriptHtml.MAX_ENTRIES).chunk(entries, at);
    }
    StringBuilder b = new StringBuilder(chunk.html());
    if (chunk.entries() == 0 && at.from() == 0 && at.skip() == 0) {
      b.append("<p class=\"empty\">No messages.</p>");
    }
    TranscriptHtml.Position next = chunk.next();
    if (next != null) {
      long left = Math.max(0, count - next.from());
      String fragment =
          Urls.sessionPart(key, "messages") + (key.isSubpath() ? "&" : "?") + query(next);
      b.append("<p class=\"more\"><a href=\"")
          .append(Html.attr(pageOf(key, next)))
          .append("\" data-more=\"")
          .append(Html.attr(fragment))
          .append("\">Load ")
          .append(left > 0 ? Math.min(left, MESSAGES_PER_PAGE) : MESSAGES_PER_PAGE)
          .append(" more messages")
          .append(left > 0 ? " (" + Format.count(left) + " left)" : "")
          .append("</a></p>");
    }
    return b.toString();
  }

  /** Where a page or fragment of a transcript starts: {@code from} (a message) and {@code skip}. */
  private static TranscriptHtml.Position position(Request r) {
    return new TranscriptHtml.Position(number(r.param("from"), 0), number(r.param("skip"), 0));
  }

  private static String query(TranscriptHtml.Position at) {
    return "from=" + at.from() + (at.skip() > 0 ? "&skip=" + at.skip() : "");
  }

  private static String pageOf(SessionKey key, TranscriptHtml.Position at) {
    String base = Urls.session(key);
    return at.from() == 0 && at.skip() == 0
        ? base
        : base + (key.isSubpath() ? "&" : "?") + query(at);
  }

  /** The next chunk of a transcript as an HTML fragment, for the page's script. */
  Response moreMessages(Request r) {
    SessionKey key = key(r);
    SessionMetadata shown = metadata(key);
    return Response.html(200, messages(key, position(r), shown.messageCount()));
  }

  /** The session's sub-transcripts, each linked to its own page (sub-agents are inline too). */
  private String subTranscripts(SessionMetadata main) {
    StringBuilder b = new StringBuilder();
    b.append("<section class=\"subagents\"><h2>Subagents and other sub-transcripts (")
        .append(main.subpaths().size())
        .append(")</h2><ul>");
    for (String sub : main.subpaths()) {
      b.append("<li><a href=\"")
          .append(Html.attr(Urls.session(main.key().withSubpath(sub))))
          .append("\">")
          .append(Html.text(sub))
          .append("</a></li>");
    }
    return b.append("</ul></section>").toString();
  }

  private String metadataPanel(SessionMetadata main, SessionMetadata shown, SessionKey key) {
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("Session", main.sessionId());
    if (key.isSubpath()) {
      rows.put("Sub-transcript", key.subpath());
    }
    rows.put("Project", main.project());
    putIf(rows, "Working directory", main.attributes().get("cwd"));
    putIf(rows, "Branch", main.attributes().get("gitBranch"));
    rows.put("Created", Format.when(main.createdAt()) + " UTC");
    rows.put("Last activity", Format.when(main.lastActivityAt()) + " UTC");
    rows.put("Updated", Format.when(main.updatedAt()) + " UTC");
    rows.put("Messages", Format.count(shown.messageCount()));
    rows.put("Turns", Format.count(main.turns()));
    Usage u = main.usage();
    if (u != null) {
      rows.put(
          "Tokens",
          Format.count(u.totalTokens())
              + " (in "
              + Format.count(u.inputTokens())
              + ", out "
              + Format.count(u.outputTokens())
              + ", cache write "
              + Format.count(u.cacheCreationTokens())
              + ", cache read "
              + Format.count(u.cacheReadTokens())
              + ")");
      List<String> models = new ArrayList<>();
      for (Usage.ModelUsage mu : u.models()) {
        models.add(mu.model() + " " + Format.usd(mu.costUsd()));
      }
      putIf(rows, "Models", models.isEmpty() ? null : String.join(", ", models));
    }
    rows.put(
        "Cost",
        Format.usd(main.totalCostUsd())
            + (main.costSource() == null ? "" : " (" + main.costSource().jsonName() + ")"));
    putIf(rows, "Claude Code", main.attributes().get("claudeCodeVersion"));
    StringBuilder b = new StringBuilder("<dl class=\"meta\">");
    rows.forEach(
        (k, v) ->
            b.append("<dt>")
                .append(Html.text(k))
                .append("</dt><dd>")
                .append(Html.text(v))
                .append("</dd>"));
    b.append("<dt>Tags</dt><dd>");
    for (String t : main.tags()) {
      b.append("<a class=\"tag\" href=\"/")
          .append(Html.attr(Urls.queryString(Map.of("tag", t))))
          .append("\">")
          .append(Html.text(t))
          .append("</a> ");
    }
    b.append("</dd></dl>");
    if (!main.attributes().isEmpty()) {
      b.append(
          "<details class=\"attributes\"><summary>All attributes</summary><dl class=\"meta\">");
      main.attributes()
          .forEach(
              (k, v) ->
                  b.append("<dt>")
                      .append(Html.text(k))
                      .append("</dt><dd>")
                      .append(Html.text(Html.cut(v, 2000)))
                      .append("</dd>"));
      b.append("</dl></details>");
    }
    return b.toString();
  }

  private static void putIf(Map<String, String> rows, String k, String v) {
    if (v != null && !v.isBlank()) {
      rows.put(k, v);
    }
  }

  private String editForms(SessionMetadata m) {
    String action = Html.attr(Urls.sessionPart(m.key(), "edit"));
    String hidden = "<input type=\"hidden\" name=\"csrf\" value=\"" + Html.attr(csrf) + "\">";
    StringBuilder b = new StringBuilder("<section class=\"edit\"><h2>Edit</h2>");
    b.append("<form method=\"post\" action=\"").append(action).append("\">").append(hidden);
    b.append("<label>Summary <input type=\"text\" name=\"summary\" maxlength=\"2000\" value=\"")
        .append(Html.attr(m.summary()))
        .append("\"></label> <button type=\"submit\" name=\"do\" value=\"summary\">Save summary")
        .append("</button></form>");
    b.append("<form method=\"post\" action=\"").append(action).append("\">").append(hidden);
    b.append(
        "<label>Add tags <input type=\"text\" name=\"addTags\" placeholder=\"comma-separated\">"
            + "</label> <button type=\"submit\" name=\"do\" value=\"tags\">Add</button></form>");
    for (String t : m.tags()) {
      b.append("<form class=\"inline\" method=\"post\" action=\"")
          .append(action)
          .append("\">")
          .append(hidden)
          .append("<input type=\"hidden\" name=\"removeTag\" value=\"")
          .append(Html.attr(t))
          .append("\"><button type=\"submit\" name=\"do\" value=\"untag\">Remove tag ")
          .append(Html.text(t))
          .append("</button></form>");
    }
    return b.append("</section>").toString();
  }

  /** A form post of the edit forms: only with edits allowed and the page's CSRF token. */
  Response edit(Request r) {
    if (!allowEdit) {
      return error(403, "This server is read-only: start it with --allow-edit to change sessions");
    }
    String given = r.param("csrf");
    if (given == null
        || !java.security.MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8), csrf.getBytes(StandardCharsets.UTF_8))) {
      return error(403, "Refused: the form is stale or comes from elsewhere; reload the page");
    }
    SessionKey key = key(r);
    if (key.isSubpath()) {
      return error(400, "Sub-transcripts have no tags or summary of their own");
    }
    metadata(key);
    String what = r.param("do");
    MetadataUpdate update;
    if ("summary".equals(what)) {
      update = MetadataUpdate.summary(r.param("summary"));
    } else if ("tags".equals(what)) {
      Set<String> add = new LinkedHashSet<>();
      String tags = r.param("addTags");
      if (tags != null) {
        for (String t : tags.split(",")) {
          if (!t.isBlank()) {
            add.add(t.strip());
          }
        }
      }
      update = MetadataUpdate.tags(add, Set.of());
    } else if ("untag".equals(what) && r.param("removeTag") != null) {
      update = MetadataUpdate.tags(Set.of(), Set.of(r.param("removeTag")));
    } else {
      return error(400, "Nothing to change");
    }
    store.updateMetadata(key, update);
    return Response.seeOther(Urls.session(key));
  }

  /** The transcript as a file: its exact JSON Lines, Markdown or a standalone HTML page. */
  Response download(Request r, String kind) {
    SessionKey key = key(r);
    SessionMetadata main = metadata(key.main());
    metadata(key);
    String base = key.sessionId() + (key.isSubpath() ? "-" + key.subpath() : "");
    switch (kind) {
      case "jsonl" -> {
        return Response.stream(
                "application/x-ndjson",
                out -> {
                  try (Stream<Message> s = store.streamMessages(key)) {
                    for (Message m : (Iterable<Message>) s::iterator) {
                      out.write(m.json().getBytes(StandardCharsets.UTF_8));
                      out.write('\n');
                    }
                  }
                })
            .attachment(base + ".jsonl");
      }
      case "md", "html" -> {
        boolean html = kind.equals("html");
        String title = main.summary() != null ? main.summary() : base;
        return Response.stream(
                html ? Response.HTML : "text/markdown; charset=utf-8",
                out -> {
                  Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                  TranscriptRenderer renderer =
                      html
                          ? TranscriptRenderer.html(w, ZoneOffset.UTC, false)
                          : TranscriptRenderer.markdown(w, ZoneOffset.UTC, false);
                  renderer.begin(title);
                  try (Stream<ViewEntry> entries = TranscriptView.of(store).entries(key)) {
                    renderer.session(key, main, entries);
                  }
                  renderer.end();
                  w.flush();
                })
            .attachment(base + (html ? ".html" : ".md"));
      }
      default -> {
        return error(404, "No such download: choose jsonl, md or html");
      }
    }
  }

  // ---- Usage ----

  Response usage(Request r) {
    Filters f = Filters.of(r);
    StringBuilder b = new StringBuilder(32 * 1024);
    b.append("<h1>Usage and cost</h1>");
    b.append(filterForm(f, "/usage", false));
    SearchQuery q;
    try {
      q = f.query().build();
    } catch (InvalidInputException e) {
      b.append("<p class=\"problem\">").append(Html.text(e.getMessage())).append("</p>");
      return Response.html(400, layout("Usage", b.toString()));
    }
    UsageReport byDay = store.usageReport(q, UsageGrouping.DAY, ZoneOffset.UTC);
    UsageReport.Row t = byDay.total();
    b.append("<p class=\"totals\">")
        .append(Html.text(Format.usd(t.costUsd())))
        .append(" · ")
        .append(Html.text(Format.count(t.totalTokens())))
        .append(" tokens · ")
        .append(t.sessions())
        .append(t.sessions() == 1 ? " session" : " sessions")
        .append(" <span class=\"dim\">(cost ")
        .append(Html.text(t.costSource().jsonName()))
        .append("; days in UTC, by the day each session started)</span></p>");
    b.append("<figure>").append(UsageChart.cost(byDay)).append("</figure>");
    b.append("<figure>").append(UsageChart.tokens(byDay)).append("</figure>");
    b.append("<div class=\"breakdowns\">");
    for (String by : List.of("project", "model", "tag", "branch")) {
      UsageReport rep = store.usageReport(q, UsageGrouping.parse(by), ZoneOffset.UTC);
      b.append(breakdown(by, rep, f));
    }
    b.append("</div>");
    return Response.html(200, layout("Usage", b.toString()));
  }

  private String breakdown(String by, UsageReport rep, Filters f) {
    List<UsageReport.Row> rows = new ArrayList<>(rep.rows());
    rows.sort(Comparator.comparing(UsageReport.Row::costUsd).reversed());
    StringBuilder b = new StringBuilder("<section class=\"breakdown\"><h2>By ");
    b.append(Html.text(by)).append("</h2>");
    if (rows.isEmpty()) {
      return b.append("<p class=\"dim\">Nothing.</p></section>").toString();
    }
    b.append(
        "<table><thead><tr><th>"
            + Html.text(by)
            + "</th><th class=\"num\">Sessions</th><th class=\"num\">Tokens</th>"
            + "<th class=\"num\">Cost</th></tr></thead><tbody>");
    int n = 0;
    for (UsageReport.Row row : rows) {
      if (n++ == 25) {
        b.append("<tr><td colspan=\"4\" class=\"dim\">")
            .append(rows.size() - 25)
            .append(" more (the JSON endpoint has all)</td></tr>");
        break;
      }
      String key = row.key().isEmpty() ? null : row.key().values().iterator().next();
      String cell =
          key == null ? "<span class=\"dim\">(none)</span>" : Html.text(Html.cut(key, 80));
      if (key != null && (by.equals("project") || by.equals("tag"))) {
        Filters linked = by.equals("project") ? f.withProject(key) : f.withTag(key);
        cell =
            "<a href=\"/usage"
                + Html.attr(Urls.queryString(linked.params()))
                + "\">"
                + cell
                + "</a>";
      }
      b.append("<tr><td>")
          .append(cell)
          .append("</td><td class=\"num\">")
          .append(row.sessions())
          .append("</td><td class=\"num\">")
          .append(Html.text(Format.shortCount(row.totalTokens())))
          .append("</td><td class=\"num\">")
          .append(Html.text(Format.usd(row.costUsd())))
          .append("</td></tr>");
    }
    return b.append("</tbody></table></section>").toString();
  }

  // ---- JSON ----

  Response api(Request r) throws JsonProcessingException {
    List<String> s = r.segments;
    if (s.size() == 2 && s.get(1).equals("sessions")) {
      Filters f = Filters.of(r);
      int limit = (int) Math.min(number(r.param("limit"), PAGE_SIZE), SearchQuery.MAX_LIMIT);
      SearchQuery q = f.query().limit(Math.max(1, limit)).cursor(r.param("cursor")).build();
      Page<TextSearch.Hit> page = search.find(q, f.q());
      ObjectNode out = MAPPER.createObjectNode();
      ArrayNode items = out.putArray("sessions");
      for (TextSearch.Hit hit : page.items()) {
        ObjectNode m = (ObjectNode) MAPPER.readTree(hit.metadata().toJson());
        if (f.q() != null) {
          ArrayNode matches = m.putArray("matches");
          for (TextSearch.Match match : hit.matches()) {
            ObjectNode j = matches.addObject();
            j.put("subpath", match.subpath());
            j.put("messageIndex", match.messageIndex());
            j.put("role", match.role());
            j.put("timestamp", match.timestamp() == null ? null : match.timestamp().toString());
            j.put("snippet", match.snippet());
          }
        }
        items.add(m);
      }
      out.put("nextCursor", page.nextCursor());
      return Response.json(200, MAPPER.writeValueAsString(out));
    }
    if (s.size() == 4 && s.get(1).equals("sessions")) {
      SessionKey key = key(r);
      return Response.json(200, metadata(key).toJson());
    }
    if (s.size() == 5 && s.get(1).equals("sessions") && s.get(4).equals("messages")) {
      SessionKey key = key(r);
      long from = number(r.param("from"), 0);
      int limit = (int) Math.max(1, Math.min(number(r.param("limit"), 200), MAX_API_LIMIT));
      List<Message> batch = store.loadMessages(key, from, limit);
      StringBuilder b = new StringBuilder(batch.size() * 512 + 128);
      b.append("{\"project\":")
          .append(MAPPER.writeValueAsString(key.project()))
          .append(",\"sessionId\":")
          .append(MAPPER.writeValueAsString(key.sessionId()))
          .append(",\"subpath\":")
          .append(MAPPER.writeValueAsString(key.subpath()))
          .append(",\"from\":")
          .append(from)
          .append(",\"next\":")
          .append(batch.size() == limit ? String.valueOf(from + limit) : "null")
          .append(",\"messages\":[");
      for (int i = 0; i < batch.size(); i++) {
        // Each message as it is stored: a JSON object, byte for byte.
        b.append(i == 0 ? "\n" : ",\n").append(batch.get(i).json());
      }
      return Response.json(200, b.append("]}\n").toString());
    }
    if (s.size() == 2 && s.get(1).equals("usage")) {
      Filters f = Filters.of(r);
      String by = r.param("by") == null ? "day" : r.param("by");
      UsageReport rep =
          store.usageReport(f.query().build(), UsageGrouping.parse(by), ZoneOffset.UTC);
      // Each row as the API writes it, its cost exact and plain (CONTRACTS §15).
      StringBuilder b =
          new StringBuilder("{\"by\":").append(MAPPER.writeValueAsString(by)).append(",\"rows\":[");
      for (int i = 0; i < rep.rows().size(); i++) {
        b.append(i == 0 ? "" : ",").append(rep.rows().get(i).toJson());
      }
      b.append("],\"total\":").append(rep.total().toJson()).append('}');
      return Response.json(200, b.toString());
    }
    return jsonError(404, "No such endpoint: see the README's list of the browser's endpoints");
  }

  static Response jsonError(int status, String message) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("error", message);
    n.put("status", status);
    return Response.json(status, n.toString());
  }

  // ---- Shared ----

  /** An error page (the status and a message that says what to do). */
  Response error(int status, String message) {
    String body =
        "<h1>"
            + Html.text(title(status))
            + "</h1><p class=\"problem\">"
            + Html.text(message)
            + "</p><p><a href=\"/\">Back to the sessions</a></p>";
    return Response.html(status, layout(title(status), body));
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad request";
      case 401 -> "Token needed";
      case 403 -> "Forbidden";
      case 404 -> "Not found";
      case 409 -> "Conflict";
      case 503 -> "Store unavailable";
      case 504 -> "Store too slow";
      default -> "Error " + status;
    };
  }

  private String layout(String title, String body) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>"
        + Html.text(Html.cut(title, 120))
        + " · sessionstore</title>"
        + "<link rel=\"stylesheet\" href=\"/static/app.css\">"
        + "<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">"
        + "<script src=\"/static/app.js\" defer></script></head><body>"
        + "<header class=\"top\"><a class=\"brand\" href=\"/\">sessionstore</a><nav>"
        + "<a href=\"/\">Sessions</a><a href=\"/usage\">Usage &amp; cost</a></nav>"
        + (allowEdit ? "" : "<span class=\"badge\">read-only</span>")
        + "</header><main>"
        + body
        + "</main></body></html>\n";
  }

  /** The key of {@code /session/{project}/{id}/…} (or {@code /api/sessions/…}), with subpath. */
  private static SessionKey key(Request r) {
    int at = r.segment(0).equals("api") ? 2 : 1;
    String project = r.segment(at);
    String id = r.segment(at + 1);
    if (project == null || id == null) {
      throw new NotFoundException("No session named in the address");
    }
    return new SessionKey(project, id, r.param("subpath"));
  }

  private SessionMetadata metadata(SessionKey key) {
    return store
        .getMetadata(key)
        .orElseThrow(() -> new NotFoundException("Session " + key + " does not exist"));
  }

  private static long number(String s, long dflt) {
    if (s == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(s);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new InvalidInputException("Invalid number '" + s + "': expected 0 or more");
    }
  }
}
