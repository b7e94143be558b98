package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionstore.cli.CliRun.Result;
import io.sessionstore.tck.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage and cost on the command line, on the real transcripts of the fixtures. */
class UsageCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COSTLIEST = "5bd47723-950c-4c20-917e-77acb15dc4ea";

  @TempDir Path tmp;

  private Result run(String... args) {
    return new CliRun(tmp.resolve("store")).run(args);
  }

  @BeforeEach
  void importFixtures() {
    Path projects = Fixtures.writeClaudeProjects(tmp.resolve("projects"));
    assertEquals(0, run("import-claude", projects.toString()).code());
  }

  @Test
  void usageBySessionGivesTheContractsRows() throws IOException {
    Result r = run("usage", "--by", "session", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode rows = JSON.readTree(r.out());
    assertEquals(5, rows.size());
    JsonNode first = rows.get(0);
    List<String> keys = new ArrayList<>();
    first.fieldNames().forEachRemaining(keys::add);
    assertEquals(
        List.of(
            "project",
            "sessionId",
            "inputTokens",
            "outputTokens",
            "cacheCreationTokens",
            "cacheReadTokens",
            "totalTokens",
            "costUsd",
            "costSource",
            "sessions"),
        keys);
    assertEquals(COSTLIEST, first.get("sessionId").asText());
    assertEquals(36183, first.get("totalTokens").asLong());
    assertEquals(0.0331771, first.get("costUsd").asDouble(), 1e-12);
    assertEquals("estimated", first.get("costSource").asText());

    Result table = run("usage", "--by", "model");
    assertEquals(0, table.code(), table.err());
    assertTrue(table.out().startsWith("MODEL"), table.out());
    assertTrue(table.out().contains("claude-haiku-4-5-20251001"), table.out());
    assertTrue(table.lines().get(table.lines().size() - 1).startsWith("TOTAL"), table.out());

    Result csv = run("usage", "--by", "day", "--timezone", "UTC", "--csv");
    assertEquals(0, csv.code(), csv.err());
    assertEquals(
        "date,inputTokens,outputTokens,cacheCreationTokens,cacheReadTokens,totalTokens,costUsd,"
            + "costSource,sessions",
        csv.lines().get(0));
    assertTrue(csv.lines().get(1).startsWith("2026-02-0"), csv.out());

    assertEquals(2, run("usage", "--by", "weekly").code());
    assertEquals(2, run("usage", "--timezone", "Mars/Olympus").code());
    assertEquals(2, run("usage", "--json", "--csv").code());
  }

  @Test
  void infoListAndSearchShowUsage() throws IOException {
    Result info = run("info", COSTLIEST);
    assertEquals(0, info.code(), info.err());
    assertTrue(info.out().contains("costSource: estimated\n"), info.out());
    assertTrue(
        info.out()
            .contains(
                "usage: 36183 tokens (input 20, output 10, cache writes 15522, cache reads 20631)"),
        info.out());
    JsonNode json = JSON.readTree(run("info", COSTLIEST, "--json").out());
    assertEquals(10, json.get("usage").get("outputTokens").asLong());
    assertEquals("estimated", json.get("costSource").asText());

    Result list = run("list", "--all-projects");
    assertTrue(list.out().startsWith("UPDATED"), list.out());
    assertTrue(list.lines().get(0).contains("TOKENS"), list.out());
    assertTrue(list.out().contains("36183"), list.out());

    Result byCost = run("search", "--all-projects", "--min-cost", "0.03", "--json");
    assertEquals(1, JSON.readTree(byCost.out()).size(), byCost.out());
    Result byTokens = run("search", "--all-projects", "--min-tokens", "50000", "--json");
    assertEquals(2, JSON.readTree(byTokens.out()).size(), byTokens.out());
    Result few = run("search", "--all-projects", "--max-tokens", "20000", "--min-tokens", "1");
    assertEquals(3, few.lines().size(), few.out());
  }

  @Test
  void pricingShowsTheTableInUse() throws IOException {
    Result r = run("pricing");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("date: 2026-09-22"), r.out());
    assertTrue(r.out().contains("entries: 132"), r.out());
    Result one = run("pricing", "--model", "claude-sonnet-4-5-20991231");
    assertTrue(one.out().contains("is priced as: claude-sonnet-4-5\n"), one.out());
    assertTrue(
        one.lines()
            .get(one.lines().size() - 1)
            .matches("claude-sonnet-4-5\\s+3\\s+15\\s+3.75\\s+6\\s+0.3\\s+6/22.5/7.5/12/0.6\\s+x1"),
        one.out());
    assertEquals(1, run("pricing", "--model", "claude-nonexistent-9").code());

    Path file = tmp.resolve("prices.json");
    Files.writeString(
        file,
        "{\"claude-nonexistent-9\":{\"input_cost_per_token\":1e-06,\"output_cost_per_token\":1e-06}}",
        StandardCharsets.UTF_8);
    Result own =
        run(
            "-D",
            "sessionstore.pricing.file=" + file,
            "pricing",
            "--model",
            "claude-nonexistent-9");
    assertEquals(0, own.code(), own.err());
    assertTrue(own.out().contains("entries: 133"), own.out());
    Result missing = run("-D", "sessionstore.pricing.file=" + tmp.resolve("none.json"), "list");
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("sessionstore.pricing.file"), missing.err());
  }

  @Test
  void reindexIsResumable() {
    Result r = run("reindex");
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out().startsWith("reindexed 0 sessions\nindexed "),
        "every session has its usage: " + r.out());
    Result all = run("reindex", "--all");
    assertEquals(0, all.code(), all.err());
    assertTrue(
        all.out()
            .matches("reindexed \\d+ sessions\\nindexed \\d+ sessions for full-text search\\n"),
        all.out());
  }

  @Test
  void usageByDaySplitsASessionThatRanPastMidnight() throws IOException {
    // The costliest real transcript, its first API message just before midnight, its second after.
    String path =
        Fixtures.jsonLinesFiles().stream()
            .filter(f -> f.startsWith("claude-projects/") && f.endsWith(COSTLIEST + ".jsonl"))
            .findFirst()
            .orElseThrow();
    List<String> lines = new ArrayList<>();
    int n = 0;
    for (String line : Fixtures.lines(path)) {
      n++;
      lines.add(
          line.replaceAll(
              "\"timestamp\":\"2026-02-02T05:25:(\\d\\d)",
              n <= 4
                  ? "\"timestamp\":\"2026-02-01T23:59:$1"
                  : "\"timestamp\":\"2026-02-02T00:00:$1"));
    }
    Path file = tmp.resolve("late").resolve("-home-me-app").resolve(COSTLIEST + ".jsonl");
    Files.createDirectories(file.getParent());
    Files.write(file, lines, StandardCharsets.UTF_8);
    CliRun late = new CliRun(tmp.resolve("late-store"));
    assertEquals(0, late.run("import-claude", tmp.resolve("late").toString()).code());

    Result r = late.run("usage", "--by", "day", "--timezone", "UTC", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode rows = JSON.readTree(r.out());
    assertEquals(2, rows.size(), r.out());
    assertEquals("2026-02-01", rows.get(0).get("date").asText());
    assertEquals(10 + 5 + 7749 + 10351, rows.get(0).get("totalTokens").asLong());
    assertEquals("2026-02-02", rows.get(1).get("date").asText());
    assertEquals(10 + 5 + 7773 + 10280, rows.get(1).get("totalTokens").asLong());
    double cost = 0;
    for (JsonNode row : rows) {
      assertEquals(1, row.get("sessions").asLong());
      assertEquals("estimated", row.get("costSource").asText());
      cost += row.get("costUsd").asDouble();
    }
    assertEquals(0.0331771, cost, 1e-12, "the days add up to the session");
    // An hour ahead of UTC, all of it is on the second.
    JsonNode paris =
        JSON.readTree(late.run("usage", "--by", "day", "--timezone", "+01:00", "--json").out());
    assertEquals(1, paris.size());
    assertEquals("2026-02-02", paris.get(0).get("date").asText());
  }
}
