package io.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.internal.MemoryBackend;
import io.sessionstore.spi.HeadCodec;
import io.sessionstore.spi.Json;
import io.sessionstore.spi.StoredHead;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Usage and cost as ccusage 20.0.24 counts them, on edge cases built from one real assistant line
 * of Claude Code 2.1.29 (the fixtures' {@code f3ba0bdb…} transcript): the figures are those ccusage
 * printed for the same lines (the acceptance check's cases), so this holds on every backend the
 * core runs on; the conformance kit does not repeat it.
 */
class UsageAccountingTest {
  /** A real line: haiku 4.5, 10 in, 8 out, 7756 one-hour cache writes, 10351 cache reads. */
  static final String REAL =
      "{\"parentUuid\":\"38de8ad0-4252-46b7-8ae6-9c8b1ca0033c\",\"isSidechain\":false,"
          + "\"userType\":\"external\",\"cwd\":\"/tmp/workspace\","
          + "\"sessionId\":\"f3ba0bdb-562d-4ca3-9069-3e5122f4ccc9\",\"version\":\"2.1.29\","
          + "\"gitBranch\":\"\",\"message\":{\"model\":\"claude-haiku-4-5-20251001\","
          + "\"id\":\"msg_01RstS2zhdgF5MtVkm4hb1Yp\",\"type\":\"message\",\"role\":\"assistant\","
          + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"The user is asking me to use the Bash"
          + " tool to run a specific command: `touch /tmp/test_file.txt`.\",\"signature\":\"EpcD\"}],"
          + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,"
          + "\"cache_creation_input_tokens\":7756,\"cache_read_input_tokens\":10351,"
          + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":7756},"
          + "\"output_tokens\":8,\"service_tier\":\"standard\"}},"
          + "\"requestId\":\"req_011CXghLe6sMZYJTqCJCvVAJ\",\"type\":\"assistant\","
          + "\"uuid\":\"0b281a80-b0f8-4e61-a1e2-3967bfc9cc31\",\"timestamp\":\"2026-02-01T04:11:54.891Z\"}";

  static final String HAIKU = "claude-haiku-4-5-20251001";
  static final String SONNET = "claude-sonnet-4-5-20250929";

  private final SessionStore store =
      SessionStore.builder()
          .backend(new MemoryBackend())
          .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
          .clock(Clock.fixed(Instant.parse("2026-03-01T00:00:00Z"), ZoneOffset.UTC))
          .build();

  private int uuids;

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** The real line as one API message's line: its ids, tokens, model and flags changed. */
  Message line(
      String id, String requestId, long in, long out, long read, Map<String, Object> more) {
    ObjectNode o = (ObjectNode) Json.parseObject(REAL, "template");
    o.put("uuid", "u-" + ++uuids);
    ObjectNode message = (ObjectNode) o.get("message");
    message.put("id", id);
    if (requestId == null) {
      o.remove("requestId");
    } else {
      o.put("requestId", requestId);
    }
    ObjectNode usage = message.putObject("usage");
    usage.put("input_tokens", in);
    usage.put("output_tokens", out);
    usage.put("cache_creation_input_tokens", 0);
    usage.put("cache_read_input_tokens", read);
    more.forEach(
        (k, v) -> {
          switch (k) {
            case "model" -> message.put("model", (String) v);
            case "sidechain" -> o.put("isSidechain", (Boolean) v);
            case "costUSD" -> o.put("costUSD", new BigDecimal(v.toString()));
            case "5m", "1h" -> {
              ObjectNode cc =
                  usage.has("cache_creation")
                      ? (ObjectNode) usage.get("cache_creation")
                      : usage.putObject("cache_creation");
              cc.put(
                  k.equals("5m") ? "ephemeral_5m_input_tokens" : "ephemeral_1h_input_tokens",
                  (Long) v);
              usage.put(
                  "cache_creation_input_tokens",
                  cc.path("ephemeral_5m_input_tokens").asLong()
                      + cc.path("ephemeral_1h_input_tokens").asLong());
            }
            case "flat" -> usage.put("cache_creation_input_tokens", (Long) v);
            case "speed" -> usage.put("speed", (String) v);
            case "timestamp" -> {
              if (v.equals("")) {
                o.remove("timestamp");
              } else {
                o.put("timestamp", (String) v);
              }
            }
            case "text" -> ((ObjectNode) message.get("content").get(0)).put("thinking", (String) v);
            default -> throw new IllegalArgumentException(k);
          }
        });
    return Message.of(o.toString());
  }

  Message line(String id, String requestId, long in, long out, long read) {
    return line(id, requestId, in, out, read, Map.of());
  }

  private static SessionKey key(String id) {
    return SessionKey.of("usage", id);
  }

  private static void assertCost(String expected, SessionMetadata m) {
    assertEquals(
        0,
        new BigDecimal(expected).compareTo(m.totalCostUsd()),
        "cost " + m.totalCostUsd().toPlainString() + ", expected " + expected);
  }

  private static void assertTokens(SessionMetadata m, long in, long out, long write, long read) {
    Usage u = m.usage();
    assertEquals(
        List.of(in, out, write, read),
        List.of(u.inputTokens(), u.outputTokens(), u.cacheCreationTokens(), u.cacheReadTokens()));
  }

  @Test
  void aRealLineIsPricedFromTheTable() {
    SessionMetadata m = store.appendMessages(key("real"), List.of(Message.of(REAL))).metadata();
    assertTokens(m, 10, 8, 7756, 10351);
    // 10 x 1 + 8 x 5 + 7756 x 2 (one-hour writes) + 10351 x 0.1, per million
    assertCost("0.0165971", m);
    assertEquals(CostSource.ESTIMATED, m.costSource());
    Usage.ModelUsage row = m.usage().models().get(0);
    assertEquals(HAIKU, row.model());
    assertCost("0.0165971", m);
    assertEquals(0, new BigDecimal("0.0165971").compareTo(row.costUsd()));
  }

  @Test
  void aParsedLineIsCountedFromItsTextWhateverItsReaderDidToTheTree() {
    Message.Parsed<String> parsed =
        Message.parse(
            REAL,
            tree -> {
              String model = tree.path("message").path("model").asText();
              tree.removeAll();
              return model;
            });
    assertEquals(HAIKU, parsed.read());
    assertEquals(REAL, parsed.message().json());
    SessionMetadata m = store.appendMessages(key("parsed"), List.of(parsed.message())).metadata();
    assertTokens(m, 10, 8, 7756, 10351);
    assertCost("0.0165971", m);
    assertEquals(
        List.of(REAL),
        store.loadSession(key("parsed")).orElseThrow().messages().stream()
            .map(Message::json)
            .toList());
  }

  @Test
  void aStreamedReplyCountsOnceWithItsMostTokens() {
    List<Message> lines = new ArrayList<>();
    for (long out : new long[] {4, 4, 120}) {
      lines.add(line("msg_split1", "req_split1", 12, out, 900));
    }
    lines.add(line("msg_split2", "req_split2", 30, 55, 0));
    SessionMetadata m = store.appendMessages(key("split"), lines).metadata();
    assertTokens(m, 42, 175, 0, 900);
    assertCost("0.001007", m);
    // The same lines appended one at a time: the head keeps what it needs, nothing is re-read.
    for (Message l : lines) {
      m = store.appendMessages(key("split-one-by-one"), List.of(l)).metadata();
    }
    assertTokens(m, 42, 175, 0, 900);
    assertCost("0.001007", m);
  }

  @Test
  void aLaterLineWithFewerTokensDoesNotReplaceTheCountedOne() {
    SessionMetadata m =
        store
            .appendMessages(
                key("fewer"), List.of(line("m1", "r1", 1, 900, 0), line("m1", "r1", 1000, 1, 0)))
            .metadata();
    assertTokens(m, 1000, 1, 0, 0);
    m =
        store
            .appendMessages(
                key("tie"),
                List.of(
                    line("m1", "r1", 5, 5, 0, Map.of("costUSD", "0.1")),
                    line("m1", "r1", 5, 5, 0, Map.of("costUSD", "0.3"))))
            .metadata();
    assertCost("0.1", m);
  }

  @Test
  void theSameIdWithAnotherRequestCountsTwiceAndLinesWithoutIdsAlways() {
    SessionMetadata m =
        store
            .appendMessages(
                key("ids"),
                List.of(
                    line("m1", "r1", 10, 0, 0),
                    line("m1", "r2", 10, 0, 0),
                    line("m2", null, 10, 0, 0),
                    line("m2", null, 10, 0, 0)))
            .metadata();
    assertEquals(30, m.usage().inputTokens());
  }

  @Test
  void aSidechainCopyOfAMainMessageCountsOnce() {
    SessionKey main = key("sidechain");
    SessionKey sub = main.withSubpath("subagents/agent-a1b2c3");
    List<Message> mainLines =
        List.of(line("msg_side1", "req_side1", 40, 70, 0), line("msg_side2", "req_side2", 5, 9, 0));
    List<Message> subLines =
        List.of(
            line("msg_side1", "req_side1", 40, 70, 0, Map.of("sidechain", true)),
            line("msg_side3", "req_side3", 700, 300, 0, Map.of("sidechain", true)));
    // Live: Claude Code writes the main transcript's line before a subagent copies it.
    store.appendMessages(main, mainLines);
    store.appendMessages(sub, subLines);
    SessionMetadata m = store.getMetadata(main).orElseThrow();
    assertTokens(m, 745, 379, 0, 0);
    assertCost("0.00264", m);
    assertEquals(
        700,
        store.getMetadata(sub).orElseThrow().usage().inputTokens(),
        "the sub-transcript's own usage");
    // Imported, whatever the order of the files: the same.
    SessionKey imported = key("sidechain-imported");
    ImportResult r =
        store.importSession(
            SessionMetadata.of(imported, Instant.parse("2026-03-01T10:00:00Z")),
            mainLines,
            Map.of("subagents/agent-a1b2c3", subLines),
            ImportOptions.DEFAULTS);
    assertEquals(1, r.created());
    m = store.getMetadata(imported).orElseThrow();
    assertTokens(m, 745, 379, 0, 0);
    assertCost("0.00264", m);
  }

  @Test
  void aSidechainReplayWithANewRequestIdDoesNotCount() {
    SessionMetadata m =
        store
            .appendMessages(
                key("btw"),
                List.of(
                    line("m1", "r1", 10, 10, 0),
                    line("m2", "r2", 1, 1, 0),
                    line("m1", "r9", 10, 10, 0, Map.of("sidechain", true))))
            .metadata();
    assertTokens(m, 11, 11, 0, 0);
  }

  @Test
  void oneHourCacheWritesCostTwiceTheInputRate() {
    SessionMetadata m =
        store
            .appendMessages(
                key("cache1h"),
                List.of(
                    line(
                        "msg_c1",
                        "req_c1",
                        3,
                        10,
                        0,
                        Map.of("model", SONNET, "5m", 1000L, "1h", 4000L))))
            .metadata();
    assertTokens(m, 3, 10, 5000, 0);
    assertCost("0.027909", m);
    // Without the breakdown every cache write is a 5-minute one; with it, the flat figure is
    // ignored.
    SessionMetadata flat =
        store
            .appendMessages(
                key("flat"),
                List.of(line("m", "r", 0, 0, 0, Map.of("model", SONNET, "flat", 100_000L))))
            .metadata();
    assertCost("0.375", flat);
  }

  @Test
  void reportedCostsReplaceTheEstimateOfTheirLinesOnly() {
    SessionMetadata m =
        store
            .appendMessages(
                key("reported"),
                List.of(
                    line("msg_r1", "req_r1", 100, 100, 0, Map.of("costUSD", "0.0123")),
                    line("msg_r2", "req_r2", 100, 100, 0, Map.of("costUSD", "0.0077"))))
            .metadata();
    assertTokens(m, 200, 200, 0, 0);
    assertCost("0.02", m);
    assertEquals(CostSource.REPORTED, m.costSource());
    m =
        store
            .appendMessages(key("reported"), List.of(line("msg_r3", "req_r3", 100, 0, 0)))
            .metadata();
    assertCost("0.0201", m);
    assertEquals(CostSource.MIXED, m.costSource());
  }

  @Test
  void anUnknownModelCountsItsTokensButLeavesTheCostIncomplete() {
    SessionMetadata m =
        store
            .appendMessages(
                key("unknown"),
                List.of(
                    line("msg_u1", "req_u1", 100, 100, 0, Map.of("model", "claude-nonexistent-9")),
                    line("msg_u2", "req_u2", 1000, 0, 0)))
            .metadata();
    assertTokens(m, 1100, 100, 0, 0);
    assertEquals(CostSource.INCOMPLETE, m.costSource());
    assertCost("0.001", m);
    Usage.ModelUsage unknown =
        m.usage().models().stream()
            .filter(r -> r.model().equals("claude-nonexistent-9"))
            .findFirst()
            .orElseThrow();
    assertEquals(CostSource.INCOMPLETE, unknown.costSource());
    assertEquals(0, BigDecimal.ZERO.compareTo(unknown.costUsd()));
  }

  @Test
  void syntheticAndFastLines() {
    SessionMetadata m =
        store
            .appendMessages(
                key("synthetic"),
                List.of(line("s1", "r1", 0, 0, 0, Map.of("model", "<synthetic>"))))
            .metadata();
    assertEquals(CostSource.NONE, m.costSource());
    assertEquals(List.of(), m.usage().models());
    m =
        store
            .appendMessages(
                key("fast"),
                List.of(
                    line(
                        "f1",
                        "r1",
                        1_000_000,
                        0,
                        0,
                        Map.of("model", "claude-opus-4-6", "speed", "fast"))))
            .metadata();
    assertEquals("claude-opus-4-6-fast", m.usage().models().get(0).model());
    assertCost("30", m);
  }

  @Test
  void nonAsciiTextCountsLikeAnyOther() {
    SessionMetadata m =
        store
            .appendMessages(
                key("unicode-é-日本"),
                List.of(line("m1", "r1", 10, 20, 0, Map.of("text", "Grüße, 日本語 and emoji 🎉"))))
            .metadata();
    assertTokens(m, 10, 20, 0, 0);
    assertCost("0.00011", m);
  }

  @Test
  void aStreamJsonResultSettlesItsRun() {
    String assistant =
        "{\"type\":\"assistant\",\"message\":{\"model\":\"claude-opus-4-5-20251101\",\"id\":\"msg_A\","
            + "\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":3556,"
            + "\"cache_read_input_tokens\":17254,\"cache_creation\":{\"ephemeral_5m_input_tokens\":3556,"
            + "\"ephemeral_1h_input_tokens\":0},\"output_tokens\":4}},\"session_id\":\"s\"}";
    SessionKey k = key("stream");
    SessionMetadata m =
        store.appendMessages(k, List.of(Message.of(assistant), Message.of(assistant))).metadata();
    assertTokens(m, 10, 4, 3556, 17254);
    assertEquals(CostSource.ESTIMATED, m.costSource());
    // The result reports the run's usage per model and its cost: they replace the estimate.
    String result =
        "{\"type\":\"result\",\"num_turns\":1,\"total_cost_usd\":0.05,\"usage\":{\"input_tokens\":10,"
            + "\"output_tokens\":20},\"modelUsage\":{\"claude-opus-4-5-20251101\":{\"inputTokens\":10,"
            + "\"outputTokens\":20,\"cacheReadInputTokens\":17254,\"cacheCreationInputTokens\":3556,"
            + "\"costUSD\":0.045},\"claude-haiku-4-5-20251001\":{\"inputTokens\":300,\"outputTokens\":7,"
            + "\"cacheReadInputTokens\":0,\"cacheCreationInputTokens\":0,\"costUSD\":0.005}}}";
    m = store.appendMessages(k, List.of(Message.of(result))).metadata();
    assertTokens(m, 310, 27, 3556, 17254);
    assertCost("0.05", m);
    assertEquals(CostSource.REPORTED, m.costSource());
    assertEquals(2, m.usage().models().size());
    // A result with usage but no modelUsage (the fixtures' error result) and its total cost.
    SessionKey e = key("stream-error");
    store.appendMessages(e, List.of(Message.of(assistant)));
    m =
        store
            .appendMessages(
                e,
                List.of(
                    Message.of(
                        "{\"type\":\"result\",\"subtype\":\"error_during_execution\",\"total_cost_usd\":0.005,"
                            + "\"usage\":{\"input_tokens\":50,\"output_tokens\":10},\"modelUsage\":{}}")))
            .metadata();
    assertTokens(m, 50, 10, 0, 0);
    assertCost("0.005", m);
    assertEquals("claude-opus-4-5-20251101", m.usage().models().get(0).model());
    // A result with a cost alone counts it, as before usage accounting.
    m =
        store
            .appendMessages(
                key("cost-only"),
                List.of(Message.of("{\"type\":\"result\",\"total_cost_usd\":0.25}")))
            .metadata();
    assertCost("0.25", m);
    assertEquals(CostSource.REPORTED, m.costSource());
  }

  @Test
  void subTranscriptsCountInTheSessionUntilDeleted() {
    SessionKey main = key("subs");
    store.appendMessages(main, List.of(line("m1", "r1", 100, 0, 0)));
    SessionKey agent = main.withSubpath("subagents/agent-1");
    SessionKey run = main.withSubpath("runs/1");
    store.appendMessages(agent, List.of(line("a1", "ra", 0, 100, 0, Map.of("sidechain", true))));
    store.appendMessages(run, List.of(Message.of("{\"type\":\"result\",\"total_cost_usd\":1.5}")));
    SessionMetadata m = store.getMetadata(main).orElseThrow();
    assertTokens(m, 100, 100, 0, 0);
    assertCost("1.5006", m);
    assertEquals(CostSource.MIXED, m.costSource());
    store.deleteSession(agent);
    m = store.getMetadata(main).orElseThrow();
    assertTokens(m, 100, 0, 0, 0);
    assertCost("1.5001", m);
  }

  @Test
  void theHeadStaysSmallHoweverLongTheSession() {
    SessionKey k = key("long");
    for (int batch = 0; batch < 20; batch++) {
      List<Message> lines = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String id = "msg_" + batch + "_" + i;
        lines.add(line(id, "req_" + id, 10, 10, 100));
        lines.add(line(id, "req_" + id, 10, 12, 100));
      }
      store.appendMessages(k, lines);
    }
    SessionMetadata m = store.getMetadata(k).orElseThrow();
    assertTokens(m, 10_000, 12_000, 0, 100_000);
    MemoryBackend backend = new MemoryBackend();
    try (SessionStore other = SessionStore.builder().backend(backend).build()) {
      List<Message> all = store.loadSession(k).orElseThrow().messages();
      other.appendMessages(k, all);
      StoredHead head = backend.head(k).orElseThrow();
      assertTrue(head.derivation().length() < 1200, head.derivation());
      assertEquals(head, HeadCodec.decode(HeadCodec.encode(head)));
      assertEquals(m.usage(), head.metadata().usage());
    }
  }

  @Test
  void aHeadStoredBeforeUsageAccountingHasNoUsageUntilReindexed() {
    SessionMetadata legacy =
        io.sessionstore.spi.MetadataJson.read(
            Json.parseObject(
                "{\"project\":\"p\",\"sessionId\":\"s\",\"createdAt\":\"2026-01-01T00:00:00Z\","
                    + "\"updatedAt\":\"2026-01-01T00:00:00Z\",\"messageCount\":1,\"totalCostUsd\":0.5,"
                    + "\"turns\":1,\"tags\":[],\"summary\":null,\"attributes\":{},\"subpaths\":[],"
                    + "\"version\":1}",
                "m"));
    assertNull(legacy.usage());
    assertEquals(CostSource.UNKNOWN, legacy.costSource());
    assertTrue(
        legacy.toJson().contains("\"usage\":null,\"costSource\":\"unknown\""), legacy.toJson());
  }
}
