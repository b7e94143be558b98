package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.cli.CliRun.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI that fits a Claude Code user: read commands span every project, bulk removals do not (and
 * say where sessions are), ids by a unique prefix, last activity apart from tagging, tables that
 * fit the terminal and show projects as working directories.
 */
class CliFitTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Result input(String stdin, String... args) {
    return new CliRun(tmp.resolve("store")).input(stdin, args);
  }

  private Result run(String... args) {
    return input("", args);
  }

  private static String line(String uuid, String timestamp) {
    return "{\"type\":\"user\",\"uuid\":\""
        + uuid
        + "\""
        + (timestamp == null ? "" : ",\"timestamp\":\"" + timestamp + "\"")
        + ",\"message\":{\"role\":\"user\",\"content\":\"hi\"}}\n";
  }

  private void save(String project, String id, String timestamp) {
    Result r = input(line(id + "-1", timestamp), "--project", project, "save", id);
    assertEquals(0, r.code(), r.err());
  }

  private List<String> ids(Result r) throws IOException {
    assertEquals(0, r.code(), r.err());
    List<String> out = new ArrayList<>();
    JSON.readTree(r.out())
        .forEach(n -> out.add(n.get("project").asText() + "/" + n.get("sessionId").asText()));
    return out.stream().sorted().toList();
  }

  @Test
  void readCommandsSpanEveryProjectUnlessOneIsChosen() throws IOException {
    save("-home-me-app", "s1", null);
    save("-home-me-lib", "s2", null);
    List<String> both = List.of("-home-me-app/s1", "-home-me-lib/s2");
    assertEquals(both, ids(run("list", "--json")));
    assertEquals(both, ids(run("search", "--json")));
    assertEquals(
        List.of("-home-me-app/s1"), ids(run("--project", "-home-me-app", "list", "--json")));
    assertEquals(
        List.of("-home-me-lib/s2"),
        ids(run("-D", "sessionstore.project=-home-me-lib", "search", "--json")));
    assertEquals(both, ids(run("--project", "-home-me-app", "list", "--all-projects", "--json")));
    Result info = run("info", "s2");
    assertEquals(0, info.code(), info.err());
    assertTrue(info.out().contains("project: -home-me-lib"), info.out());
  }

  @Test
  void cleanupAndExportKeepToOneProjectAndSayWhereSessionsAre() throws IOException {
    save("-home-me-app", "old", "2020-01-01T00:00:00Z");
    Result dry = run("cleanup", "--older-than", "30d", "--dry-run");
    assertEquals(0, dry.code(), dry.err());
    assertEquals(List.of("would remove 0 sessions"), dry.lines());
    assertTrue(dry.err().contains("--all-projects"), dry.err());
    Result all = run("cleanup", "--older-than", "30d", "--dry-run", "--all-projects");
    assertEquals(
        List.of(
            "would remove -home-me-app/old (last active 2020-01-01T00:00:00Z)",
            "would remove 1 session"),
        all.lines());
    assertEquals("", all.err());

    Result export = run("export", "--out", tmp.resolve("a.jsonl").toString());
    assertEquals(0, export.code(), export.err());
    assertTrue(export.err().contains("exported 0 sessions"), export.err());
    assertTrue(export.err().contains("note: nothing in project 'default'"), export.err());
    Result nothing = run("export", "--tag", "none", "--out", tmp.resolve("b.jsonl").toString());
    assertFalse(nothing.err().contains("note:"), "nothing elsewhere either: " + nothing.err());
  }

  @Test
  void sessionsAreNamedByAUniquePrefixAndAWholeIdWins() throws IOException {
    save("p1", "5bd47723-950c-4c20", null);
    save("p2", "5bd4ffff-0000", null);
    save("p1", "9f00aa", null);
    save("p1", "9f00", null);

    Result one = run("info", "5bd477", "--json");
    assertEquals(0, one.code(), one.err());
    assertEquals("5bd47723-950c-4c20", JSON.readTree(one.out()).get("sessionId").asText());
    assertEquals(0, run("show", "5bd47").code());
    assertEquals(0, run("--project", "p1", "info", "5bd4").code(), "one in that project");

    Result ambiguous = run("info", "5bd4");
    assertEquals(2, ambiguous.code());
    assertTrue(
        ambiguous.err().contains("p1/5bd47723-950c-4c20")
            && ambiguous.err().contains("p2/5bd4ffff-0000")
            && ambiguous.err().contains("ambiguous"),
        ambiguous.err());
    assertEquals(1, ambiguous.err().lines().count(), "one line");

    assertEquals(
        "9f00", JSON.readTree(run("info", "9f00", "--json").out()).get("sessionId").asText());
    assertEquals(1, run("info", "5bd").code(), "three characters are no prefix");
    assertEquals(1, run("info", "7777").code());

    Result tagged = run("tag", "9f00a", "--add", "x");
    assertEquals(0, tagged.code(), tagged.err());
    assertEquals(
        "x", JSON.readTree(run("info", "9f00aa", "--json").out()).get("tags").get(0).asText());

    Result copied = run("info", "5bd47723-950…", "--json");
    assertEquals(0, copied.code(), "an id cut by a table: " + copied.err());

    // A write that may create a session never takes a prefix.
    Result append = input(line("n", null), "append", "5bd47723");
    assertEquals(0, append.code(), append.err());
    assertTrue(append.out().startsWith("appended default/5bd47723:"), append.out());
    Result deleted = run("delete", "9f00a");
    assertEquals(0, deleted.code(), deleted.err());
    assertEquals("deleted p1/9f00aa", deleted.out().strip());
  }

  @Test
  void taggingIsNotActivityForDateFiltersAndCleanupKeepsTaggedSessions() throws IOException {
    save("default", "feb", "2025-02-01T09:00:00Z");
    save("default", "kept", "2025-02-01T09:00:00Z");
    assertEquals(0, run("tag", "feb", "--add", "reviewed").code());
    assertEquals(0, run("tag", "kept", "--add", "keep").code());

    JsonNode info = JSON.readTree(run("info", "feb", "--json").out());
    assertEquals("2025-02-01T09:00:00Z", info.get("lastActivityAt").asText());
    assertTrue(
        Instant.parse(info.get("updatedAt").asText())
            .isAfter(Instant.parse("2026-01-01T00:00:00Z")));
    assertTrue(run("info", "feb").out().contains("lastActivityAt: 2025-02-01T09:00:00Z"));

    assertEquals(List.of(), ids(run("search", "--after", "2025-03-01", "--json")));
    assertEquals(
        List.of("default/feb", "default/kept"),
        ids(run("search", "--before", "2025-03-01", "--json")));
    assertEquals(
        List.of("default/feb", "default/kept"),
        ids(run("search", "--updated-after", "2025-03-01", "--json")));

    Result done = run("cleanup", "--older-than", "30d", "--keep-tag", "keep");
    assertEquals(
        List.of("removed default/feb (last active 2025-02-01T09:00:00Z)", "removed 1 session"),
        done.lines());
    assertEquals(0, run("info", "kept").code());
  }

  @Test
  void tablesFitTheWidthAndShowProjectsAsWorkingDirectories() {
    String home =
        System.getenv("HOME") != null ? System.getenv("HOME") : System.getProperty("user.home");
    SessionMetadata m =
        SessionMetadata.of(
                SessionKey.of("-home-me-src-app", "5bd47723-950c-4c20-917e-77acb15dc4ea"),
                Instant.parse("2026-11-25T02:11:54.405Z"))
            .withAttributes(Map.of("cwd", home + "/src/app"))
            .withTags(List.of("review", "payments"))
            .withSummary("Fix the flaky payment test that fails on CI every other run, ".repeat(4));
    SessionMetadata plain =
        SessionMetadata.of(
            SessionKey.of("default", "quickstart-demo"), Instant.parse("2026-11-25T02:11:54Z"));

    List<String> wide = table(List.of(m, plain), 0);
    assertTrue(wide.get(1).contains(" ~/src/app "), wide.get(1));
    assertTrue(wide.get(1).contains("2026-11-25T02:11:54.405Z"), "piped: whole values");
    assertTrue(wide.get(1).endsWith("every other run,"), wide.get(1));
    assertTrue(wide.get(2).contains(" default "), wide.get(2));

    for (int width : List.of(150, 120, 100)) {
      List<String> fitted = table(List.of(m, plain), width);
      for (String l : fitted) {
        assertTrue(Terminal.width(l) <= width, width + ": " + l);
      }
      assertTrue(fitted.get(1).startsWith("2026-11-25T02:11Z  "), fitted.get(1));
      assertTrue(fitted.get(1).contains("…"), fitted.get(1));
    }
    List<String> narrow = table(List.of(m), 100);
    assertTrue(
        narrow.get(1).contains("5bd47723-950"), "at least 12 characters of the id: " + narrow);
    assertEquals("…cdef/src/app", Terminal.fit("/home/abcdef/src/app", 13, true));
    assertEquals("日本…", Terminal.fit("日本語のテキスト", 5, false));
  }

  @Test
  void theWidthIsColumnsElseTheTerminalsElseNone() {
    assertEquals(120, Terminal.columns(Map.of("COLUMNS", "120"), false));
    assertEquals(0, Terminal.columns(Map.of(), false));
    assertEquals(0, Terminal.columns(Map.of("COLUMNS", "wide"), false));
  }

  private static List<String> table(List<SessionMetadata> items, int width) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Format.table(new PrintStream(out, true, StandardCharsets.UTF_8), items, width);
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void aRecordedStreamKeepsItsWorkingDirectory() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("w"));
    Result r =
        input(
            "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"rec-1\",\"cwd\":\""
                + dir
                + "\"}\n",
            "record");
    assertEquals(0, r.code(), r.err());
    assertEquals(
        dir.toString(),
        JSON.readTree(run("info", "rec-1", "--json").out()).get("attributes").get("cwd").asText());
  }
}
