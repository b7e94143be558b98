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
import java.time.ZoneId;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitHub-flavoured Markdown: a heading per turn, prompts and answers as the Markdown they are, tool
 * output in code blocks fenced longer than any backtick run inside, notices escaped as plain text,
 * a sub-agent's transcript as a quote.
 */
final class MarkdownRenderer extends TranscriptRenderer {
  private static final Pattern BACKTICKS = Pattern.compile("`+");
  private static final Pattern SPECIAL = Pattern.compile("([\\\\`*_\\[\\]<>|~])");

  MarkdownRenderer(Appendable out, ZoneId zone, boolean full) {
    super(out, zone, full);
  }

  @Override
  void header(SessionKey key, SessionMetadata m) {
    para(0, "# Session " + code(key.sessionId()));
    if (m != null && m.summary() != null) {
      para(0, "*" + plain(m.summary()) + "*");
    }
    para(0, plain(String.join(" · ", facts(key, m))));
  }

  @Override
  void footer() {
    write("---\n\n");
  }

  @Override
  void entry(ViewEntry e) {
    int d = e.source().depth();
    if (e instanceof Prompt p && d == 0) {
      String when = p.source().timestamp() == null ? "" : " · " + dateTime(p.source().timestamp());
      para(0, "## " + turnLabel(p.turn()) + when);
      para(0, "**User**");
      para(0, visible(p.text()));
    } else if (e instanceof Prompt p) {
      folded(d, "Task", visible(p.text()));
    } else if (e instanceof Answer a) {
      para(d, "**Assistant**");
      para(d, visible(a.text().strip()));
    } else if (e instanceof Thinking t) {
      if (t.text().isBlank()) {
        para(d, "*Thinking (redacted)*");
      } else {
        folded(d, "Thinking", visible(t.text().strip()));
      }
    } else if (e instanceof ToolCall c) {
      String when = c.source().timestamp() == null ? "" : " · " + time(c.source().timestamp());
      String summary = visible(c.summary());
      if (summary.contains("\n")) {
        para(d, "**Tool** " + code(c.name()) + when);
        fenced(d, summary, null);
      } else {
        para(d, "**Tool** " + code(c.name()) + " " + code(summary) + when);
      }
    } else if (e instanceof ToolResult r) {
      result(d, r);
    } else if (e instanceof Notice n) {
      para(d, (n.error() ? "**Error:** " : "") + "*· " + plain(visible(n.text())) + "*");
    } else if (e instanceof SubagentStart s) {
      String what = s.linked() ? "Sub-agent" : "Sub-transcript not linked to a call:";
      para(d, "**" + what + "** " + code(s.subpath()));
    } else if (e instanceof SubagentEnd s) {
      // An unquoted blank line first, so that the quote ends here.
      write("\n");
      para(d, "*End of* " + code(s.subpath()));
    } else if (e instanceof TurnUsage u) {
      para(d, "*" + turnLabel(u.turn()) + ": " + plain(tokens(u.tokens())) + "*");
    } else if (e instanceof TotalUsage u) {
      para(0, "**Total:** " + plain(tokens(u.tokens())));
    }
  }

  private void result(int d, ToolResult r) {
    StringBuilder text = new StringBuilder();
    for (String l : r.lines()) {
      text.append(visible(l)).append('\n');
    }
    String omitted = omitted(r);
    if (omitted != null) {
      text.append(omitted).append('\n');
    }
    String label =
        (r.error() ? "Error" : "Result") + (r.toolName() == null ? "" : " of " + r.toolName());
    if (r.lines().isEmpty()) {
      para(d, "*" + plain(label) + ": no output*");
    } else if (r.lines().size() <= 3 && omitted == null) {
      para(d, "*" + plain(label) + "*");
      fenced(d, text.toString().stripTrailing(), "text");
    } else {
      line(
          d,
          "<details><summary>"
              + plain(label)
              + " ("
              + count(r.lines().size())
              + " lines shown)</summary>");
      line(d, "");
      fenced(d, text.toString().stripTrailing(), "text");
      para(d, "</details>");
    }
  }

  private void folded(int d, String summary, String text) {
    line(d, "<details><summary>" + summary + "</summary>");
    line(d, "");
    para(d, text);
    para(d, "</details>");
  }

  private void fenced(int d, String text, String language) {
    String fence = "`".repeat(Math.max(3, longestRun(text) + 1));
    line(d, fence + (language == null ? "" : language));
    for (String l : text.split("\n", -1)) {
      line(d, l);
    }
    line(d, fence);
    line(d, "");
  }

  /** A paragraph: the text's lines, then a blank line. */
  private void para(int d, String text) {
    for (String l : text.split("\n", -1)) {
      line(d, l);
    }
    line(d, "");
  }

  /** A line, quoted once per level of sub-agent. */
  private void line(int d, String text) {
    if (d > 0) {
      write(">".repeat(d));
      write(text.isEmpty() ? "" : " ");
    }
    write(text);
    write("\n");
  }

  /** Inline code that no backtick inside can end early; one line. */
  private static String code(String text) {
    String t = visible(text).replace('\n', ' ');
    String ticks = "`".repeat(longestRun(t) + 1);
    String pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
    return ticks + pad + t + pad + ticks;
  }

  /** Text shown as it is, with Markdown's special characters escaped and controls visible. */
  private static String plain(String text) {
    return SPECIAL.matcher(visible(text)).replaceAll("\\\\$1");
  }

  private static int longestRun(String text) {
    int longest = 0;
    Matcher m = BACKTICKS.matcher(text);
    while (m.find()) {
      longest = Math.max(longest, m.end() - m.start());
    }
    return longest;
  }
}
