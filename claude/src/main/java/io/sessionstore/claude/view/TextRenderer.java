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

/**
 * Plain text in the manner of Claude Code's own screen: {@code >} prompts, {@code ●} answers and
 * tool calls, {@code ⎿} results, a {@code │} bar down a sub-agent's transcript.
 */
final class TextRenderer extends TranscriptRenderer {
  private static final String RESET = "\u001b[0m";
  private static final String BOLD = "\u001b[1m";
  private static final String DIM = "\u001b[2m";
  private static final String ITALIC_DIM = "\u001b[2;3m";
  private static final String RED = "\u001b[31m";
  private static final String YELLOW = "\u001b[33m";
  private static final String MAGENTA = "\u001b[35m";
  private static final String CYAN_BOLD = "\u001b[1;36m";

  private final boolean color;

  TextRenderer(Appendable out, ZoneId zone, boolean color, boolean full) {
    super(out, zone, full);
    this.color = color;
  }

  @Override
  void header(SessionKey key, SessionMetadata m) {
    line(0, paint(BOLD, "Session " + visible(key.sessionId())));
    if (m != null && m.summary() != null) {
      line(0, visible(m.summary()));
    }
    line(0, paint(DIM, visible(String.join(" · ", facts(key, m)))));
  }

  @Override
  void footer() {
    write("\n");
  }

  @Override
  void entry(ViewEntry e) {
    int d = e.source().depth();
    if (e instanceof Prompt p && d == 0) {
      write("\n");
      String when = p.source().timestamp() == null ? "" : " · " + dateTime(p.source().timestamp());
      line(0, paint(DIM, "── " + turnLabel(p.turn()) + when + " " + "─".repeat(20)));
      block(0, paint(CYAN_BOLD, "> "), "  ", visible(p.text()), null);
    } else if (e instanceof Prompt p) {
      // A sub-agent's task: often a long boilerplate prompt, so folded like thinking.
      block(d, paint(CYAN_BOLD, "> "), "  ", visible(full ? p.text() : firstLine(p.text())), null);
    } else if (e instanceof Answer a) {
      block(d, "● ", "  ", visible(a.text().strip()), null);
    } else if (e instanceof Thinking t) {
      String text =
          t.text().isBlank() ? "(redacted)" : full ? "\n" + t.text().strip() : firstLine(t.text());
      block(d, paint(ITALIC_DIM, "✻ Thinking: "), "  ", visible(text), ITALIC_DIM);
    } else if (e instanceof ToolCall c) {
      String when =
          c.source().timestamp() == null ? "" : "  " + paint(DIM, time(c.source().timestamp()));
      block(
          d,
          paint(YELLOW, "● " + visible(c.name())) + "(",
          "  ",
          visible(c.summary()) + ")" + when,
          null);
    } else if (e instanceof ToolResult r) {
      result(d, r);
    } else if (e instanceof Notice n) {
      line(d, paint(n.error() ? RED : DIM, "· " + visible(n.text())));
    } else if (e instanceof SubagentStart s) {
      String what = s.linked() ? "sub-agent " : "sub-transcript not linked to a call: ";
      line(d, paint(MAGENTA, "┌─ " + what + visible(s.subpath())));
    } else if (e instanceof SubagentEnd s) {
      line(d, paint(MAGENTA, "└─ end of " + visible(s.subpath())));
    } else if (e instanceof TurnUsage u) {
      line(d, paint(DIM, "  ↳ " + turnLabel(u.turn()) + ": " + tokens(u.tokens())));
    } else if (e instanceof TotalUsage u) {
      write("\n");
      line(0, paint(BOLD, "Total: " + tokens(u.tokens())));
    }
  }

  private void result(int d, ToolResult r) {
    String tone = r.error() ? RED : null;
    if (r.lines().isEmpty()) {
      line(
          d,
          "  ⎿  " + paint(r.error() ? RED : DIM, r.error() ? "(error, no output)" : "(no output)"));
    }
    for (int i = 0; i < r.lines().size(); i++) {
      String error = i == 0 && r.error() ? "Error: " : "";
      line(d, (i == 0 ? "  ⎿  " : "     ") + paint(tone, error + visible(r.lines().get(i))));
    }
    String omitted = omitted(r);
    if (omitted != null) {
      line(d, "     " + paint(DIM, omitted));
    }
  }

  /** Lines of text, the first after {@code first}, the others after {@code rest}. */
  private void block(int depth, String first, String rest, String text, String tone) {
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      line(depth, (i == 0 ? first : rest) + paint(tone, lines[i]));
    }
  }

  private void line(int depth, String text) {
    if (depth > 0) {
      write(paint(MAGENTA, "│ ".repeat(depth)));
    }
    write(text);
    write("\n");
  }

  private String paint(String style, String text) {
    return color && style != null && !text.isEmpty() ? style + text + RESET : text;
  }
}
