package io.sessionstore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.CostSource;
import io.sessionstore.api.Usage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Usage summed per model, with what it cost and how that cost is known: what a {@link Derivation}
 * keeps, so its size is bounded by the number of models, never by the number of messages. Tokens of
 * lines that name no model are kept under {@link #NO_MODEL}. Immutable.
 *
 * @param rows per model
 * @param unknown whether some of it is not known (a transcript stored before usage accounting):
 *     then only the cost is, and it is the cost reported before
 */
record UsageTally(SortedMap<String, Row> rows, boolean unknown) {
  /** The row of lines that name no model (or {@code <synthetic>}). */
  static final String NO_MODEL = "";

  static final UsageTally EMPTY = new UsageTally(new TreeMap<>(), false);

  UsageTally {
    rows = Collections.unmodifiableSortedMap(new TreeMap<>(rows));
  }

  /**
   * One model's share.
   *
   * @param estimated cost estimated from the price table
   * @param reported cost the data reported
   * @param estimatedLines lines (with tokens) whose cost is estimated
   * @param reportedLines lines whose cost is reported
   * @param unpricedLines lines with tokens that have neither a reported cost nor a price
   */
  record Row(
      long input,
      long output,
      long cacheWrite5m,
      long cacheWrite1h,
      long cacheRead,
      BigDecimal estimated,
      BigDecimal reported,
      long estimatedLines,
      long reportedLines,
      long unpricedLines) {
    static final Row ZERO = new Row(0, 0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, 0, 0, 0);

    Row {
      estimated = normal(estimated);
      reported = normal(reported);
    }

    Row plus(Row o) {
      return new Row(
          input + o.input,
          output + o.output,
          cacheWrite5m + o.cacheWrite5m,
          cacheWrite1h + o.cacheWrite1h,
          cacheRead + o.cacheRead,
          estimated.add(o.estimated),
          reported.add(o.reported),
          estimatedLines + o.estimatedLines,
          reportedLines + o.reportedLines,
          unpricedLines + o.unpricedLines);
    }

    Row minus(Row o) {
      return new Row(
          input - o.input,
          output - o.output,
          cacheWrite5m - o.cacheWrite5m,
          cacheWrite1h - o.cacheWrite1h,
          cacheRead - o.cacheRead,
          estimated.subtract(o.estimated),
          reported.subtract(o.reported),
          estimatedLines - o.estimatedLines,
          reportedLines - o.reportedLines,
          unpricedLines - o.unpricedLines);
    }

    BigDecimal cost() {
      return normal(estimated.add(reported));
    }

    long cacheWrites() {
      return cacheWrite5m + cacheWrite1h;
    }

    long tokens() {
      return input + output + cacheWrite5m + cacheWrite1h + cacheRead;
    }

    CostSource source() {
      return CostSource.of(reportedLines > 0, estimatedLines > 0, unpricedLines > 0);
    }

    /** The same tokens with their cost taken as reported (by a total that covers them). */
    Row reportedAs(BigDecimal cost) {
      return new Row(
          input, output, cacheWrite5m, cacheWrite1h, cacheRead, BigDecimal.ZERO, cost, 0, 1, 0);
    }

    // Not equals(ZERO): a record's equals is bound through method handles on first use, which a
    // short command pays for, and this is asked of every message's usage.
    boolean isZero() {
      return input == 0
          && output == 0
          && cacheWrite5m == 0
          && cacheWrite1h == 0
          && cacheRead == 0
          && estimated.equals(ZERO.estimated)
          && reported.equals(ZERO.reported)
          && estimatedLines == 0
          && reportedLines == 0
          && unpricedLines == 0;
    }

    /** As a head keeps it: the ten numbers in order. */
    /**
     * The row's ten numbers in order, trailing zeros left out: a head holds many rows (per model,
     * per hour), most of them ending in counts that are 0.
     */
    void writeTo(ArrayNode a) {
      Number[] all = {
        input,
        output,
        cacheWrite5m,
        cacheWrite1h,
        cacheRead,
        estimated,
        reported,
        estimatedLines,
        reportedLines,
        unpricedLines
      };
      int n = all.length;
      while (n > 0 && isZero(all[n - 1])) {
        n--;
      }
      for (int i = 0; i < n; i++) {
        if (all[i] instanceof BigDecimal d) {
          a.add(d);
        } else {
          a.add(all[i].longValue());
        }
      }
    }

    private static boolean isZero(Number n) {
      return n instanceof BigDecimal d ? d.signum() == 0 : n.longValue() == 0;
    }

    /** What {@link #writeTo} wrote: up to ten numbers, those left out 0. */
    static Row read(JsonNode a) {
      if (!a.isArray() || a.size() > 10) {
        throw new NumberFormatException("a usage row is not up to 10 numbers");
      }
      return new Row(
          a.path(0).longValue(),
          a.path(1).longValue(),
          a.path(2).longValue(),
          a.path(3).longValue(),
          a.path(4).longValue(),
          a.has(5) ? a.get(5).decimalValue() : BigDecimal.ZERO,
          a.has(6) ? a.get(6).decimalValue() : BigDecimal.ZERO,
          a.path(7).longValue(),
          a.path(8).longValue(),
          a.path(9).longValue());
    }
  }

  /** Usage not known, with the cost reported before usage accounting. */
  static UsageTally unknown(BigDecimal cost) {
    TreeMap<String, Row> rows = new TreeMap<>();
    if (cost.signum() != 0) {
      rows.put(NO_MODEL, Row.ZERO.plus(new Row(0, 0, 0, 0, 0, BigDecimal.ZERO, cost, 0, 0, 0)));
    }
    return new UsageTally(rows, true);
  }

  UsageTally plus(String model, Row row) {
    TreeMap<String, Row> out = new TreeMap<>(rows);
    Row sum = out.getOrDefault(model, Row.ZERO).plus(row);
    if (sum.isZero()) {
      out.remove(model);
    } else {
      out.put(model, sum);
    }
    return new UsageTally(out, unknown);
  }

  UsageTally plus(UsageTally o) {
    UsageTally t = new UsageTally(rows, unknown || o.unknown);
    for (Map.Entry<String, Row> e : o.rows.entrySet()) {
      t = t.plus(e.getKey(), e.getValue());
    }
    return t;
  }

  UsageTally minus(UsageTally o) {
    UsageTally t = new UsageTally(rows, unknown || o.unknown);
    for (Map.Entry<String, Row> e : o.rows.entrySet()) {
      TreeMap<String, Row> out = new TreeMap<>(t.rows);
      Row left = out.getOrDefault(e.getKey(), Row.ZERO).minus(e.getValue());
      if (left.isZero()) {
        out.remove(e.getKey());
      } else {
        out.put(e.getKey(), left);
      }
      t = new UsageTally(out, t.unknown);
    }
    return t;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  BigDecimal cost() {
    BigDecimal c = BigDecimal.ZERO;
    for (Row r : rows.values()) {
      c = c.add(r.cost());
    }
    return normal(c);
  }

  /** The models with tokens or cost, {@link #NO_MODEL} left out. */
  List<String> models() {
    List<String> out = new ArrayList<>(rows.keySet());
    out.remove(NO_MODEL);
    return out;
  }

  CostSource costSource() {
    if (unknown) {
      return CostSource.UNKNOWN;
    }
    boolean reported = false;
    boolean estimated = false;
    boolean unpriced = false;
    for (Row r : rows.values()) {
      reported |= r.reportedLines > 0;
      estimated |= r.estimatedLines > 0;
      unpriced |= r.unpricedLines > 0;
    }
    return CostSource.of(reported, estimated, unpriced);
  }

  /** As the API shows it; null when not known. */
  Usage toUsage() {
    if (unknown) {
      return null;
    }
    long in = 0;
    long out = 0;
    long write = 0;
    long read = 0;
    List<Usage.ModelUsage> models = new ArrayList<>();
    for (Map.Entry<String, Row> e : rows.entrySet()) {
      Row r = e.getValue();
      in += r.input;
      out += r.output;
      write += r.cacheWrites();
      read += r.cacheRead;
      if (!e.getKey().equals(NO_MODEL)) {
        models.add(
            new Usage.ModelUsage(
                e.getKey(), r.input, r.output, r.cacheWrites(), r.cacheRead, r.cost(), r.source()));
      }
    }
    return new Usage(in, out, write, read, models, costSource());
  }

  /** A cost without trailing zeros, never in exponent form (so it reads back equal). */
  static BigDecimal normal(BigDecimal c) {
    BigDecimal s = c.stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }

  ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    ObjectNode m = n.putObject("m");
    rows.forEach((model, r) -> r.writeTo(m.putArray(model)));
    if (unknown) {
      n.put("x", true);
    }
    return n;
  }

  static UsageTally fromJson(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return EMPTY;
    }
    TreeMap<String, Row> rows = new TreeMap<>();
    n.path("m").properties().forEach(e -> rows.put(e.getKey(), Row.read(e.getValue())));
    return new UsageTally(rows, n.path("x").asBoolean(false));
  }
}
