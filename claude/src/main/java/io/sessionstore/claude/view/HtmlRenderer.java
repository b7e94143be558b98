package io.sessionstore.claude.view;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.claude.view.ViewEntry.Answer;
import io.sessionstore.claude.view.ViewEntry.Notice;
import io.sessionstore.claude.view.ViewEntry.Prompt;
import io.sessionstore.claude.view.ViewEntry.SubagentEnd;
import io.sessionstore.claude.view.ViewEntry.SubagentStart;
import io.sessionstore.claude.view.ViewEntry.Thinking;
import io.sessionstore.claude.view.ViewEntry.ToolCall;
import io.sessionstore.claude.view.ViewEntry.ToolResult;
import io.sessionstore.claude.view.ViewEntry.TotalUsage;
import io.sessionstore.claude.view.ViewEntry.TurnUsage;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;

/**
 * One self-contained HTML page. Transcript strings only ever appear escaped in text content, never
 * in attributes or as markup; the page carries no script and a content security policy that would
 * block one.
 */
final class HtmlRenderer extends TranscriptRenderer {
  /** Results with more lines than this, or cut ones, are folded. */
  private static final int OPEN_RESULT_LINES = 3;

  private static final String STYLE =
      """
      body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;\
      color:#1f2328;background:#fff}
      pre,code,.mono{font:13px/1.45 ui-monospace,Menlo,Consolas,monospace}
      pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.2rem 0}
      header{border-bottom:1px solid #d0d7de;margin-bottom:1rem}
      .facts,.usage,.notice,time{color:#59636e;font-size:13px}
      h2{font-size:1.05rem;border-top:1px solid #d0d7de;padding-top:.8rem;margin-top:1.6rem}
      .prompt{background:#ddf4ff;border-radius:6px;padding:.4rem .8rem}
      .text{white-space:pre-wrap;overflow-wrap:anywhere}
      .answer{margin:.5rem 0}
      .call{margin:.4rem 0 0}.call .tool{font-weight:600;color:#9a6700}
      .result{margin:0 0 .4rem 1.5rem}.result pre{background:#f6f8fa;padding:.3rem .5rem}
      .error pre,.notice.error{color:#d1242f}
      details>summary{cursor:pointer;color:#59636e}
      .thinking .text{color:#59636e;font-style:italic}
      .agent{border-left:3px solid #8250df;padding-left:.8rem;margin:.5rem 0}
      .agent>summary{color:#8250df;font-weight:600}
      .total{font-weight:600;margin-top:1.5rem}
      """;

  HtmlRenderer(Appendable out, ZoneId zone, boolean full) {
    super(out, zone, full);
  }

  @Override
  public void begin(String title) {
    write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // No script may run, whatever a transcript holds; styles are inline, images not loaded.
    write(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
            + " style-src 'unsafe-inline'\">\n");
    write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    write("<meta name=\"generator\" content=\"sessionstore\">\n");
    write(
        "<title>" + escape(title) + "</title>\n<style>\n" + STYLE + "</style>\n</head>\n<body>\n");
  }

  @Override
  public void end() {
    write("</body>\n</html>\n");
  }

  @Override
  void header(SessionKey key, SessionMetadata m) {
    write(
        "<article class=\"session\">\n<header>\n<h1>Session <code>"
            + escape(key.sessionId())
            + "</code></h1>\n");
    if (m != null && m.summary() != null) {
      write("<p class=\"summary\">" + escape(m.summary()) + "</p>\n");
    }
    write("<p class=\"facts\">" + escape(String.join(" · ", facts(key, m))) + "</p>\n</header>\n");
  }

  @Override
  void footer() {
    write("</article>\n");
  }

  @Override
  void entry(ViewEntry e) {
    Instant at = e.source().timestamp();
    if (e instanceof Prompt p && p.source().depth() == 0) {
      write("<h2>" + escape(turnLabel(p.turn())) + " " + timeTag(at, dateTime(at)) + "</h2>\n");
      write("<div class=\"prompt text\">" + escape(p.text()) + "</div>\n");
    } else if (e instanceof Prompt p) {
      folded("task", "Task", "<div class=\"text\">" + escape(p.text()) + "</div>", false);
    } else if (e instanceof Answer a) {
      write("<div class=\"answer text\">" + escape(a.text().strip()) + "</div>\n");
    } else if (e instanceof Thinking t) {
      folded(
          "thinking",
          "Thinking" + (t.text().isBlank() ? " (redacted)" : ""),
          "<div class=\"text\">" + escape(t.text().strip()) + "</div>",
          full);
    } else if (e instanceof ToolCall c) {
      write(
          "<div class=\"call\"><span class=\"tool\">"
              + escape(c.name())
              + "</span> <code>"
              + escape(c.summary())
              + "</code> "
              + timeTag(at, time(at))
              + "</div>\n");
    } else if (e instanceof ToolResult r) {
      result(r);
    } else if (e instanceof Notice n) {
      write(
          "<p class=\"notice "
              + n.kind().name().toLowerCase(Locale.ROOT).replace('_', '-')
              + (n.error() ? " error" : "")
              + "\">· "
              + escape(n.text())
              + "</p>\n");
    } else if (e instanceof SubagentStart s) {
      String what = s.linked() ? "Sub-agent " : "Sub-transcript not linked to a call: ";
      write(
          "<details class=\"agent\" open>\n<summary>"
              + escape(what + s.subpath())
              + "</summary>\n");
    } else if (e instanceof SubagentEnd) {
      write("</details>\n");
    } else if (e instanceof TurnUsage u) {
      write(
          "<p class=\"usage\">"
              + escape(turnLabel(u.turn()) + ": " + tokens(u.tokens()))
              + "</p>\n");
    } else if (e instanceof TotalUsage u) {
      write("<p class=\"usage total\">" + escape("Total: " + tokens(u.tokens())) + "</p>\n");
    }
  }

  private void result(ToolResult r) {
    StringBuilder pre = new StringBuilder("<pre>");
    for (String l : r.lines()) {
      pre.append(escape(l)).append('\n');
    }
    String omitted = omitted(r);
    if (omitted != null) {
      pre.append("<span class=\"notice\">").append(escape(omitted)).append("</span>\n");
    }
    pre.append("</pre>");
    String css = "result" + (r.error() ? " error" : "");
    String label =
        (r.error() ? "Error" : "Result") + (r.toolName() == null ? "" : " of " + r.toolName());
    if (r.lines().isEmpty()) {
      write(
          "<div class=\""
              + css
              + "\"><span class=\"notice\">"
              + escape(label)
              + ": no output</span></div>\n");
    } else if (r.lines().size() <= OPEN_RESULT_LINES && omitted == null) {
      write("<div class=\"" + css + "\">" + pre + "</div>\n");
    } else {
      folded(css, label + " (" + count(r.lines().size()) + " lines shown)", pre.toString(), false);
    }
  }

  /** A {@code <details>} element; {@code summary} is escaped here, {@code body} must be already. */
  private void folded(String css, String summary, String body, boolean open) {
    write(
        "<details class=\""
            + css
            + "\""
            + (open ? " open" : "")
            + "><summary>"
            + escape(summary)
            + "</summary>"
            + body
            + "</details>\n");
  }

  private static String timeTag(Instant at, String shown) {
    return at == null ? "" : "<time datetime=\"" + at + "\">" + escape(shown) + "</time>";
  }

  /**
   * The text made safe for HTML text and attribute values alike ({@code & < > " '} as entities),
   * with controls made {@link #visible(String) visible}.
   */
  static String escape(String text) {
    String s = visible(text);
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
