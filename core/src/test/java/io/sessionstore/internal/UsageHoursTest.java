package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Hour buckets: compaction keeps every total, and a sum loses what it gained exactly. */
class UsageHoursTest {
  private static UsageTally.Row row(long in) {
    return new UsageTally.Row(in, 1, 2, 3, 4, BigDecimal.valueOf(in, 6), BigDecimal.ZERO, 1, 0, 0);
  }

  private static long hour(String t) {
    return UsageHours.hourOf(Instant.parse(t));
  }

  @Test
  void compactionMergesTheOldestDaysAndMonthsAndKeepsEveryTotal() {
    UsageHours h = UsageHours.EMPTY;
    UsageTally.Row expected = UsageTally.Row.ZERO;
    long first = hour("2026-01-01T00:00:00Z");
    for (int i = 0; i < 24 * 200; i += 3) {
      h = h.plus(first + i, row(i + 1));
      expected = expected.plus(row(i + 1));
      assertTrue(h.hours().size() <= UsageHours.MAX_HOURS, "hours bounded");
      assertTrue(h.days().size() <= UsageHours.MAX_DAYS, "days bounded");
    }
    assertEquals(expected, h.total());
    assertTrue(!h.months().isEmpty(), "the oldest days merged into months");
    assertEquals(h, UsageHours.fromJson(h.toJson()), "reads back as written");
    for (ZoneId zone : new ZoneId[] {ZoneOffset.UTC, ZoneId.of("Asia/Kolkata")}) {
      UsageTally.Row sum = UsageTally.Row.ZERO;
      for (UsageTally.Row r : h.byDate(zone).values()) {
        sum = sum.plus(r);
      }
      assertEquals(expected, sum, "every date of " + zone + " adds up to the total");
    }
    // The newest hours are still apart: the last day splits in any zone of whole hours.
    LocalDate last = h.byDate(ZoneOffset.UTC).lastKey();
    assertEquals(LocalDate.parse("2026-07-19"), last);
  }

  @Test
  void whatWasAddedBeforeCompactionIsTakenAwayExactly() {
    UsageHours sub = UsageHours.EMPTY;
    long first = hour("2026-01-01T10:00:00Z");
    for (int i = 0; i < 10; i++) {
      sub = sub.plus(first + i, row(100 + i));
    }
    // A session's sum of sub-transcripts that compacted since the sub-transcript was added.
    UsageHours sum = sub;
    for (int i = 0; i < 200; i++) {
      sum = sum.plus(first + 24 * 30 + i, row(1));
    }
    assertTrue(sum.hours().keySet().stream().noneMatch(k -> k < first + 24), "compacted");
    UsageHours left = sum.minus(sub);
    assertEquals(sum.total().minus(sub.total()), left.total());
    assertTrue(
        left.byDate(ZoneOffset.UTC).keySet().stream()
            .allMatch(d -> !d.isBefore(LocalDate.parse("2026-01-31"))),
        "nothing is left on the days the sub-transcript was: " + left.byDate(ZoneOffset.UTC));
  }
}
