package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.cli.CliRun.Result;
import io.sessionstore.tck.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code view} and the readable {@code export} formats, on real Claude Code transcripts. */
class ViewCliTest {
  /** A transcript with thinking, tool calls and a sub-agent. */
  static final String ID = "c2fc3a3f-66d5-4c87-9f78-1a31dd719471";

  /** Another, in another project. */
  static final String OTHER = "d266fdf5-b6a3-46aa-8627-920959a0109a";

  @TempDir Path tmp;

  CliRun cli() {
    return new CliRun(tmp.resolve("store"));
  }

  @BeforeEach
  void importTranscripts() {
    Path projects = Fixtures.writeClaudeProjects(tmp.resolve("projects"));
    Result r = cli().run("import-claude", projects.toString());
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void viewShowsTheConversationAsPlainTextWhenPiped() {
    Result r = cli().run("view", ID);
    assertEquals(0, r.code(), r.err());
    assertFalse(r.out().contains("\u001b"), "no ANSI escapes when not on a terminal");
    assertTrue(r.out().startsWith("Session " + ID + "\n"), r.out());
    assertTrue(r.out().contains("> Create a file called test.txt"), r.out());
    assertTrue(r.out().contains("● Write(/tmp/workspace)"), r.out());
    assertTrue(r.out().contains("  ⎿  File created successfully at: /tmp/workspace"), r.out());
    assertTrue(r.out().contains("┌─ sub-agent subagents/agent-aprompt_suggestion-dcd338"), r.out());
    assertTrue(r.out().contains("Total: 73,473 tokens"), r.out());
    // Bookkeeping only with --full, and thinking whole.
    assertFalse(r.out().contains("file-history-snapshot"));
    Result full = cli().run("view", ID, "--full", "--no-color", "--no-pager");
    assertTrue(full.out().contains("· file-history-snapshot"), full.out());
    assertTrue(full.out().contains("must be absolute, not relative"), full.out());
  }

  @Test
  void viewAsMarkdownAndOfASubTranscript() {
    Result md = cli().run("view", ID, "--format", "markdown");
    assertEquals(0, md.code(), md.err());
    assertTrue(md.out().startsWith("# Session `" + ID + "`"), md.out());
    assertTrue(md.out().contains("## Turn 2 · "), md.out());
    assertTrue(md.out().contains("<details><summary>Thinking</summary>"), md.out());
    Result sub = cli().run("view", ID, "--subpath", "subagents/agent-aprompt_suggestion-dcd338");
    assertEquals(0, sub.code(), sub.err());
    assertTrue(sub.out().contains("sub-transcript subagents/agent-aprompt_suggestion-dcd338"));
    assertTrue(sub.out().contains("[SUGGESTION MODE"), sub.out());
  }

  @Test
  void showKeepsPrintingTheExactLines() {
    String transcript =
        Fixtures.files().stream()
            .filter(f -> f.endsWith("/" + ID + ".jsonl"))
            .findFirst()
            .orElseThrow();
    assertEquals(Fixtures.lines(transcript), cli().run("show", ID).lines());
  }

  @Test
  void viewOfAMissingSessionExitsOneAndBadFormatsTwo() {
    Result missing = cli().run("view", "no-such-session");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("does not exist"), missing.err());
    assertEquals("", missing.out());
    assertEquals(2, cli().run("view", ID, "--format", "pdf").code());
    Result ids = cli().run("export", ID, "--out", tmp.resolve("a.jsonl").toString());
    assertEquals(2, ids.code());
    assertTrue(ids.err().contains("--format markdown or html"), ids.err());
  }

  @Test
  void exportWritesOneSelfContainedHtmlPageOfTheSessionsNamed() throws IOException {
    Path page = tmp.resolve("sessions.html");
    Result r = cli().run("export", ID, OTHER, "--format", "html", "--out", page.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("exported 2 sessions as html to"), r.err());
    String html = Files.readString(page);
    assertTrue(html.startsWith("<!DOCTYPE html>"), html);
    assertTrue(html.indexOf(ID) < html.indexOf(OTHER));
    assertTrue(html.contains("<title>2 sessions</title>"), html);
    // Offline and inert: no script, nothing loaded from elsewhere.
    assertFalse(html.contains("<script"));
    assertFalse(html.contains("http://") || html.contains("https://"));
    assertTrue(html.contains("<details class=\"thinking\">"));
    assertTrue(html.trim().endsWith("</html>"));
  }

  @Test
  void exportWritesMarkdownToStandardOutputOrAGzipFile() throws IOException {
    Result r = cli().run("export", ID, "--format", "markdown", "--out", "-");
    assertEquals(0, r.code(), r.err());
    assertEquals(cli().run("view", ID, "--format", "markdown").out(), r.out());
    Path gz = tmp.resolve("session.md.gz");
    assertEquals(0, cli().run("export", ID, "--format", "markdown", "--out", gz.toString()).code());
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      assertEquals(r.out(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void exportWithoutIdsWritesTheSessionsTheFiltersMatch() throws IOException {
    Path file = tmp.resolve("all.md");
    Result r =
        cli().run("export", "--all-projects", "--format", "markdown", "--out", file.toString());
    assertEquals(0, r.code(), r.err());
    String md = Files.readString(file);
    assertTrue(md.contains("# Session `" + ID + "`"));
    assertTrue(md.contains("# Session `" + OTHER + "`"));
    // The archive stays the default.
    Path archive = tmp.resolve("all.jsonl");
    assertEquals(0, cli().run("export", "--all-projects", "--out", archive.toString()).code());
    assertTrue(
        Files.readString(archive)
            .lines()
            .findFirst()
            .orElseThrow()
            .contains("sessionstore-archive"));
    assertEquals(0, cli().run("import", archive.toString()).code());
  }
}
