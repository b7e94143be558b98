package io.sessionstore.server;

import io.sessionstore.api.UsageReport;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Bar charts of usage per day, drawn on the server as inline SVG: no script, no library, and
 * nothing but escaped text inside (the dates and figures of the tooltips).
 */
final class UsageChart {
  private static final int WIDTH = 960;
  private static final int HEIGHT = 220;
  private static final int LEFT = 70;
  private static final int RIGHT = 10;
  private static final int TOP = 16;
  private static final int BOTTOM = 28;

  /**
   * Days between the first and last shown with empty bars for the days without usage, up to this.
   */
  private static final int MAX_FILLED_DAYS = 400;

  private UsageChart() {}

  /** The cost per day as bars. */
  static String cost(UsageReport byDay) {
    return chart(
        byDay,
        "Cost per day (USD)",
        r -> r.costUsd().doubleValue(),
        v -> Format.usd(bd(v)),
        "cost");
  }

  /** All tokens per day as bars. */
  static String tokens(UsageReport byDay) {
    return chart(
        byDay, "Tokens per day", r -> r.totalTokens(), v -> Format.shortCount((long) v), "tokens");
  }

  private static BigDecimal bd(double v) {
    return BigDecimal.valueOf(v);
  }

  private static String chart(
      UsageReport byDay,
      String title,
      ToDoubleFunction<UsageReport.Row> value,
      java.util.function.DoubleFunction<String> label,
      String kind) {
    List<Map.Entry<String, UsageReport.Row>> days = days(byDay);
    double max = 0;
    for (var d : days) {
      if (d.getValue() != null) {
        max = Math.max(max, value.applyAsDouble(d.getValue()));
      }
    }
    StringBuilder s = new StringBuilder(4096);
    s.append("<svg class=\"chart ")
        .append(kind)
        .append("\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"")
        .append(Html.attr(title))
        .append("\" xmlns=\"http://www.w3.org/2000/svg\">");
    s.append("<title>").append(Html.text(title)).append("</title>");
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;
    // Axis and the top value.
    s.append(line(LEFT, TOP + plotH, WIDTH - RIGHT, TOP + plotH, "axis"));
    s.append(line(LEFT, TOP, LEFT, TOP + plotH, "axis"));
    s.append(text(LEFT - 6, TOP + 4, "end", label.apply(max)));
    s.append(text(LEFT - 6, TOP + plotH, "end", label.apply(0)));
    s.append(text(LEFT + 4, TOP - 4, "start", title));
    if (days.isEmpty()) {
      s.append(text(LEFT + plotW / 2, TOP + plotH / 2, "middle", "No usage for these filters"));
      return s.append("</svg>").toString();
    }
    double step = (double) plotW / days.size();
    double barW = Math.max(1, step * 0.8);
    int labelEvery = Math.max(1, (int) Math.ceil(days.size() / 8.0));
    for (int i = 0; i < days.size(); i++) {
      var d = days.get(i);
      double x = LEFT + i * step + (step - barW) / 2;
      UsageReport.Row row = d.getValue();
      double v = row == null ? 0 : value.applyAsDouble(row);
      double h = max <= 0 ? 0 : v / max * plotH;
      if (row != null) {
        s.append("<rect class=\"bar\" x=\"")
            .append(num(x))
            .append("\" y=\"")
            .append(num(TOP + plotH - h))
            .append("\" width=\"")
            .append(num(barW))
            .append("\" height=\"")
            .append(num(Math.max(h, v > 0 ? 1 : 0)))
            .append("\"><title>")
            .append(
                Html.text(
                    d.getKey()
                        + ": "
                        + label.apply(v)
                        + " · "
                        + row.sessions()
                        + (row.sessions() == 1 ? " session" : " sessions")))
            .append("</title></rect>");
      }
      if ((i % labelEvery == 0 && days.size() - i > labelEvery / 2) || i == days.size() - 1) {
        boolean last = i == days.size() - 1;
        s.append(
            text(
                last ? WIDTH - RIGHT : x + barW / 2,
                HEIGHT - 8,
                last ? "end" : "middle",
                d.getKey()));
      }
    }
    return s.append("</svg>").toString();
  }

  /** The rows by date, with the days between that have none filled in (as null). */
  private static List<Map.Entry<String, UsageReport.Row>> days(UsageReport byDay) {
    Map<String, UsageReport.Row> byDate = new LinkedHashMap<>();
    for (UsageReport.Row r : byDay.rows()) {
      String date = r.key().get("date");
      if (date != null) {
        byDate.put(date, r);
      }
    }
    List<String> dates = new ArrayList<>(new java.util.TreeSet<>(byDate.keySet()));
    List<Map.Entry<String, UsageReport.Row>> out = new ArrayList<>();
    try {
      if (dates.size() > 1) {
        LocalDate first = LocalDate.parse(dates.get(0));
        LocalDate last = LocalDate.parse(dates.get(dates.size() - 1));
        if (ChronoUnit.DAYS.between(first, last) < MAX_FILLED_DAYS) {
          for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            out.add(
                new java.util.AbstractMap.SimpleEntry<>(d.toString(), byDate.get(d.toString())));
          }
          return out;
        }
      }
    } catch (DateTimeParseException e) {
      out.clear();
    }
    for (String d : dates) {
      out.add(new java.util.AbstractMap.SimpleEntry<>(d, byDate.get(d)));
    }
    return out;
  }

  private static String line(double x1, double y1, double x2, double y2, String cls) {
    return "<line class=\""
        + cls
        + "\" x1=\""
        + num(x1)
        + "\" y1=\""
        + num(y1)
        + "\" x2=\""
        + num(x2)
        + "\" y2=\""
        + num(y2)
        + "\"/>";
  }

  private static String text(double x, double y, String anchor, String s) {
    return "<text x=\""
        + num(x)
        + "\" y=\""
        + num(y)
        + "\" text-anchor=\""
        + anchor
        + "\">"
        + Html.text(s)
        + "</text>";
  }

  private static String num(double v) {
    return String.format(java.util.Locale.ROOT, "%.1f", v);
  }
}
