package io.sessionstore.claude.view;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Writes {@link ViewEntry} streams for people: as plain text for a terminal (optionally with ANSI
 * colours), as Markdown to paste into an issue, or as one self-contained HTML page (inline CSS, no
 * scripts, works offline). Call {@link #begin(String)}, then {@link #session} for each session,
 * then {@link #end()}.
 *
 * <p>Transcript strings never act as markup or terminal commands: every format shows control
 * characters and bidirectional-text controls as visible placeholders ({@code ␛}, {@code <U+202E>}),
 * and HTML escapes every transcript string. Thinking is folded (text: its first line; Markdown and
 * HTML: a {@code <details>} element), and Claude Code's bookkeeping lines are left out, unless the
 * renderer is {@code full}. Times are shown in the given zone. Not thread-safe; the output is not
 * closed.
 */
public abstract class TranscriptRenderer {
  private static final DateTimeFormatter DATE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

  private final Appendable out;
  private final ZoneId zone;

  /** Whether thinking is unfolded and bookkeeping shown. */
  final boolean full;

  TranscriptRenderer(Appendable out, ZoneId zone, boolean full) {
    this.out = Objects.requireNonNull(out, "out is null");
    this.zone = Objects.requireNonNull(zone, "zone is null");
    this.full = full;
  }

  /**
   * Plain text, as a terminal shows it.
   *
   * @param color whether to colour it with ANSI escapes (for a terminal only)
   * @param full whether to show thinking whole and Claude Code's bookkeeping lines
   */
  public static TranscriptRenderer text(Appendable out, ZoneId zone, boolean color, boolean full) {
    return new TextRenderer(out, zone, color, full);
  }

  /** GitHub-flavoured Markdown; thinking and long tool results in {@code <details>}. */
  public static TranscriptRenderer markdown(Appendable out, ZoneId zone, boolean full) {
    return new MarkdownRenderer(out, zone, full);
  }

  /**
   * One HTML page: inline CSS, no scripts (a content security policy forbids them too), every
   * transcript string escaped; thinking and long tool results in {@code <details>}.
   */
  public static TranscriptRenderer html(Appendable out, ZoneId zone, boolean full) {
    return new HtmlRenderer(out, zone, full);
  }

  /**
   * Starts the document: the HTML page's head, with this title; nothing for text and Markdown,
   * whose sessions simply follow one another.
   */
  public void begin(String title) {}

  /**
   * Writes one session: a header from its metadata (when known), then its entries.
   *
   * @param key the session, or one of its sub-transcripts
   * @param metadata the session's metadata, or null
   */
  public void session(SessionKey key, SessionMetadata metadata, Stream<ViewEntry> entries) {
    header(key, metadata);
    entries.forEachOrdered(
        e -> {
          if (full
              || !(e instanceof ViewEntry.Notice n && n.kind() == ViewEntry.Kind.BOOKKEEPING)) {
            entry(e);
          }
        });
    footer();
  }

  /** Ends the document (the HTML page); nothing for text and Markdown. */
  public void end() {}

  abstract void header(SessionKey key, SessionMetadata metadata);

  abstract void entry(ViewEntry e);

  abstract void footer();

  // ---- what every format shows alike ----

  final void write(String s) {
    try {
      out.append(s);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the transcript", e);
    }
  }

  final String dateTime(Instant t) {
    return t == null ? "" : DATE_TIME.format(t.atZone(zone));
  }

  final String time(Instant t) {
    return t == null ? "" : TIME.format(t.atZone(zone));
  }

  /** The zone's name as shown in a header ({@code UTC}, {@code Europe/Paris}). */
  final String zoneName() {
    return zone.normalized().getId().equals("Z") ? "UTC" : zone.getId();
  }

  /** The facts of a session's header, in order (without its id and summary). */
  final List<String> facts(SessionKey key, SessionMetadata m) {
    List<String> facts = new ArrayList<>();
    facts.add("project " + key.project());
    if (key.isSubpath()) {
      facts.add("sub-transcript " + key.subpath());
    }
    if (m != null) {
      addFact(facts, "cwd ", m.attributes().get("cwd"));
      addFact(facts, "branch ", m.attributes().get("gitBranch"));
      addFact(facts, "", m.attributes().get("model"));
      addFact(facts, "Claude Code ", m.attributes().get("claudeCodeVersion"));
      facts.add("started " + dateTime(m.createdAt()) + " " + zoneName());
      facts.add(m.messageCount() + (m.messageCount() == 1 ? " message" : " messages"));
      if (!m.subpaths().isEmpty()) {
        facts.add(
            m.subpaths().size()
                + (m.subpaths().size() == 1 ? " sub-transcript" : " sub-transcripts"));
      }
      if (!m.tags().isEmpty()) {
        facts.add("tags " + String.join(", ", m.tags()));
      }
    }
    return facts;
  }

  private static void addFact(List<String> facts, String label, String value) {
    if (value != null && !value.isBlank()) {
      facts.add(label + value);
    }
  }

  /** "Turn 3" (or what came before the first prompt). */
  static String turnLabel(int turn) {
    return turn == 0 ? "Before the first prompt" : "Turn " + turn;
  }

  /** {@code 18,121 tokens (10 in · 8 out · 2,739 cache write · 15,364 cache read) · $0.0123}. */
  static String tokens(ViewEntry.Tokens t) {
    StringBuilder s = new StringBuilder(count(t.total())).append(" tokens (");
    s.append(count(t.inputTokens())).append(" in · ");
    s.append(count(t.outputTokens())).append(" out · ");
    s.append(count(t.cacheCreationTokens())).append(" cache write · ");
    s.append(count(t.cacheReadTokens())).append(" cache read) · ");
    s.append(cost(t.costUsd()));
    if (t.unpriced()) {
      s.append(" +? (some tokens have no price)");
    }
    return s.toString();
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Dollars: four decimals under $1, two above. */
  static String cost(BigDecimal usd) {
    int scale = usd.abs().compareTo(BigDecimal.ONE) < 0 ? 4 : 2;
    return "$" + usd.setScale(scale, RoundingMode.HALF_UP).toPlainString();
  }

  /** "… 12 more lines (3,402 characters)", or null when nothing was left out. */
  static String omitted(ViewEntry.ToolResult r) {
    if (r.omittedLines() == 0 && r.omittedChars() == 0) {
      return null;
    }
    String chars = count(r.omittedChars()) + (r.omittedChars() == 1 ? " character" : " characters");
    return r.omittedLines() == 0
        ? "… " + chars + " cut"
        : "… "
            + count(r.omittedLines())
            + (r.omittedLines() == 1 ? " more line (" : " more lines (")
            + chars
            + ")";
  }

  /** The first line of a text, and how many more it has. */
  static String firstLine(String text) {
    String t = text.strip();
    int nl = t.indexOf('\n');
    if (nl < 0) {
      return t;
    }
    long more = t.substring(nl + 1).lines().count();
    return t.substring(0, nl).strip() + " (+" + more + (more == 1 ? " line)" : " lines)");
  }

  /**
   * The text with what could act on a terminal or reorder a line made visible: control characters
   * but line feed and tab become control pictures ({@code ␛}), a carriage return before a line feed
   * is dropped, C1 controls, bidirectional-text controls and line separators become {@code
   * <U+XXXX>}.
   */
  static String visible(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String replacement = null;
      if (c == '\r') {
        replacement = i + 1 < s.length() && s.charAt(i + 1) == '\n' ? "" : "\u240d";
      } else if ((c < 0x20 && c != '\n' && c != '\t')) {
        replacement = String.valueOf((char) (0x2400 + c));
      } else if (c == 0x7f) {
        replacement = "\u2421";
      } else if ((c >= 0x80 && c <= 0x9f)
          || c == 0x061c
          || c == 0x200e
          || c == 0x200f
          || (c >= 0x202a && c <= 0x202e)
          || (c >= 0x2066 && c <= 0x2069)
          || c == 0x2028
          || c == 0x2029) {
        replacement = String.format(Locale.ROOT, "<U+%04X>", (int) c);
      }
      if (replacement != null && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (replacement != null) {
          b.append(replacement);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }
}
