package io.sessionstore.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionstore.api.Message;
import io.sessionstore.api.ModelPrice;
import io.sessionstore.api.PriceTable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/**
 * Renders transcript messages for a person, as HTML for the session page and as Markdown for its
 * download. Claude Code transcript lines and stream-json messages alike: prompts and replies as
 * text; tool calls, tool results and thinking folded in {@code <details>}; a {@code summary} line,
 * a {@code system}/{@code init} or a {@code result} as one line; anything else folded as its JSON.
 * An assistant line with usage shows its tokens and cost (reported, else estimated from the
 * prices).
 *
 * <p>All text goes through {@link Html}; a text longer than {@link #MAX_TEXT} characters is cut,
 * with a link to the full download. This is the browser's own small renderer, kept in this one
 * class so that it can give way to the {@code claude} module's view model of a transcript when that
 * lands.
 */
final class TranscriptView {
  /** The longest text shown of one block; the rest is in the download. */
  static final int MAX_TEXT = 20_000;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private final PriceTable prices;
  private final String fullHref;

  /**
   * @param prices the prices that estimate a turn's cost where the data reports none
   * @param fullHref where the whole transcript can be downloaded (cut texts link there)
   */
  TranscriptView(PriceTable prices, String fullHref) {
    this.prices = prices;
    this.fullHref = fullHref;
  }

