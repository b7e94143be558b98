package io.sessionstore.cli;

import io.sessionstore.api.SessionMetadata;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.Collectors;

/** How metadata is printed: {@code key: value} lines, a table, or JSON. */
final class Format {
  private Format() {}

  /** A session's totals in one phrase: {@code 6 messages, 1 turns, $0.005}. */
  static String totals(SessionMetadata m) {
    return m.messageCount()
        + " messages, "
        + m.turns()
        + " turns, $"
        + m.totalCostUsd().toPlainString();
  }

  static void keyValues(PrintStream out, SessionMetadata m) {
    out.println("project: " + m.project());
    out.println("sessionId: " + m.sessionId());
    out.println("createdAt: " + m.createdAt());
    out.println("updatedAt: " + m.updatedAt());
    out.println("messageCount: " + m.messageCount());
    out.println("totalCostUsd: " + m.totalCostUsd().toPlainString());
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
    String[] header = {"UPDATED", "PROJECT", "SESSION", "MESSAGES", "COST", "TAGS", "SUMMARY"};
    List<String[]> rows = new java.util.ArrayList<>();
    rows.add(header);
    for (SessionMetadata m : items) {
      rows.add(
          new String[] {
            m.updatedAt().toString(),
            m.project(),
            m.sessionId(),
            Long.toString(m.messageCount()),
            m.totalCostUsd().toPlainString(),
            String.join(",", m.tags()),
            m.summary() == null ? "" : m.summary()
          });
    }
    int[] widths = new int[header.length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(i == r.length - 1 ? r[i] : String.format("%-" + widths[i] + "s  ", r[i]));
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
