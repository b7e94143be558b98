package io.sessionstore.internal;

import io.sessionstore.api.CostSource;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.Usage;
import io.sessionstore.api.UsageGrouping;
import io.sessionstore.api.UsageReport;
import io.sessionstore.spi.StoredHead;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Usage reports from sessions' heads alone: each session's usage, cost and cost source, grouped.
 * Sessions with neither usage nor cost are left out. By day, week or month, a session's usage is
 * split by when it happened, from the hour buckets of its head ({@link UsageHours}), in the
 * report's zone; what no bucket holds (usage written before buckets were kept, or of lines without
 * a time re-derived) counts in the period the session started in (its {@code createdAt}).
 */
public final class UsageReports {
  /** The attribute Claude Code's branch is kept in. */
  static final String BRANCH_ATTRIBUTE = "gitBranch";

  private UsageReports() {}

  public static UsageReport of(Stream<StoredHead> sessions, UsageGrouping by, ZoneId zone) {
    Map<List<String>, Sum> groups = new HashMap<>();
    Sum total = new Sum(List.of());
    for (StoredHead head : (Iterable<StoredHead>) sessions::iterator) {
      SessionMetadata m = head.metadata();
      if (m.costSource() == CostSource.NONE && m.totalCostUsd().signum() == 0) {
        continue;
      }
      Usage u = m.usage();
      total.add(u, m.totalCostUsd(), m.costSource());
      if (by.kind() == UsageGrouping.Kind.MODEL) {
        byModel(groups, m);
        continue;
      }
      if (by.kind() == UsageGrouping.Kind.DAY
          || by.kind() == UsageGrouping.Kind.WEEK
          || by.kind() == UsageGrouping.Kind.MONTH) {
        byTime(groups, head, by, zone);
        continue;
      }
      for (List<String> key : keys(m, by)) {
        groups.computeIfAbsent(key, Sum::new).add(u, m.totalCostUsd(), m.costSource());
      }
    }
    List<String> names = by.keyNames();
    Comparator<Sum> order =
        switch (by.kind()) {
          case DAY, WEEK, MONTH -> Comparator.comparing(s -> s.key.get(0));
          default ->
              Comparator.comparing((Sum s) -> s.cost, Comparator.reverseOrder())
                  .thenComparing(s -> String.join("\u0000", nonNull(s.key)));
        };
    List<UsageReport.Row> rows =
        groups.values().stream().sorted(order).map(s -> s.row(names)).toList();
    return new UsageReport(by, rows, total.row(List.of()));
  }

  private static List<String> nonNull(List<String> key) {
    return key.stream().map(k -> k == null ? "" : k).toList();
  }

