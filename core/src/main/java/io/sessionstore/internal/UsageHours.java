package io.sessionstore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Usage (all models together) per UTC hour it happened in: what a {@link Derivation} keeps so that
 * a report by day, week or month can split a session by when its messages were, in any time zone of
 * whole hours, from the head alone. Immutable.
 *
 * <p>Its size is bounded: past {@link #MAX_HOURS} hour buckets, the oldest UTC day's hours merge
 * into one day bucket; past {@link #MAX_DAYS} day buckets, the oldest UTC month's days merge into
 * one month bucket. Merging keeps every total exact; only where in a day (or month) the merged
 * usage was is lost: a day bucket counts on its UTC date, a month bucket on its month's first day.
 *
 * @param hours per hour since the epoch (UTC)
 * @param days per day since the epoch (UTC), merged hours
 * @param months per month since the epoch ({@code year * 12 + month - 1}), merged days
 */
record UsageHours(
    SortedMap<Long, UsageTally.Row> hours,
    SortedMap<Long, UsageTally.Row> days,
    SortedMap<Long, UsageTally.Row> months) {

  /** The most hour buckets kept: three days of round-the-clock use. */
  static final int MAX_HOURS = 72;

  /** The most day buckets kept: two months of daily use. */
  static final int MAX_DAYS = 62;

  static final UsageHours EMPTY = new UsageHours(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());

  UsageHours {
    hours = Collections.unmodifiableSortedMap(new TreeMap<>(hours));
    days = Collections.unmodifiableSortedMap(new TreeMap<>(days));
    months = Collections.unmodifiableSortedMap(new TreeMap<>(months));
  }

  /** The hour an instant is in. */
  static long hourOf(Instant t) {
    return Math.floorDiv(t.getEpochSecond(), 3600);
  }

  private static long dayOfHour(long hour) {
    return Math.floorDiv(hour, 24);
  }

  private static long monthOfDay(long day) {
    LocalDate d = LocalDate.ofEpochDay(day);
    return d.getYear() * 12L + d.getMonthValue() - 1;
  }

  private static LocalDate firstDayOfMonth(long month) {
    return LocalDate.of((int) Math.floorDiv(month, 12), (int) Math.floorMod(month, 12) + 1, 1);
  }

  boolean isEmpty() {
    return hours.isEmpty() && days.isEmpty() && months.isEmpty();
  }

  /** The same with a row added to an hour, compacted. */
  UsageHours plus(long hour, UsageTally.Row row) {
    if (row.isZero()) {
      return this;
    }
    TreeMap<Long, UsageTally.Row> h = new TreeMap<>(hours);
    add(h, hour, row);
    return new UsageHours(h, days, months).compacted();
  }

  /** The same with a row taken away from the bucket that holds its hour. */
  UsageHours minus(long hour, UsageTally.Row row) {
    TreeMap<Long, UsageTally.Row> h = new TreeMap<>(hours);
    TreeMap<Long, UsageTally.Row> d = new TreeMap<>(days);
    TreeMap<Long, UsageTally.Row> m = new TreeMap<>(months);
    UsageTally.Row neg = UsageTally.Row.ZERO.minus(row);
    long day = dayOfHour(hour);
    long month = monthOfDay(day);
    if (h.containsKey(hour) || (!d.containsKey(day) && !m.containsKey(month))) {
      add(h, hour, neg);
    } else if (d.containsKey(day)) {
      add(d, day, neg);
    } else {
      add(m, month, neg);
    }
    return new UsageHours(h, d, m);
  }

  /** The sum of both, compacted. */
  UsageHours plus(UsageHours o) {
    TreeMap<Long, UsageTally.Row> h = new TreeMap<>(hours);
    TreeMap<Long, UsageTally.Row> d = new TreeMap<>(days);
    TreeMap<Long, UsageTally.Row> m = new TreeMap<>(months);
    o.hours.forEach((k, r) -> add(h, k, r));
    o.days.forEach((k, r) -> add(d, k, r));
    o.months.forEach((k, r) -> add(m, k, r));
    return new UsageHours(h, d, m).compacted();
  }

  /**
   * The difference: each bucket of {@code o} taken from the bucket here that holds its time (its
   * hour, else its day, else its month), so that a sum compacted since still loses it exactly.
   */
  UsageHours minus(UsageHours o) {
    UsageHours out = this;
    for (Map.Entry<Long, UsageTally.Row> e : o.hours.entrySet()) {
      out = out.minus(e.getKey(), e.getValue());
    }
    TreeMap<Long, UsageTally.Row> d = new TreeMap<>(out.days);
    TreeMap<Long, UsageTally.Row> m = new TreeMap<>(out.months);
    for (Map.Entry<Long, UsageTally.Row> e : o.days.entrySet()) {
      long month = monthOfDay(e.getKey());
      if (!d.containsKey(e.getKey()) && m.containsKey(month)) {
        add(m, month, UsageTally.Row.ZERO.minus(e.getValue()));
      } else {
        add(d, e.getKey(), UsageTally.Row.ZERO.minus(e.getValue()));
      }
    }
    o.months.forEach((k, r) -> add(m, k, UsageTally.Row.ZERO.minus(r)));
    return new UsageHours(out.hours, d, m).compacted();
  }

  /** Everything added up. */
  UsageTally.Row total() {
    UsageTally.Row t = UsageTally.Row.ZERO;
    for (UsageTally.Row r : hours.values()) {
      t = t.plus(r);
    }
    for (UsageTally.Row r : days.values()) {
      t = t.plus(r);
    }
    for (UsageTally.Row r : months.values()) {
      t = t.plus(r);
    }
    return t;
  }

  /**
   * The usage per date in a zone: an hour bucket on the date its hour starts in (exact for zones of
   * whole hours; in a zone of half or quarter hours, the usage of an hour that straddles midnight
   * counts on the day the hour starts in), a day bucket on its UTC date, a month bucket on its
   * month's first day.
   */
  SortedMap<LocalDate, UsageTally.Row> byDate(ZoneId zone) {
    TreeMap<LocalDate, UsageTally.Row> out = new TreeMap<>();
    hours.forEach(
        (h, r) ->
            out.merge(
                Instant.ofEpochSecond(h * 3600).atZone(zone).toLocalDate(),
                r,
                UsageTally.Row::plus));
    days.forEach((d, r) -> out.merge(LocalDate.ofEpochDay(d), r, UsageTally.Row::plus));
    months.forEach((m, r) -> out.merge(firstDayOfMonth(m), r, UsageTally.Row::plus));
    return out;
  }

  /** The same, with no more than {@link #MAX_HOURS} hour and {@link #MAX_DAYS} day buckets. */
  private UsageHours compacted() {
    if (hours.size() <= MAX_HOURS && days.size() <= MAX_DAYS) {
      return this;
    }
    TreeMap<Long, UsageTally.Row> h = new TreeMap<>(hours);
    TreeMap<Long, UsageTally.Row> d = new TreeMap<>(days);
    TreeMap<Long, UsageTally.Row> m = new TreeMap<>(months);
    while (h.size() > MAX_HOURS) {
      long day = dayOfHour(h.firstKey());
      while (!h.isEmpty() && dayOfHour(h.firstKey()) == day) {
        add(d, day, h.pollFirstEntry().getValue());
      }
    }
    while (d.size() > MAX_DAYS) {
      long month = monthOfDay(d.firstKey());
      while (!d.isEmpty() && monthOfDay(d.firstKey()) == month) {
        add(m, month, d.pollFirstEntry().getValue());
      }
    }
    return new UsageHours(h, d, m);
  }

  private static void add(TreeMap<Long, UsageTally.Row> map, long key, UsageTally.Row row) {
    UsageTally.Row sum = map.getOrDefault(key, UsageTally.Row.ZERO).plus(row);
    if (sum.isZero()) {
      map.remove(key);
    } else {
      map.put(key, sum);
    }
  }

  /** As a head keeps it: {@code {"h": {hour: row}, "d": {day: row}, "m": {month: row}}}. */
  ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    put(n, "h", hours);
    put(n, "d", days);
    put(n, "m", months);
    return n;
  }

  private static void put(ObjectNode n, String name, SortedMap<Long, UsageTally.Row> buckets) {
    if (buckets.isEmpty()) {
      return;
    }
    ObjectNode o = n.putObject(name);
    buckets.forEach((k, r) -> r.writeTo(o.putArray(Long.toString(k))));
  }

  static UsageHours fromJson(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return EMPTY;
    }
    return new UsageHours(read(n.get("h")), read(n.get("d")), read(n.get("m")));
  }

  private static TreeMap<Long, UsageTally.Row> read(JsonNode n) {
    TreeMap<Long, UsageTally.Row> out = new TreeMap<>();
    if (n == null) {
      return out;
    }
    n.properties()
        .forEach(e -> out.put(Long.parseLong(e.getKey()), UsageTally.Row.read(e.getValue())));
    return out;
  }
}
