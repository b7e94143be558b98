package io.sessionstore.cli;

import io.sessionstore.api.CostSource;
import io.sessionstore.api.SessionHit;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.TextMatch;
import io.sessionstore.api.Usage;
import io.sessionstore.spi.JsonStreams;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

/** How metadata is printed: {@code key: value} lines, a table, or JSON. */
final class Format {
  private Format() {}

  /** A session's totals in one phrase: {@code 6 messages, 1 turns, $0.005}. */
  static String totals(SessionMetadata m) {
    return m.messageCount() + " messages, " + m.turns() + " turns, $" + cost(m);
  }

  /**
   * A session's cost as a person reads it: the figure, marked where it is not the whole cost
   * ({@code 0.0012+?}: some usage has no price) or where usage is not known yet ({@code 0.5?}).
   */
  static String cost(SessionMetadata m) {
    return cost(m.totalCostUsd(), m.costSource());
  }

  static String cost(BigDecimal cost, CostSource source) {
    String c = cost.toPlainString();
    return switch (source) {
      case INCOMPLETE -> c + "+?";
      case UNKNOWN -> c + "?";
      default -> c;
    };
  }

  /** All the tokens of a session's usage, or {@code ?} when it is not known. */
  static String tokens(SessionMetadata m) {
    return m.usage() == null ? "?" : Long.toString(m.usage().totalTokens());
  }