  /** The key of the time period a date is in. */
  private static String period(LocalDate day, UsageGrouping.Kind kind) {
    return switch (kind) {
      case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).toString();
      case MONTH -> YearMonth.from(day).toString();
      default -> day.toString();
    };
  }

  /**
   * A session's usage split into the periods it happened in: its hour buckets, and what they do not
   * hold in the period it started. A session counts once in each period it used tokens in.
   */
  private static void byTime(
      Map<List<String>, Sum> groups, StoredHead head, UsageGrouping by, ZoneId zone) {
    SessionMetadata m = head.metadata();
    Usage u = m.usage();
    String start = period(m.createdAt().atZone(zone).toLocalDate(), by.kind());
    if (u == null) {
      // Usage not known: only its cost, on the day the session started.
      groups.computeIfAbsent(List.of(start), Sum::new).add(null, m.totalCostUsd(), m.costSource());
      return;
    }
    Map<String, UsageTally.Row> periods = new java.util.TreeMap<>();
    UsageHours hours = Derivation.decode(head.derivation()).totalHours();
    hours
        .byDate(zone)
        .forEach((d, r) -> periods.merge(period(d, by.kind()), r, UsageTally.Row::plus));
    Map<String, CostSource> sources = new HashMap<>();
    periods.forEach((k, r) -> sources.put(k, r.source()));
    // What no bucket holds: the session's totals less the buckets'.
    UsageTally.Row in = hours.total();
    UsageTally.Row rest =
        new UsageTally.Row(
            u.inputTokens() - in.input(),
            u.outputTokens() - in.output(),
            u.cacheCreationTokens() - in.cacheWrites(),
            0,
            u.cacheReadTokens() - in.cacheRead(),
            BigDecimal.ZERO,
            m.totalCostUsd().subtract(in.cost()),
            0,
            0,
            0);
    if (!rest.isZero() || periods.isEmpty()) {
      periods.merge(start, rest, UsageTally.Row::plus);
      sources.merge(start, m.costSource(), CostSource::plus);
    }
    periods.forEach(
        (k, r) ->
            groups
                .computeIfAbsent(List.of(k), Sum::new)
                .add(
                    r.input(),
                    r.output(),
                    r.cacheWrites(),
                    r.cacheRead(),
                    r.cost(),
                    sources.get(k)));
  }

  private static List<List<String>> keys(SessionMetadata m, UsageGrouping by) {
    return switch (by.kind()) {
      case DAY, WEEK, MONTH -> throw new IllegalStateException("by time is not by session");
      case SESSION -> List.of(List.of(m.project(), m.sessionId()));
      case PROJECT -> List.of(List.of(m.project()));
      case TAG -> {
        if (m.tags().isEmpty()) {
          yield List.of(nullKey());
        }
        yield m.tags().stream().map(List::of).toList();
      }
      case BRANCH -> List.of(single(m.attributes().get(BRANCH_ATTRIBUTE)));
      case ATTRIBUTE -> List.of(single(m.attributes().get(by.attribute())));
      case MODEL -> throw new IllegalStateException("by model is not by session");
    };
  }

  private static List<String> nullKey() {
    List<String> k = new ArrayList<>();
    k.add(null);
    return k;
  }

  private static List<String> single(String value) {
    return value == null || value.isEmpty() ? nullKey() : List.of(value);
  }

  /**
   * A session's usage per model; what no model row holds (tokens of lines that name no model, a
   * cost reported for a whole run) goes to the row of no model, and all of a session whose usage is
   * not known.
   */
  private static void byModel(Map<List<String>, Sum> groups, SessionMetadata m) {
    Usage u = m.usage();
    if (u == null) {
      groups.computeIfAbsent(nullKey(), Sum::new).add(null, m.totalCostUsd(), CostSource.UNKNOWN);
      return;
    }
    long in = u.inputTokens();
    long out = u.outputTokens();
    long write = u.cacheCreationTokens();
    long read = u.cacheReadTokens();
    BigDecimal cost = m.totalCostUsd();
    for (Usage.ModelUsage r : u.models()) {
      groups
          .computeIfAbsent(List.of(r.model()), Sum::new)
          .add(
              r.inputTokens(),
              r.outputTokens(),
              r.cacheCreationTokens(),
              r.cacheReadTokens(),
              r.costUsd(),
              r.costSource());
      in -= r.inputTokens();
      out -= r.outputTokens();
      write -= r.cacheCreationTokens();
      read -= r.cacheReadTokens();
      cost = cost.subtract(r.costUsd());
    }
    if (in != 0 || out != 0 || write != 0 || read != 0 || cost.signum() != 0) {
      boolean tokens = in + out + write + read > 0;
      groups
          .computeIfAbsent(nullKey(), Sum::new)
          .add(in, out, write, read, cost, CostSource.of(cost.signum() != 0, false, tokens));
    }
  }

  /** One group's running sum. */
  private static final class Sum {
    final List<String> key;
    long in;
    long out;
    long write;
    long read;
    BigDecimal cost = BigDecimal.ZERO;
    CostSource source = CostSource.NONE;
    long sessions;

    Sum(List<String> key) {
      this.key = key;
    }

    void add(Usage u, BigDecimal c, CostSource s) {
      if (u == null) {
        add(0, 0, 0, 0, c, s);
      } else {
        add(u.inputTokens(), u.outputTokens(), u.cacheCreationTokens(), u.cacheReadTokens(), c, s);
      }
    }

    void add(long in, long out, long write, long read, BigDecimal c, CostSource s) {
      this.in += in;
      this.out += out;
      this.write += write;
      this.read += read;
      cost = cost.add(c);
      source = source.plus(s);
      sessions++;
    }

    UsageReport.Row row(List<String> names) {
      Map<String, String> k = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        k.put(names.get(i), key.get(i));
      }
      return new UsageReport.Row(
          k, in, out, write, read, UsageTally.normal(cost), source, sessions);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Sum s && Objects.equals(key, s.key);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(key);
    }
  }
}
