package io.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.internal.MemoryBackend;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.Json;
import io.sessionstore.spi.StoredHead;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reports by day, week and month split each session by when its messages happened (their own {@code
 * timestamp}), as ccusage does, from heads alone.
 */
class UsageByDayTest {
  private final MemoryBackend backend = new MemoryBackend();
  private final UsageReportTest.MutableClock clock = new UsageReportTest.MutableClock();
  private final SessionStore store =
      SessionStore.builder()
          .backend(backend)
          .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
          .clock(clock)
          .build();
  private final UsageAccountingTest lines = new UsageAccountingTest();
  private static final SessionKey K = SessionKey.of("p", "s");

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** A haiku line ($1 per million input tokens) of {@code in} input tokens at a time. */
  private Message at(String id, long in, String timestamp, Object... more) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("timestamp", timestamp);
    for (int i = 0; i < more.length; i += 2) {
      m.put((String) more[i], more[i + 1]);
    }
    return lines.line(id, "req-" + id, in, 0, 0, m);
  }

  private void append(SessionKey key, String now, Message... messages) {
    clock.now = Instant.parse(now);
    store.appendMessages(key, List.of(messages));
  }

  private UsageReport report(String by, ZoneId zone) {
    return store.usageReport(
        SearchQuery.in(Scope.allProjects()).build(), UsageGrouping.parse(by), zone);
  }

  /** date → input tokens, in the report's order. */
  private static Map<String, Long> inputs(UsageReport r) {
    Map<String, Long> out = new LinkedHashMap<>();
    r.rows().forEach(row -> out.put(row.key().get("date"), row.inputTokens()));
    return out;
  }

  private static void assertTotal(UsageReport r, long in) {
    long sum = 0;
    BigDecimal cost = BigDecimal.ZERO;
    for (UsageReport.Row row : r.rows()) {
      sum += row.inputTokens();
      cost = cost.add(row.costUsd());
    }
    assertEquals(in, sum, "the rows add up to the total");
    assertEquals(in, r.total().inputTokens());
    assertEquals(0, cost.compareTo(r.total().costUsd()), "the rows' cost adds up to the total");
  }

  @Test
  void aSessionOverMidnightSplitsBetweenTwoDaysInTheReportsZone() {
    append(
        K,
        "2026-03-02T00:45:00Z",
        at("a", 1_000, "2026-03-01T22:30:00Z"),
        at("b", 2_000, "2026-03-01T23:30:00Z"),
        at("c", 4_000, "2026-03-02T00:30:00Z"));
    UsageReport utc = report("day", ZoneOffset.UTC);
    assertEquals(Map.of("2026-03-01", 3_000L, "2026-03-02", 4_000L), inputs(utc));
    assertEquals(1, utc.rows().get(0).sessions());
    assertEquals(1, utc.rows().get(1).sessions());
    assertEquals(1, utc.total().sessions(), "the total counts the session once");
    assertEquals(0, new BigDecimal("0.003").compareTo(utc.rows().get(0).costUsd()));
    assertEquals(0, new BigDecimal("0.004").compareTo(utc.rows().get(1).costUsd()));
    assertEquals(CostSource.ESTIMATED, utc.rows().get(0).costSource());
    assertTotal(utc, 7_000);

    // Paris is UTC+1 in March: 23:30Z is already the next day there.
    UsageReport paris = report("day", ZoneId.of("Europe/Paris"));
    assertEquals(Map.of("2026-03-01", 1_000L, "2026-03-02", 6_000L), inputs(paris));
    assertTotal(paris, 7_000);
    // New York is UTC-5: all of it is still the first of March.
    assertEquals(
        Map.of("2026-03-01", 7_000L), inputs(report("day", ZoneId.of("America/New_York"))));
    assertEquals(Map.of("2026-03", 7_000L), inputs(report("month", ZoneOffset.UTC)));
    // The first is a Sunday: two weeks.
    assertEquals(
        Map.of("2026-02-23", 3_000L, "2026-03-02", 4_000L), inputs(report("week", ZoneOffset.UTC)));
  }

  @Test
  void aMessageRepeatedWhileStreamingCountsOnceOnTheDayOfTheLineThatCounts() {
    append(
        K,
        "2026-03-02T00:10:00Z",
        at("a", 1_000, "2026-03-01T23:59:59Z"),
        at("a", 1_500, "2026-03-02T00:00:01Z"),
        at("a", 700, "2026-03-02T00:00:02Z"));
    UsageReport r = report("day", ZoneOffset.UTC);
    assertEquals(Map.of("2026-03-02", 1_500L), inputs(r), "the line with the most tokens");
    assertTotal(r, 1_500);
    // The same over two appends (the streamed lines written as they come).
    SessionKey k2 = SessionKey.of("p", "s2");
    append(k2, "2026-03-05T23:59:59Z", at("b", 1_000, "2026-03-05T23:59:59Z"));
    append(k2, "2026-03-06T00:00:01Z", at("b", 3_000, "2026-03-06T00:00:01Z"));
    assertEquals(
        Map.of("2026-03-02", 1_500L, "2026-03-06", 3_000L), inputs(report("day", ZoneOffset.UTC)));
  }

  @Test
  void aResumedSessionsLaterLinesLandOnTheirOwnDay() {
    append(K, "2026-03-01T10:00:00Z", at("a", 1_000, "2026-03-01T10:00:00Z"));
    append(K, "2026-03-04T09:00:00Z", at("b", 2_000, "2026-03-04T09:00:00Z"));
    append(K, "2026-03-20T12:00:00Z", at("c", 4_000, "2026-03-20T12:00:00Z"));
    UsageReport r = report("day", ZoneOffset.UTC);
    assertEquals(
        Map.of("2026-03-01", 1_000L, "2026-03-04", 2_000L, "2026-03-20", 4_000L), inputs(r));
    assertEquals(
        List.of("2026-03-01", "2026-03-04", "2026-03-20"), new ArrayList<>(inputs(r).keySet()));
    assertTotal(r, 7_000);
  }

  @Test
  void aLineWithoutATimestampCountsWhenItWasWritten() {
    append(K, "2026-03-01T10:00:00Z", at("a", 1_000, "2026-03-01T10:00:00Z"));
    append(K, "2026-03-03T10:00:00Z", at("b", 2_000, ""));
    assertEquals(
        Map.of("2026-03-01", 1_000L, "2026-03-03", 2_000L), inputs(report("day", ZoneOffset.UTC)));
  }

  @Test
  void subTranscriptsUsageLandsOnItsMessagesDays() {
    append(K, "2026-03-01T10:00:00Z", at("a", 1_000, "2026-03-01T10:00:00Z"));
    SessionKey sub = K.withSubpath("subagents/agent-1");
    append(
        sub,
        "2026-03-02T01:00:00Z",
        at("a", 1_000, "2026-03-01T10:00:01Z", "sidechain", true), // a copy: counted once
        at("s1", 2_000, "2026-03-01T23:00:00Z", "sidechain", true),
        at("s2", 4_000, "2026-03-02T01:00:00Z", "sidechain", true));
    UsageReport r = report("day", ZoneOffset.UTC);
    assertEquals(Map.of("2026-03-01", 3_000L, "2026-03-02", 4_000L), inputs(r));
    assertTotal(r, 7_000);
    // The sub-transcript grows, then is replaced: its old usage leaves the days it was on.
    append(sub, "2026-03-03T01:00:00Z", at("s3", 8_000, "2026-03-03T01:00:00Z", "sidechain", true));
    assertEquals(
        Map.of("2026-03-01", 3_000L, "2026-03-02", 4_000L, "2026-03-03", 8_000L),
        inputs(report("day", ZoneOffset.UTC)));
    clock.now = Instant.parse("2026-03-04T00:00:00Z");
    store.saveSession(
        sub,
        List.of(at("s9", 16_000, "2026-03-04T00:00:00Z", "sidechain", true)),
        SaveOptions.NONE);
    r = report("day", ZoneOffset.UTC);
    assertEquals(Map.of("2026-03-01", 1_000L, "2026-03-04", 16_000L), inputs(r));
    assertTotal(r, 17_000);
  }

  @Test
  void headsStoredBeforeHourBucketsCountOnTheirStartDayUntilReindexed() {
    append(
        K,
        "2026-03-02T01:00:00Z",
        at("a", 1_000, "2026-03-01T23:00:00Z"),
        at("b", 2_000, "2026-03-02T01:00:00Z"));
    // What the previous version stored: the same derivation without its hour buckets.
    StoredHead h = backend.head(K).orElseThrow();
    ObjectNode d = (ObjectNode) Json.parseObject(h.derivation(), "derivation");
    d.remove(List.of("hs", "ho", "hb"));
    if (d.has("l")) {
      ((com.fasterxml.jackson.databind.node.ArrayNode) d.get("l")).remove(5);
    }
    SessionMetadata m = h.metadata();
    backend.commit(
        new Commit(
            Commit.Kind.METADATA,
            m.version(),
            List.of(),
            new StoredHead(K, m.withVersion(m.version() + 1), h.generation(), d.toString())));
    assertEquals(Map.of("2026-03-02", 3_000L), inputs(report("day", ZoneOffset.UTC)));

    // A later append counts on its own day; what came before still on the start day.
    append(K, "2026-03-05T01:00:00Z", at("c", 4_000, "2026-03-05T01:00:00Z"));
    UsageReport r = report("day", ZoneOffset.UTC);
    assertEquals(Map.of("2026-03-02", 3_000L, "2026-03-05", 4_000L), inputs(r));
    assertTotal(r, 7_000);

    assertEquals(1, store.reindexUsage(Scope.allProjects(), true, ProgressListener.NONE));
    r = report("day", ZoneOffset.UTC);
    assertEquals(
        Map.of("2026-03-01", 1_000L, "2026-03-02", 2_000L, "2026-03-05", 4_000L), inputs(r));
    assertTotal(r, 7_000);
  }

  @Test
  void compactedBucketsKeepEveryTotalExact() {
    // A line every five hours for 200 days: more hours and days than a head keeps apart.
    Instant t = Instant.parse("2026-01-01T00:30:00Z");
    long expected = 0;
    List<Message> batch = new ArrayList<>();
    for (int i = 0; i < 960; i++) {
      Instant when = t.plusSeconds(i * 5L * 3600);
      batch.add(at("m" + i, 1_000 + i, when.toString()));
      expected += 1_000 + i;
      if (batch.size() == 48) {
        append(K, when.toString(), batch.toArray(Message[]::new));
        batch.clear();
      }
    }
    assertEquals(expected, store.getMetadata(K).orElseThrow().usage().inputTokens());
    assertTotal(report("day", ZoneOffset.UTC), expected);
    assertTotal(report("day", ZoneId.of("Asia/Kolkata")), expected);
    assertTotal(report("week", ZoneOffset.UTC), expected);
    UsageReport months = report("month", ZoneOffset.UTC);
    assertTotal(months, expected);
    assertEquals(7, months.rows().size(), "January to July");
    Map<String, Long> utc = inputs(report("day", ZoneOffset.UTC));
    assertEquals("2026-07-19", utc.keySet().stream().reduce((a, b) -> b).orElseThrow());
    int size = backend.head(K).orElseThrow().derivation().length();
    org.junit.jupiter.api.Assertions.assertTrue(size < 20_000, "the head stays small: " + size);
  }
}