  static void keyValues(PrintStream out, SessionMetadata m) {
    out.println("project: " + m.project());
    out.println("sessionId: " + m.sessionId());
    out.println("createdAt: " + m.createdAt());
    out.println("updatedAt: " + m.updatedAt());
    out.println("lastActivityAt: " + m.lastActivityAt());
    out.println("messageCount: " + m.messageCount());
    out.println("totalCostUsd: " + m.totalCostUsd().toPlainString());
    out.println("costSource: " + m.costSource().jsonName());
    Usage u = m.usage();
    if (u == null) {
      out.println("usage: not known (stored before usage accounting; run: sessionstore reindex)");
    } else {
      out.println(
          "usage: "
              + usage(
                  u.inputTokens(), u.outputTokens(), u.cacheCreationTokens(), u.cacheReadTokens()));
      for (Usage.ModelUsage r : u.models()) {
        out.println(
            "usage."
                + r.model()
                + ": "
                + usage(
                    r.inputTokens(), r.outputTokens(), r.cacheCreationTokens(), r.cacheReadTokens())
                + ", $"
                + cost(r.costUsd(), r.costSource())
                + " "
                + r.costSource().jsonName());
      }
    }
    out.println("turns: " + m.turns());
    out.println("tags: " + String.join(", ", m.tags()));
    out.println("summary: " + (m.summary() == null ? "" : m.summary()));
    out.println(
        "attributes: "
            + m.attributes().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", ")));
    out.println("subpaths: " + String.join(", ", m.subpaths()));
    out.println("version: " + m.version());
  }

  private static String usage(long in, long out, long write, long read) {
    return (in + out + write + read)
        + " tokens (input "
        + in
        + ", output "
        + out
        + ", cache writes "
        + write
        + ", cache reads "
        + read
        + ")";
  }

  static void jsonArray(PrintStream out, List<SessionMetadata> items) {
    if (items.isEmpty()) {
      out.println("[]");
      return;
    }
    out.println("[");
    for (int i = 0; i < items.size(); i++) {
      out.println("  " + items.get(i).toJson() + (i < items.size() - 1 ? "," : ""));
    }
    out.println("]");
  }

  static void table(PrintStream out, List<SessionMetadata> items) {
    table(out, items, Terminal.columns());
  }

  /**
   * The sessions as a table of at most {@code width} columns (0: no limit, whole values): the time
   * is shown to the minute; the summary, the project (from its start: {@code …/src/app}) and the
   * tags are cut with {@code …}, the widest first, down to a few characters each; then the session
   * id, down to 12 characters: a prefix that still names it (given back with its {@code …}, it is
   * read as the prefix).
   */
  static void table(PrintStream out, List<SessionMetadata> items, int width) {
    String[] header = {
      "UPDATED", "PROJECT", "SESSION", "MESSAGES", "TOKENS", "COST", "TAGS", "SUMMARY"
    };
    List<String[]> rows = new java.util.ArrayList<>();
    rows.add(header);
    for (SessionMetadata m : items) {
      rows.add(
          new String[] {
            m.updatedAt().toString(),
            project(m),
            m.sessionId(),
            Long.toString(m.messageCount()),
            tokens(m),
            cost(m),
            String.join(",", m.tags()),
            m.summary() == null ? "" : m.summary()
          });
    }
    if (width > 0) {
      for (String[] r : rows.subList(1, rows.size())) {
        r[0] = r[0].substring(0, 16) + "Z"; // to the minute: 2026-11-25T02:11Z
      }
      int[] widths = widths(rows);
      // Summary, project and tags first, down to a few characters each; the session id last, down
      // to 12 characters, which as a prefix still names it (an ambiguous one is told).
      shrink(widths, width, new int[] {7, 1, 6}, new int[] {12, 10, 6});
      shrink(widths, width, new int[] {2}, new int[] {ID_CELL});
      for (String[] r : rows) {
        for (int c : new int[] {7, 1, 6, 2}) {
          r[c] = Terminal.fit(r[c], widths[c], c == 1);
        }
      }
    }
    print(out, rows);
  }

  /** Metadata objects, each with its {@code matches} (CONTRACTS §16). */
  static void hitsJsonArray(PrintStream out, List<SessionHit> hits) {
    if (hits.isEmpty()) {
      out.println("[]");
      return;
    }
    out.println("[");
    for (int i = 0; i < hits.size(); i++) {
      String metadata = hits.get(i).metadata().toJson();
      java.io.StringWriter matches = new java.io.StringWriter();
      try (com.fasterxml.jackson.core.JsonGenerator g = JsonStreams.generator(matches)) {
        g.writeStartArray();
        for (TextMatch m : hits.get(i).matches()) {
          g.writeStartObject();
          g.writeStringField("subpath", m.subpath());
          g.writeNumberField("messageIndex", m.messageIndex());
          g.writeStringField("role", m.role());
          g.writeStringField("timestamp", m.timestamp() == null ? null : m.timestamp().toString());
          g.writeStringField("snippet", m.snippet());
          g.writeEndObject();
        }
        g.writeEndArray();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      out.println(
          "  "
              + metadata.substring(0, metadata.length() - 1)
              + ",\"matches\":"
              + matches
              + "}"
              + (i < hits.size() - 1 ? "," : ""));
    }
    out.println("]");
  }

  /**
   * Sessions found by a full-text query, each with its best passage, fitted to the terminal as
   * {@link #table} is: the passage is cut first, then the project.
   */
  static void hitTable(PrintStream out, List<SessionHit> hits) {
    int width = Terminal.columns();
    List<String[]> rows = new java.util.ArrayList<>();
    rows.add(new String[] {"UPDATED", "PROJECT", "SESSION", "MESSAGES", "COST", "MATCH"});
    for (SessionHit h : hits) {
      SessionMetadata m = h.metadata();
      rows.add(
          new String[] {
            width > 0 ? m.updatedAt().toString().substring(0, 16) + "Z" : m.updatedAt().toString(),
            project(m),
            m.sessionId(),
            Long.toString(m.messageCount()),
            cost(m),
            h.matches().isEmpty() ? "" : h.matches().get(0).snippet()
          });
    }
    if (width > 0) {
      int[] widths = widths(rows);
      shrink(widths, width, new int[] {5, 1}, new int[] {20, 10});
      shrink(widths, width, new int[] {2}, new int[] {ID_CELL});
      for (String[] r : rows) {
        for (int c : new int[] {5, 1, 2}) {
          r[c] = Terminal.fit(r[c], widths[c], c == 1);
        }
      }
    }
    if (Terminal.stdoutIsTerminal && System.getenv("NO_COLOR") == null) {
      // The matched words in bold; the passage is the last column, so no width is upset.
      for (String[] r : rows.subList(1, rows.size())) {
        // A passage cut inside a match ends in bold: the reset at its end closes it.
        r[5] =
            r[5].contains(TextMatch.MARK_START)
                ? r[5].replace(TextMatch.MARK_START, "\u001b[1m")
                        .replace(TextMatch.MARK_END, "\u001b[0m")
                    + "\u001b[0m"
                : r[5];
      }
    }
    print(out, rows);
  }

  /**
   * How a table shows a session's project: its working directory when known (the {@code cwd} that
   * Claude Code's lines and a recorded stream's {@code init} carry), the home folder shortened to
   * {@code ~}; else the project's name.
   */
  static String project(SessionMetadata m) {
    String cwd = m.attributes().get("cwd");
    if (cwd == null || cwd.isBlank()) {
      return m.project();
    }
    String home = System.getenv("HOME");
    if (home == null || home.isEmpty()) {
      home = System.getProperty("user.home", "");
    }
    while (home.length() > 1 && home.endsWith("/")) {
      home = home.substring(0, home.length() - 1);
    }
    if (home.length() > 1 && (cwd.equals(home) || cwd.startsWith(home + "/"))) {
      return "~" + cwd.substring(home.length());
    }
    return cwd;
  }

  /** The narrowest a session id's cell is cut to: 12 characters and {@code …}. */
  static final int ID_CELL = 13;

  /** Narrows the widest of the columns, one at a time, until the table fits or all are at least. */
  private static void shrink(int[] widths, int width, int[] columns, int[] least) {
    int total = total(widths);
    while (total > width) {
      int widest = -1;
      for (int c = 0; c < columns.length; c++) {
        if (widths[columns[c]] > least[c]
            && (widest < 0 || widths[columns[c]] > widths[columns[widest]])) {
          widest = c;
        }
      }
      if (widest < 0) {
        return;
      }
      widths[columns[widest]]--;
      total--;
    }
  }

  private static int[] widths(List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], Terminal.width(r[i]));
      }
    }
    return widths;
  }

  private static int total(int[] widths) {
    int t = 2 * (widths.length - 1);
    for (int w : widths) {
      t += w;
    }
    return t;
  }

  /** Rows of cells in columns as wide as their widest cell, the last column unpadded. */
  static void print(PrintStream out, List<String[]> rows) {
    int[] widths = widths(rows);
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) {
          line.append(" ".repeat(widths[i] - Terminal.width(r[i]) + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
