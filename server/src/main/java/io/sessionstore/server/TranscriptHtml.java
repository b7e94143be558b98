package io.sessionstore.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionstore.api.SessionKey;
import io.sessionstore.claude.view.TranscriptView;
import io.sessionstore.claude.view.ViewEntry;
import io.sessionstore.claude.view.ViewEntry.Answer;
import io.sessionstore.claude.view.ViewEntry.Kind;
import io.sessionstore.claude.view.ViewEntry.Notice;
import io.sessionstore.claude.view.ViewEntry.Prompt;
import io.sessionstore.claude.view.ViewEntry.Source;
import io.sessionstore.claude.view.ViewEntry.SubagentEnd;
import io.sessionstore.claude.view.ViewEntry.SubagentStart;
import io.sessionstore.claude.view.ViewEntry.Thinking;
import io.sessionstore.claude.view.ViewEntry.Tokens;
import io.sessionstore.claude.view.ViewEntry.ToolCall;
import io.sessionstore.claude.view.ViewEntry.ToolResult;
import io.sessionstore.claude.view.ViewEntry.TotalUsage;
import io.sessionstore.claude.view.ViewEntry.TurnUsage;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The session page's transcript: the entries of the {@code claude} module's view model ({@link
 * TranscriptView}) as HTML, one chunk at a time. Prompts and replies as text; thinking, tool calls
 * and tool results folded in {@code <details>}; a sub-agent inline where it ran, in an open {@code
 * <details>}; notices as one line (Claude Code's bookkeeping left out); after each turn its tokens
 * and cost, at the end the session's.
 *
 * <p>A chunk is what {@link #MESSAGES} messages of the transcript shown bring, sub-agents included,
 * at most {@link #MAX_ENTRIES} entries. Every entry belongs to a message of the transcript shown (a
 * sub-agent's entries to the message that called it, a turn's usage to its last message), so a
 * {@link Position} — a message and how many of its entries came before — says where the next chunk
 * starts. The next chunk reads the view again from the start and shows nothing before that
 * position: its turns and their usage are then counted exactly as in the whole view.
 *
 * <p>All text goes through {@link Html}; a text longer than {@link #MAX_TEXT} characters is cut,
 * with a link to the full download. Not thread-safe: one per chunk.
 */
final class TranscriptHtml {
  /** The longest text shown of one entry; the rest is in the download. */
  static final int MAX_TEXT = 20_000;

  /** Messages of the transcript shown per chunk. */
  static final int MESSAGES = 200;

  /** The most entries of one chunk (a long sub-agent ends a chunk early). */
  static final int MAX_ENTRIES = 1_000;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  /**
   * Where a chunk starts: at message {@code from} of the transcript shown, after the first {@code
   * skip} entries that belong to it.
   */
  record Position(long from, long skip) {
    static final Position START = new Position(0, 0);

    Position {
      if (from < 0 || skip < 0) {
        throw new IllegalArgumentException("from and skip are 0 or more");
      }
    }
  }

  /**
   * One chunk.
   *
   * @param html the entries as HTML (balanced: sub-agents cut by the chunk are closed)
   * @param entries how many entries it shows
   * @param next where the next chunk starts, or null when this one ends the transcript
   */
  record Chunk(String html, int entries, Position next) {}

  private final SessionKey key;
  private final String fullHref;
  private final int messages;
  private final int maxEntries;

  /**
   * @param key the transcript shown (its sub-agents link to their own pages)
   * @param messages messages per chunk
   * @param maxEntries entries per chunk at most
   */
  TranscriptHtml(SessionKey key, int messages, int maxEntries) {
    this.key = Objects.requireNonNull(key, "key is null");
    this.fullHref = Urls.sessionPart(key, "download.jsonl");
    this.messages = messages;
    this.maxEntries = maxEntries;
  }

  /** The chunk of the view's entries (all of them, from the start) that starts at {@code at}. */
  Chunk chunk(Stream<ViewEntry> entries, Position at) {
    Iterator<ViewEntry> it =
        entries.filter(e -> !(e instanceof Notice n && n.kind() == Kind.BOOKKEEPING)).iterator();
    StringBuilder out = new StringBuilder(64 * 1024);
    long end = at.from() + messages;
    long position = 0;
    long atPosition = 0;
    long lastOwn = -1;
    int shown = 0;
    int open = 0;
    Position next = null;
    while (it.hasNext()) {
      ViewEntry e = it.next();
      // An entry of the transcript shown starts its message's entries; any other belongs to the
      // message before (a sub-agent's to the one that called it, a turn's usage to its last).
      boolean firstOfMessage = false;
      if (ownsPosition(e) && e.source().messageIndex() != lastOwn) {
        lastOwn = e.source().messageIndex();
        firstOfMessage = true;
        if (lastOwn > position) {
          position = lastOwn;
          atPosition = 0;
        }
      }
      if (position < at.from() || (position == at.from() && atPosition < at.skip())) {
        atPosition++;
        continue;
      }
      if (position >= end || shown >= maxEntries) {
        next = new Position(position, atPosition);
        break;
      }
      if (shown == 0) {
        // A chunk that starts inside sub-agents (a long one ended the previous chunk) opens them.
        int depth = e.source().depth() + (e instanceof SubagentEnd ? 1 : 0);
        for (; open < depth; open++) {
          out.append("<details class=\"agent\" open><summary>Sub-agent (continued)</summary>");
        }
      }
      open += entry(e, firstOfMessage, open, out);
      shown++;
      atPosition++;
    }
    for (; open > 0; open--) {
      out.append("</details>");
    }
    return new Chunk(out.toString(), shown, next);
  }

  /** Whether an entry is one of the transcript shown, not a sub-agent's or a sum. */
  private static boolean ownsPosition(ViewEntry e) {
    return e.source().depth() == 0
        && !(e instanceof TurnUsage || e instanceof TotalUsage || e instanceof SubagentEnd);
  }

  /** Writes one entry; returns how it changes the number of open sub-agents. */
  private int entry(ViewEntry e, boolean firstOfMessage, int open, StringBuilder out) {
    Source s = e.source();
    String id = firstOfMessage ? " id=\"m" + s.messageIndex() + "\"" : "";
    if (e instanceof Prompt p) {
      String who =
          s.depth() == 0 ? (p.turn() == 0 ? "Prompt" : "Prompt · turn " + p.turn()) : "Task";
      article(out, "user", who, null, s, id);
      out.append(block(p.text())).append("</article>\n");
    } else if (e instanceof Answer a) {
      article(out, "assistant", "Claude", a.model(), s, id);
      out.append(block(a.text().strip())).append("</article>\n");
    } else if (e instanceof Thinking t) {
      folded(
          out,
          "thinking",
          id,
          t.text().isBlank() ? "Thinking (redacted)" : "Thinking",
          block(t.text().strip()));
    } else if (e instanceof ToolCall c) {
      String hint = c.summary().isBlank() ? "" : " — " + oneLine(c.summary(), 120);
      folded(out, "tool-use", id, "Tool call: " + c.name() + hint, pre(pretty(c.input())));
    } else if (e instanceof ToolResult r) {
      result(r, id, out);
    } else if (e instanceof Notice n) {
      out.append("<p class=\"notice ")
          .append(n.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'))
          .append(n.error() ? " error" : "")
          .append('"')
          .append(id)
          .append(">· ")
          .append(Html.text(n.text(), MAX_TEXT))
          .append("</p>\n");
    } else if (e instanceof SubagentStart a) {
      out.append("<details class=\"agent\" open><summary>")
          .append(
              Html.text(
                  (a.linked() ? "Sub-agent " : "Sub-transcript not linked to a call: ")
                      + a.subpath()))
          .append("</summary><p class=\"dim\"><a href=\"")
          .append(Html.attr(Urls.session(key.main().withSubpath(a.subpath()))))
          .append("\">Open it on its own page</a></p>\n");
      return 1;
    } else if (e instanceof SubagentEnd) {
      if (open > 0) {
        out.append("</details>\n");
        return -1;
      }
    } else if (e instanceof TurnUsage u) {
      String turn = u.turn() == 0 ? "Before the first prompt" : "Turn " + u.turn();
      out.append("<p class=\"turn\">")
          .append(Html.text(turn + ": " + tokens(u.tokens())))
          .append("</p>\n");
    } else if (e instanceof TotalUsage u) {
      out.append("<p class=\"turn total\">")
          .append(Html.text("Total: " + tokens(u.tokens())))
          .append("</p>\n");
    }
    return 0;
  }

  private void result(ToolResult r, String id, StringBuilder out) {
    String label =
        (r.error() ? "Tool error" : "Tool result")
            + (r.toolName() == null ? "" : " of " + r.toolName())
            + (r.lines().isEmpty() ? ": no output" : ": " + oneLine(r.lines().get(0), 100));
    StringBuilder body = new StringBuilder("<pre>");
    for (String line : r.lines()) {
      body.append(Html.text(line, MAX_TEXT)).append('\n');
    }
    body.append("</pre>");
    if (r.omittedLines() > 0 || r.omittedChars() > 0) {
      body.append(
          cut(
              (r.omittedLines() > 0 ? Format.count(r.omittedLines()) + " more lines, " : "")
                  + Format.count(r.omittedChars())
                  + " characters not shown"));
    }
    folded(out, r.error() ? "tool-result error" : "tool-result", id, label, body.toString());
  }

  /** {@code 18,121 tokens (in 10 · out 8 · cache write 2,739 · cache read 15,364) · $0.0123}. */
  static String tokens(Tokens t) {
    return Format.count(t.total())
        + " tokens (in "
        + Format.count(t.inputTokens())
        + " · out "
        + Format.count(t.outputTokens())
        + " · cache write "
        + Format.count(t.cacheCreationTokens())
        + " · cache read "
        + Format.count(t.cacheReadTokens())
        + ") · "
        + Format.usd(t.costUsd())
        + (t.unpriced() ? " +? (some tokens have no price)" : "");
  }

  private static void article(
      StringBuilder out, String kind, String who, String model, Source s, String id) {
    out.append("<article class=\"msg ")
        .append(kind)
        .append('"')
        .append(id)
        .append("><header><span class=\"who\">")
        .append(Html.text(who))
        .append("</span>");
    if (model != null) {
      out.append(" <span class=\"dim\">").append(Html.text(model)).append("</span>");
    }
    if (s.depth() == 0) {
      out.append(" <a class=\"idx\" href=\"#m")
          .append(s.messageIndex())
          .append("\">#")
          .append(s.messageIndex())
          .append("</a>");
    }
    Instant at = s.timestamp();
    if (at != null) {
      out.append(" <time datetime=\"")
          .append(Html.attr(at.toString()))
          .append("\">")
          .append(Html.text(TIME.format(at) + " UTC"))
          .append("</time>");
    }
    out.append("</header>");
  }

  private static void folded(
      StringBuilder out, String kind, String id, String summary, String body) {
    out.append("<details class=\"")
        .append(kind)
        .append('"')
        .append(id)
        .append("><summary>")
        .append(Html.text(Html.cut(summary, 300)))
        .append("</summary>")
        .append(body)
        .append("</details>\n");
  }

  /** Text as a block that keeps its lines, cut at {@link #MAX_TEXT}. */
  private String block(String s) {
    return "<div class=\"text\">" + Html.text(s, MAX_TEXT) + more(s) + "</div>";
  }

  private String pre(String s) {
    return "<pre>" + Html.text(s, MAX_TEXT) + more(s) + "</pre>";
  }

  /** After a cut text: how much is not shown, and where it is. */
  private String more(String s) {
    return Html.isLonger(s, MAX_TEXT)
        ? cut(Format.count(s.length() - MAX_TEXT) + " more characters not shown")
        : "";
  }

  private String cut(String what) {
    return "<span class=\"cut\">… "
        + Html.text(what)
        + ": <a href=\""
        + Html.attr(fullHref)
        + "\">download the full session</a></span>";
  }

  private static String oneLine(String s, int max) {
    return Html.cut(s.strip().replaceAll("\\s+", " "), max);
  }

  /** A tool's input (compact JSON, perhaps cut) indented when it is whole. */
  private static String pretty(String json) {
    if (json.isEmpty()) {
      return json;
    }
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      return json;
    }
  }
}
