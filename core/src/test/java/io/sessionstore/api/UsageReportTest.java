package io.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sessionstore.internal.MemoryBackend;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StoredHead;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Usage reports from heads alone, and the re-derivation of heads stored before usage. */
class UsageReportTest {
  private final MemoryBackend backend = new MemoryBackend();
  private final MutableClock clock = new MutableClock();
  private final SessionStore store =
      SessionStore.builder()
          .backend(backend)
          .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
          .clock(clock)
          .build();
  private final UsageAccountingTest lines = new UsageAccountingTest();

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** A clock the test sets. */
  static final class MutableClock extends Clock {
    Instant now = Instant.parse("2026-03-01T23:30:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** A session with one API message of {@code in} input tokens on haiku ($1 per million). */
  private void session(
      String id, String start, long in, Map<String, String> attributes, String... tags) {
    clock.now = Instant.parse(start);
    SessionKey k = SessionKey.of("p", id);
    store.saveSession(
        k,
        List.of(lines.line("m-" + id, "r-" + id, in, 0, 0, Map.of("timestamp", start))),
        new SaveOptions(java.util.Set.of(tags), null, attributes, null));
  }

  private UsageReport report(String by, ZoneId zone) {
    return store.usageReport(
        SearchQuery.in(Scope.allProjects()).build(), UsageGrouping.parse(by), zone);
  }

  private static List<String> keys(UsageReport r, String field) {
    List<String> out = new ArrayList<>();
    r.rows().forEach(row -> out.add(row.key().get(field)));
    return out;
  }

  @Test
  void groupsByTimeInTheZoneByTagBranchAndAttribute() {
    session(
        "a",
        "2026-03-01T23:30:00Z",
        1_000_000,
        Map.of("gitBranch", "main", "ticket", "SEC-7"),
        "x",
        "y");
    session("b", "2026-03-02T10:00:00Z", 2_000_000, Map.of("gitBranch", "main"), "x");
    session("c", "2026-03-09T10:00:00Z", 500_000, Map.of());
    store.appendMessages(SessionKey.of("p", "empty"), List.of(Message.of("{\"type\":\"user\"}")));

    UsageReport days = report("day", ZoneOffset.UTC);
    assertEquals(List.of("2026-03-01", "2026-03-02", "2026-03-09"), keys(days, "date"));
    assertEquals(
        List.of("2026-03-02", "2026-03-09"),
        keys(report("day", ZoneId.of("Europe/Paris")), "date"),
        "a and b start the same day in Paris");
    assertEquals(
        List.of("2026-02-23", "2026-03-02", "2026-03-09"),
        keys(report("week", ZoneOffset.UTC), "date"),
        "weeks from Monday");
    assertEquals(List.of("2026-03"), keys(report("month", ZoneOffset.UTC), "date"));
    assertEquals(3, days.total().sessions(), "a session with neither usage nor cost is left out");
    assertEquals(0, new BigDecimal("3.5").compareTo(days.total().costUsd()));
    assertEquals(3_500_000, days.total().totalTokens());

    UsageReport tags = report("tag", ZoneOffset.UTC);
    List<String> tagKeys = keys(tags, "tag");
    assertEquals(List.of("x", "y"), tagKeys.subList(0, 2), "by cost");
    assertNull(tagKeys.get(2), "untagged");
    assertEquals(2, tags.rows().get(0).sessions());
    assertEquals(0, new BigDecimal("3").compareTo(tags.rows().get(0).costUsd()));
    assertEquals(3, tags.total().sessions(), "the total counts a session once");

    UsageReport branches = report("branch", ZoneOffset.UTC);
    assertEquals(java.util.Arrays.asList("main", null), keys(branches, "branch"));
    UsageReport tickets = report("attr:ticket", ZoneOffset.UTC);
    assertEquals(java.util.Arrays.asList(null, "SEC-7"), keys(tickets, "value"));
    UsageReport sessions = report("session", ZoneOffset.UTC);
    assertEquals(List.of("b", "a", "c"), keys(sessions, "sessionId"));
    assertEquals(List.of("p", "p", "p"), keys(sessions, "project"));
    assertEquals(CostSource.ESTIMATED, sessions.rows().get(0).costSource());

    UsageReport filtered =
        store.usageReport(
            SearchQuery.in(Scope.allProjects()).tags("x").minTokens(1_500_000L).build(),
            UsageGrouping.SESSION,
            ZoneOffset.UTC);
    assertEquals(List.of("b"), keys(filtered, "sessionId"));
    assertThrows(InvalidInputException.class, () -> UsageGrouping.parse("weekly"));
    assertThrows(InvalidInputException.class, () -> UsageGrouping.parse("attr:"));
  }

  @Test
  void anApiMessageCopiedIntoAResumedOrForkedSessionCountsOnceInTheOldest() {
    Map<String, Object> day1 = Map.of("timestamp", "2026-03-01T10:00:00Z");
    Map<String, Object> day2 = Map.of("timestamp", "2026-03-02T09:00:00Z");
    // Imported together, a resumed transcript and its origin start at the same time (the copied
    // lines keep theirs): the origin is the one whose last activity came first, whatever the ids.
    clock.now = Instant.parse("2026-03-01T10:00:00Z");
    SessionKey origin = SessionKey.of("p", "origin");
    store.saveSession(
        origin,
        List.of(lines.line("m1", "r1", 100, 0, 0, day1), lines.line("m2", "r2", 200, 0, 0, day1)),
        SaveOptions.NONE);
    SessionKey resumed = SessionKey.of("p", "a-resumed");
    store.saveSession(
        resumed,
        List.of(
            lines.line("m1", "r1", 100, 0, 0, day1),
            lines.line("m2", "r2", 200, 0, 0, day1),
            lines.line("m3", "r3", 50, 0, 0, day2)),
        new SaveOptions(java.util.Set.of("resumed"), null, Map.of(), null));
    store.appendMessages(
        resumed.withSubpath("subagents/agent-a1"), List.of(lines.line("m4", "r4", 7, 0, 0, day2)));
    // Lines without a request id stay counted in each session, as ccusage counts them.
    clock.now = Instant.parse("2026-03-03T09:00:00Z");
    for (String id : List.of("gateway-1", "gateway-2")) {
      store.saveSession(
          SessionKey.of("p", id),
          List.of(
              lines.line(
                  "m-gateway", null, 1_000, 0, 0, Map.of("timestamp", "2026-03-03T09:00:00Z"))),
          SaveOptions.NONE);
    }

    assertEquals(357, store.getMetadata(resumed).orElseThrow().totalTokens(), "its own copy");
    UsageReport sessions = report("session", ZoneOffset.UTC);
    Map<String, Long> tokens = new java.util.HashMap<>();
    sessions.rows().forEach(r -> tokens.put(r.key().get("sessionId"), r.totalTokens()));
    assertEquals(
        Map.of("origin", 300L, "a-resumed", 57L, "gateway-1", 1_000L, "gateway-2", 1_000L), tokens);
    assertEquals(2_357, sessions.total().totalTokens());
    assertEquals(
        0,
        new BigDecimal("0.002357").compareTo(sessions.total().costUsd()),
        sessions.total().costUsd().toPlainString());

    UsageReport days = report("day", ZoneOffset.UTC);
    List<Long> perDay = new ArrayList<>();
    days.rows().forEach(r -> perDay.add(r.totalTokens()));
    assertEquals(List.of("2026-03-01", "2026-03-02", "2026-03-03"), keys(days, "date"));
    assertEquals(List.of(300L, 57L, 2_000L), perDay, "the copies on the day they happened, once");
    UsageReport byModel = report("model", ZoneOffset.UTC);
    assertEquals(2_357, byModel.total().totalTokens());
    assertEquals(2_357, byModel.rows().stream().mapToLong(UsageReport.Row::totalTokens).sum());

    // Reported alone, the resumed session counts all it holds.
    UsageReport alone =
        store.usageReport(
            SearchQuery.in(Scope.allProjects()).tags("resumed").build(),
            UsageGrouping.SESSION,
            ZoneOffset.UTC);
    assertEquals(357, alone.total().totalTokens());
  }

  @Test
  void byModelSplitsSessionsIntoTheirModels() {
    clock.now = Instant.parse("2026-03-01T00:00:00Z");
    store.appendMessages(
        SessionKey.of("p", "m"),
        List.of(
            lines.line("m1", "r1", 1000, 0, 0),
            lines.line("m2", "r2", 1000, 0, 0, Map.of("model", "claude-nonexistent-9")),
            Message.of("{\"type\":\"result\",\"total_cost_usd\":0.5}")));
    UsageReport r = report("model", ZoneOffset.UTC);
    assertEquals(
        java.util.Arrays.asList(null, "claude-haiku-4-5-20251001", "claude-nonexistent-9"),
        keys(r, "model"));
    // A result's reported cost covers the lines before it (a stream-json run): the unknown model's
    // usage is paid for.
    assertEquals(CostSource.REPORTED, r.total().costSource());
    assertEquals(0, new BigDecimal("0.5").compareTo(r.total().costUsd()));
  }

  @Test
  void reindexDerivesUsageOfHeadsStoredBeforeItAndIsResumable() {
    clock.now = Instant.parse("2026-03-01T00:00:00Z");
    SessionKey k = SessionKey.of("p", "old");
    SessionKey sub = k.withSubpath("subagents/agent-1");
    store.appendMessages(k, List.of(lines.line("msg_side1", "req_side1", 40, 70, 0)));
    store.appendMessages(
        sub,
        List.of(
            lines.line("msg_side1", "req_side1", 40, 70, 0, Map.of("sidechain", true)),
            lines.line("msg_side3", "req_side3", 700, 300, 0, Map.of("sidechain", true))));
    SessionMetadata derived = store.getMetadata(k).orElseThrow();
    // What an older sessionstore stored: no usage, its derivation without it.
    for (SessionKey key : List.of(sub, k)) {
      StoredHead h = backend.head(key).orElseThrow();
      SessionMetadata m = h.metadata();
      backend.commit(
          new Commit(
              Commit.Kind.METADATA,
              m.version(),
              List.of(),
              new StoredHead(
                  key,
                  m.withUsage(null)
                      .withCounts(m.messageCount(), BigDecimal.ZERO, m.turns())
                      .withVersion(m.version() + 1),
                  h.generation(),
                  "{\"ownCost\":0,\"runsCost\":0,\"resultTurns\":0,\"resultTurnsSeen\":false,"
                      + "\"assistantTurns\":1,\"lastAssistantId\":\"msg_side1\"}")));
    }
    SessionMetadata legacy = store.getMetadata(k).orElseThrow();
    assertEquals(CostSource.UNKNOWN, legacy.costSource());
    UsageReport before = report("session", ZoneOffset.UTC);
    assertEquals(CostSource.UNKNOWN, before.total().costSource());
    clock.now = Instant.parse("2026-04-01T00:00:00Z");
    assertEquals(1, store.reindexUsage(Scope.allProjects(), false, ProgressListener.NONE));
    SessionMetadata after = store.getMetadata(k).orElseThrow();
    assertEquals(derived.usage(), after.usage());
    assertEquals(0, derived.totalCostUsd().compareTo(after.totalCostUsd()));
    assertEquals(
        legacy.updatedAt(), after.updatedAt(), "a re-derivation is no change of the session");
    assertEquals(
        700,
        store.getMetadata(sub).orElseThrow().usage().inputTokens(),
        "the copy is known exactly");
    assertEquals(0, store.reindexUsage(Scope.allProjects(), false, ProgressListener.NONE), "done");
    assertEquals(1, store.reindexUsage(Scope.allProjects(), true, ProgressListener.NONE));
    assertEquals(derived.usage(), store.getMetadata(k).orElseThrow().usage());
  }
}
