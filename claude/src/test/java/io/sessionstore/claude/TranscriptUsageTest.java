package io.sessionstore.claude;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.CostSource;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.api.Usage;
import io.sessionstore.api.UsageGrouping;
import io.sessionstore.api.UsageReport;
import io.sessionstore.tck.Fixtures;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Usage of the real Claude Code transcripts of the fixtures, imported as {@code import-claude}
 * does: the figures are what ccusage 20.0.24 ({@code ccusage session --offline --json}) reports for
 * the same folder.
 */
class TranscriptUsageTest {
  @TempDir Path tmp;
  SessionStore store;
  Path projects;

  @BeforeEach
  void open() {
    store =
        SessionStore.builder()
            .config(
                SessionStoreConfig.of(
                    Map.of("sessionstore.file.dir", tmp.resolve("store").toString())))
            .build();
    projects = Fixtures.writeClaudeProjects(tmp.resolve("projects"));
    new ClaudeCode(store, List.of("claude"), tmp.resolve("claude-config"))
        .importTranscripts(projects, ProgressListener.NONE);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private SessionMetadata session(String idPrefix) {
    List<SessionMetadata> found =
        store.search(SearchQuery.in(Scope.allProjects()).limit(1000).build()).items().stream()
            .filter(m -> m.sessionId().startsWith(idPrefix))
            .toList();
    assertEquals(1, found.size(), idPrefix);
    return found.get(0);
  }

  @ParameterizedTest
  @CsvSource({
    "5bd47723, 20, 10, 15522, 20631, 0.0331771",
    "d266fdf5, 33, 11, 10751, 43700, 0.02596",
    "c2fc3a3f, 46, 18, 6400, 67009, 0.0196369",
    "f3ba0bdb, 10, 8, 7756, 10351, 0.0165971",
    "ed3d3a23, 10, 3, 2732, 15364, 0.0070254"
  })
  void tokensAndCostAreCcusages(
      String id, long in, long out, long cacheWrites, long cacheReads, BigDecimal cost) {
    SessionMetadata m = session(id);
    Usage u = m.usage();
    assertEquals(
        List.of(in, out, cacheWrites, cacheReads),
        List.of(u.inputTokens(), u.outputTokens(), u.cacheCreationTokens(), u.cacheReadTokens()));
    assertEquals(0, cost.compareTo(m.totalCostUsd()), m.totalCostUsd().toPlainString());
    assertEquals(CostSource.ESTIMATED, m.costSource());
    assertEquals(
        List.of("claude-haiku-4-5-20251001"),
        u.models().stream().map(Usage.ModelUsage::model).toList());
  }

  @Test
  void syntheticOnlySessionsHaveNeitherUsageNorCost() {
    for (String id : List.of("305d01e1", "f0eff14a", "d108d7b3")) {
      SessionMetadata m = session(id);
      assertEquals(CostSource.NONE, m.costSource(), id);
      assertEquals(0, m.usage().totalTokens());
    }
  }

  @Test
  void aReportBySessionHasTheSameFiguresAndATotal() {
    UsageReport r =
        store.usageReport(
            SearchQuery.in(Scope.allProjects()).build(), UsageGrouping.SESSION, ZoneOffset.UTC);
    assertEquals(5, r.rows().size(), "the sessions with usage");
    assertEquals("5bd47723-950c-4c20-917e-77acb15dc4ea", r.rows().get(0).key().get("sessionId"));
    assertEquals(
        0,
        new BigDecimal("0.1023965")
            .compareTo(
                r.rows().stream()
                    .map(UsageReport.Row::costUsd)
                    .reduce(BigDecimal.ZERO, BigDecimal::add)));
    assertEquals(0, new BigDecimal("0.1023965").compareTo(r.total().costUsd()));
    assertEquals(5, r.total().sessions());
    UsageReport byModel =
        store.usageReport(
            SearchQuery.in(Scope.allProjects()).build(),
            UsageGrouping.parse("model"),
            ZoneOffset.UTC);
    assertEquals(
        List.of("claude-haiku-4-5-20251001"),
        byModel.rows().stream().map(row -> row.key().get("model")).collect(Collectors.toList()));
    assertEquals(r.total().totalTokens(), byModel.rows().get(0).totalTokens());
  }

  @Test
  void aLastLineStillBeingWrittenCountsOnceItIsWhole() throws IOException {
    Path file;
    try (var walk = Files.walk(projects)) {
      file =
          walk.filter(
                  p ->
                      p.getFileName()
                          .toString()
                          .equals("f3ba0bdb-562d-4ca3-9069-3e5122f4ccc9.jsonl"))
              .findFirst()
              .orElseThrow();
    }
    String line =
        Files.readAllLines(file, StandardCharsets.UTF_8)
            .get(2)
            .replace("msg_01RstS2zhdgF5MtVkm4hb1Yp", "msg_next")
            .replace("req_011CXghLe6sMZYJTqCJCvVAJ", "req_next")
            .replace(
                "0b281a80-b0f8-4e61-a1e2-3967bfc9cc31", "0b281a80-0000-0000-0000-000000000000");
    ClaudeCode claude = new ClaudeCode(store, List.of("claude"), tmp.resolve("claude-config"));
    Files.writeString(file, line.substring(0, line.length() / 2), StandardOpenOption.APPEND);
    claude.importTranscripts(projects, ProgressListener.NONE);
    assertEquals(18125, session("f3ba0bdb").usage().totalTokens(), "the half line waits");
    Files.writeString(file, line.substring(line.length() / 2) + "\n", StandardOpenOption.APPEND);
    claude.importTranscripts(projects, ProgressListener.NONE);
    SessionMetadata m = session("f3ba0bdb");
    assertEquals(2 * 18125, m.usage().totalTokens());
    assertEquals(0, new BigDecimal("0.0331942").compareTo(m.totalCostUsd()));
    assertTrue(m.usage().models().size() == 1);
  }
}