  /** The messages as HTML articles, the first numbered {@code first}. */
  String html(List<Message> messages, long first) {
    StringBuilder out = new StringBuilder(messages.size() * 512);
    String previousApiId = null;
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      JsonNode t;
      try {
        t = m.tree();
      } catch (RuntimeException e) {
        out.append(raw(first + i, "unreadable", m.json()));
        continue;
      }
      String apiId = t.path("message").path("id").asText(null);
      boolean firstOfApiMessage = apiId == null || !apiId.equals(previousApiId);
      previousApiId = apiId;
      out.append(message(first + i, t, m.json(), firstOfApiMessage));
    }
    return out.toString();
  }

  private String message(long index, JsonNode t, String json, boolean firstOfApiMessage) {
    String type = t.path("type").asText("");
    JsonNode msg = t.path("message");
    return switch (type) {
      case "user" -> user(index, t, msg, json);
      case "assistant" -> assistant(index, t, msg, firstOfApiMessage);
      case "summary" ->
          article(
              index, "note", "Summary", t, "<p class=\"text\">" + text(t.path("summary")) + "</p>");
      case "system" -> system(index, t, json);
      case "result" -> result(index, t, json);
      default -> raw(index, type.isEmpty() ? "message" : type, json);
    };
  }

  private String user(long index, JsonNode t, JsonNode msg, String json) {
    JsonNode content = msg.path("content");
    if (t.path("isMeta").asBoolean(false) || t.path("isCompactSummary").asBoolean(false)) {
      return raw(index, t.path("isMeta").asBoolean(false) ? "meta" : "compact summary", json);
    }
    if (content.isTextual()) {
      String s = content.asText();
      if (s.startsWith("<")) {
        // Claude Code's wrappers of commands and their output: kept, folded.
        return article(index, "note", "Command", t, folded("command", block(s)));
      }
      return article(index, "user", "User", t, block(s));
    }
    StringBuilder body = new StringBuilder();
    boolean onlyResults = content.isArray() && content.size() > 0;
    for (JsonNode b : content) {
      String bt = b.path("type").asText("");
      if (!bt.equals("tool_result")) {
        onlyResults = false;
      }
      body.append(contentBlock(b));
    }
    return article(
        index,
        onlyResults ? "tool" : "user",
        onlyResults ? "Tool result" : "User",
        t,
        body.toString());
  }

  private String assistant(long index, JsonNode t, JsonNode msg, boolean firstOfApiMessage) {
    StringBuilder body = new StringBuilder();
    JsonNode content = msg.path("content");
    if (content.isTextual()) {
      body.append(block(content.asText()));
    } else {
      for (JsonNode b : content) {
        body.append(contentBlock(b));
      }
    }
    if (firstOfApiMessage) {
      body.append(turnUsage(t, msg));
    }
    String label = "Claude";
    String model = msg.path("model").asText(null);
    if (t.path("isSidechain").asBoolean(false)) {
      label = "Claude (sidechain)";
    }
    return article(index, "assistant", label, t, body.toString(), model);
  }

  private String contentBlock(JsonNode b) {
    String bt = b.path("type").asText("");
    switch (bt) {
      case "text" -> {
        return block(b.path("text").asText(""));
      }
      case "thinking", "redacted_thinking" -> {
        String s = b.path("thinking").asText(bt.equals("redacted_thinking") ? "(redacted)" : "");
        return folded("thinking", "Thinking", block(s));
      }
      case "tool_use", "server_tool_use" -> {
        String name = b.path("name").asText("tool");
        JsonNode input = b.path("input");
        return folded("tool-use", "Tool call: " + name + hint(input), pre(pretty(input)));
      }
      case "tool_result" -> {
        boolean error = b.path("is_error").asBoolean(false);
        JsonNode c = b.path("content");
        StringBuilder inner = new StringBuilder();
        String first = null;
        if (c.isTextual()) {
          first = c.asText();
          inner.append(pre(c.asText()));
        } else {
          for (JsonNode part : c) {
            if (part.path("type").asText("").equals("text")) {
              String s = part.path("text").asText("");
              if (first == null) {
                first = s;
              }
              inner.append(pre(s));
            } else {
              inner
                  .append("<p class=\"dim\">[")
                  .append(Html.text(part.path("type").asText("content")))
                  .append("]</p>");
            }
          }
        }
        String label = (error ? "Tool error" : "Tool result") + preview(first);
        return folded(error ? "tool-result error" : "tool-result", label, inner.toString());
      }
      case "image" -> {
        return "<p class=\"dim\">[image]</p>";
      }
      default -> {
        return folded("raw", bt.isEmpty() ? "block" : bt, pre(pretty(b)));
      }
    }
  }

  private String system(long index, JsonNode t, String json) {
    if (t.path("subtype").asText("").equals("init")) {
      String line =
          "Session started"
              + (t.hasNonNull("model") ? " · model " + t.path("model").asText() : "")
              + (t.hasNonNull("cwd") ? " · in " + t.path("cwd").asText() : "")
              + (t.path("tools").isArray() ? " · " + t.path("tools").size() + " tools" : "");
      return article(index, "note", "System", t, "<p>" + Html.text(line) + "</p>" + rawFold(json));
    }
    return raw(index, "system " + t.path("subtype").asText(""), json);
  }

  private String result(long index, JsonNode t, String json) {
    StringBuilder line = new StringBuilder(t.path("is_error").asBoolean(false) ? "Error" : "Done");
    if (t.hasNonNull("subtype")) {
      line.append(" (").append(t.path("subtype").asText()).append(')');
    }
    if (t.path("num_turns").isNumber()) {
      line.append(" · ").append(t.path("num_turns").asLong()).append(" turns");
    }
    if (t.path("duration_ms").isNumber()) {
      line.append(" · ").append(t.path("duration_ms").asLong() / 1000.0).append(" s");
    }
    JsonNode cost = t.has("total_cost_usd") ? t.path("total_cost_usd") : t.path("cost_usd");
    if (cost.isNumber()) {
      line.append(" · ").append(Format.usd(cost.decimalValue())).append(" reported");
    }
    String body = "<p>" + Html.text(line.toString()) + "</p>";
    if (t.path("result").isTextual()) {
      body += block(t.path("result").asText());
    }
    return article(index, "note", "Result", t, body + rawFold(json));
  }

  /** Tokens and cost of one API message: reported {@code costUSD}, else estimated. */
  private String turnUsage(JsonNode t, JsonNode msg) {
    JsonNode u = msg.path("usage");
    if (!u.isObject()) {
      return "";
    }
    long in = u.path("input_tokens").asLong(0);
    long out = u.path("output_tokens").asLong(0);
    long read = u.path("cache_read_input_tokens").asLong(0);
    JsonNode cc = u.path("cache_creation");
    long w5 = cc.path("ephemeral_5m_input_tokens").asLong(0);
    long w1 = cc.path("ephemeral_1h_input_tokens").asLong(0);
    long write = cc.isObject() ? w5 + w1 : u.path("cache_creation_input_tokens").asLong(0);
    if (!cc.isObject()) {
      w5 = write;
    }
    String cost;
    if (t.path("costUSD").isNumber()) {
      cost = Format.usd(t.path("costUSD").decimalValue());
    } else {
      String model = msg.path("model").asText(null);
      Optional<ModelPrice> price = model == null ? Optional.empty() : prices.find(model);
      boolean fast = u.path("speed").asText("").equals("fast");
      long w5f = w5;
      long w1f = w1;
      cost =
          price
              .map(p -> "≈ " + Format.usd(p.cost(in, out, w5f, w1f, read, fast)))
              .orElse("no price");
    }
    return "<p class=\"turn\">"
        + Html.text(
            "in "
                + Format.count(in)
                + " · out "
                + Format.count(out)
                + " · cache write "
                + Format.count(write)
                + " · cache read "
                + Format.count(read)
                + " · "
                + cost)
        + "</p>";
  }

  private String article(long index, String kind, String label, JsonNode t, String body) {
    return article(index, kind, label, t, body, null);
  }

  private String article(
      long index, String kind, String label, JsonNode t, String body, String model) {
    StringBuilder a = new StringBuilder(body.length() + 256);
    a.append("<article class=\"msg ")
        .append(kind)
        .append("\" id=\"m")
        .append(index)
        .append("\"><header><span class=\"who\">")
        .append(Html.text(label))
        .append("</span>");
    if (model != null) {
      a.append(" <span class=\"dim\">").append(Html.text(model)).append("</span>");
    }
    String ts = t.path("timestamp").asText(null);
    a.append(" <a class=\"idx\" href=\"#m")
        .append(index)
        .append("\">#")
        .append(index)
        .append("</a>");
    if (ts != null) {
      a.append(" <time datetime=\"").append(Html.attr(ts)).append("\">");
      try {
        a.append(Html.text(TIME.format(Instant.parse(ts)) + " UTC"));
      } catch (RuntimeException e) {
        a.append(Html.text(ts));
      }
      a.append("</time>");
    }
    return a.append("</header>").append(body).append("</article>\n").toString();
  }

  private String raw(long index, String label, String json) {
    return "<article class=\"msg raw\" id=\"m"
        + index
        + "\"><details><summary>"
        + Html.text(label)
        + " <span class=\"dim\">#"
        + index
        + "</span></summary>"
        + pre(prettyText(json))
        + "</details></article>\n";
  }

  private String rawFold(String json) {
    return folded("raw", "JSON", pre(prettyText(json)));
  }

  private static String folded(String kind, String body) {
    return folded(kind, kind, body);
  }

  private static String folded(String kind, String label, String body) {
    return "<details class=\""
        + Html.attr(kind)
        + "\"><summary>"
        + Html.text(Html.cut(label, 300))
        + "</summary>"
        + body
        + "</details>";
  }

  /** Text as a paragraph that keeps its lines, cut at {@link #MAX_TEXT}. */
  private String block(String s) {
    return "<div class=\"text\">" + Html.text(s, MAX_TEXT) + more(s) + "</div>";
  }

  private String pre(String s) {
    return "<pre>" + Html.text(s, MAX_TEXT) + more(s) + "</pre>";
  }

  /** After a cut text: how much is not shown, and where it is. */
  private String more(String s) {
    if (!Html.isLonger(s, MAX_TEXT)) {
      return "";
    }
    return "<span class=\"cut\">… "
        + Format.count(s.length() - MAX_TEXT)
        + " more characters not shown: <a href=\""
        + Html.attr(fullHref)
        + "\">download the full session</a></span>";
  }

  private static String text(JsonNode n) {
    return Html.text(n.asText(""), MAX_TEXT);
  }

  private static String hint(JsonNode input) {
    for (String k :
        new String[] {"description", "command", "file_path", "pattern", "url", "prompt"}) {
      if (input.path(k).isTextual()) {
        return " — " + Html.cut(input.path(k).asText().replaceAll("\\s+", " "), 120);
      }
    }
    return "";
  }

  private static String preview(String s) {
    if (s == null || s.isBlank()) {
      return "";
    }
    return ": " + Html.cut(s.strip().replaceAll("\\s+", " "), 100);
  }

  private static String pretty(JsonNode n) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    } catch (JsonProcessingException e) {
      return n.toString();
    }
  }

  private static String prettyText(String json) {
    try {
      return pretty(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      return json;
    }
  }

  // ---- Markdown ----

  /** One message as Markdown (empty for lines that are not part of the conversation). */
  String markdown(Message m) {
    JsonNode t;
    try {
      t = m.tree();
    } catch (RuntimeException e) {
      return "";
    }
    String type = t.path("type").asText("");
    JsonNode msg = t.path("message");
    StringBuilder out = new StringBuilder();
    switch (type) {
      case "user", "assistant" -> {
        if (t.path("isMeta").asBoolean(false)) {
          return "";
        }
        JsonNode content = msg.path("content");
        String who = type.equals("user") ? "User" : "Claude";
        StringBuilder body = new StringBuilder();
        if (content.isTextual()) {
          body.append(content.asText()).append("\n\n");
        } else {
          for (JsonNode b : content) {
            String bt = b.path("type").asText("");
            switch (bt) {
              case "text" -> body.append(b.path("text").asText("")).append("\n\n");
              case "thinking" ->
                  body.append(quote("Thinking: " + b.path("thinking").asText(""))).append("\n\n");
              case "tool_use" ->
                  body.append("**Tool call: ")
                      .append(b.path("name").asText("tool"))
                      .append("**\n\n")
                      .append(fence(pretty(b.path("input")), "json"));
              case "tool_result" -> {
                who = "Tool result";
                JsonNode c = b.path("content");
                String s = c.isTextual() ? c.asText() : "";
                if (c.isArray()) {
                  StringBuilder sb = new StringBuilder();
                  c.forEach(p -> sb.append(p.path("text").asText("")).append('\n'));
                  s = sb.toString();
                }
                body.append(fence(s, ""));
              }
              default -> {}
            }
          }
        }
        if (body.length() == 0) {
          return "";
        }
        out.append("### ").append(who);
        if (t.hasNonNull("timestamp")) {
          out.append(" · ").append(t.path("timestamp").asText());
        }
        out.append("\n\n").append(body);
      }
      case "summary" ->
          out.append(quote("Summary: " + t.path("summary").asText(""))).append("\n\n");
      case "result" -> {
        if (t.path("result").isTextual()) {
          out.append("### Result\n\n").append(t.path("result").asText()).append("\n\n");
        }
      }
      default -> {}
    }
    return out.toString();
  }

  private static String quote(String s) {
    return "> " + s.replace("\n", "\n> ");
  }

  /** A fenced code block whose fence is longer than any run of backticks inside. */
  private static String fence(String s, String lang) {
    int longest = 0;
    int run = 0;
    for (int i = 0; i < s.length(); i++) {
      run = s.charAt(i) == '`' ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    String f = "`".repeat(Math.max(3, longest + 1));
    return f + lang + "\n" + s + (s.endsWith("\n") ? "" : "\n") + f + "\n\n";
  }
}
