package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionstore.claude.ClaudeConfig;
import io.sessionstore.cli.CliRun.Result;
import io.sessionstore.tck.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Claude Code commands as a script uses them: record, import-claude, pull, resume, migrate. */
class InteropCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private CliRun cli() {
    return new CliRun(tmp.resolve("store"));
  }

  private String claudeConfig() {
    return ClaudeConfig.CONFIG_DIR + "=" + tmp.resolve("claude");
  }

  /** Real stream-json output with its placeholder session id. */
  private static String stream() {
    return Fixtures.streamJsonOutput();
  }

  @Test
  void recordStoresTheStreamAndPrintsTheKeyAndASummary() throws IOException {
    Result r = cli().input(stream(), "record", "--tag", "live");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("recorded default/<SESSION_ID>: "), r.out());
    assertTrue(r.out().contains(" turns, $"), r.out());
    assertEquals(
        Fixtures.lines("stream-json/claudeless-v2.1.12-normalized-output.jsonl"),
        cli().run("show", "<SESSION_ID>").lines());
    JsonNode info = JSON.readTree(cli().run("info", "<SESSION_ID>", "--json").out());
    assertEquals("stream-json", info.path("attributes").path("format").asText());
    assertEquals("[\"live\"]", info.get("tags").toString());
  }

  @Test
  void recordSkipsBadLinesNamesThemAndExitsTwoAfterStoringTheRest() {
    String[] lines = stream().split("\n");
    String input =
        lines[0]
            + "\nnot json\n"
            + String.join("\n", List.of(lines).subList(1, lines.length))
            + "\n";
    Result r = cli().input(input, "record", "--id", "given");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("line 2 skipped"), r.err());
    assertEquals(lines.length, cli().run("show", "given").lines().size());
  }

  @Test
  void importClaudeTwiceIsImportingOnceAndPullWritesTheTranscriptBack() throws IOException {
    Path projects = Fixtures.writeClaudeProjects(tmp.resolve("projects"));
    Result first = cli().run("import-claude", projects.toString());
    assertEquals(0, first.code(), first.err());
    Result second = cli().run("import-claude", projects.toString());
    assertEquals(0, second.code(), second.err());
    assertTrue(second.out().contains(" 0 lines stored"), second.out());
    assertTrue(second.out().contains(" files (0 read, 0 bytes)"), second.out());

    String id = Fixtures.transcriptWithSubagents();
    String project = id.split("/")[1];
    String sessionId = id.split("/")[2].replace(".jsonl", "");
    Result pulled =
        cli()
            .run(
                "-D",
                claudeConfig(),
                "--project",
                project,
                "pull",
                sessionId,
                "--dir",
                "/tmp/workspace");
    assertEquals(0, pulled.code(), pulled.err());
    Path file = tmp.resolve("claude/projects/-tmp-workspace").resolve(sessionId + ".jsonl");
    assertEquals(Fixtures.text(id), Files.readString(file));
    try (Stream<Path> subs = Files.list(file.resolveSibling(sessionId).resolve("subagents"))) {
      assertEquals(Fixtures.subagentsOf(id).size(), subs.count());
    }
    Files.writeString(file, "{}\n");
    Result refused =
        cli()
            .run(
                "-D",
                claudeConfig(),
                "--project",
                project,
                "pull",
                sessionId,
                "--dir",
                "/tmp/workspace");
    assertEquals(1, refused.code());
    assertTrue(refused.err().contains("--force"), refused.err());
    assertEquals(
        0,
        cli()
            .run(
                "-D",
                claudeConfig(),
                "--project",
                project,
                "pull",
                sessionId,
                "--dir",
                "/tmp/workspace",
                "--force")
            .code());
    assertEquals(Fixtures.text(id), Files.readString(file));
  }

  @Test
  void importClaudeReportsRejectedLinesWithFileAndLineAndExitsTwo() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("projects/-home-me"));
    Files.writeString(
        folder.resolve("s.jsonl"),
        "{\"type\":\"user\",\"uuid\":\"1\"}\n[1]\n{\"type\":\"user\"}\n");
    Result r = cli().run("import-claude", tmp.resolve("projects").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains(folder.resolve("s.jsonl") + ":2:"), r.err());
    assertEquals(2, cli().run("--project", "-home-me", "show", "s").lines().size());
    assertEquals(2, cli().run("import-claude", tmp.resolve("nowhere").toString()).code());
  }

  @Test
  void pullingARecordedStreamExitsOne() {
    cli().input(stream(), "record");
    Result r = cli().run("-D", claudeConfig(), "pull", "<SESSION_ID>");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("stream-json"), r.err());
  }

  @Test
  void resumePassesOutputAndExitCodeThroughAndAMissingCommandIs127() throws IOException {
    cli().input(stream(), "record", "--id", "s1");
    Path fake = tmp.resolve("fake-claude");
    Files.writeString(
        fake,
        "#!/usr/bin/env bash\n"
            + "echo '{\"type\":\"result\",\"subtype\":\"success\",\"total_cost_usd\":0.5,\"num_turns\":1,\"uuid\":\"r1\"}'\n"
            + "exit 6\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    Result r =
        cli()
            .run(
                "-D",
                ClaudeConfig.COMMAND + "=" + fake,
                "-D",
                claudeConfig(),
                "resume",
                "s1",
                "more");
    assertEquals(6, r.code(), r.err());
    assertTrue(r.out().contains("\"total_cost_usd\":0.5"), r.out());
    JsonNode info = JSON.readTree(cli().run("info", "s1", "--json").out());
    assertEquals(stream().split("\n").length + 1, info.get("messageCount").asInt());

    Result missing =
        cli().run("-D", ClaudeConfig.COMMAND + "=" + tmp.resolve("absent"), "resume", "s1", "x");
    assertEquals(127, missing.code());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
  }

  @Test
  void migrateCopiesToTheStoreItsFileConfiguresAndVerifies() throws IOException {
    cli().run("import-claude", Fixtures.writeClaudeProjects(tmp.resolve("projects")).toString());
    Path target = tmp.resolve("team.properties");
    Files.writeString(
        target,
        "sessionstore.backend=file\nsessionstore.file.dir=" + tmp.resolve("team") + "\n",
        StandardCharsets.UTF_8);
    Result r = cli().run("migrate", "--all-projects", "--to", target.toString());
    assertEquals(0, r.code(), r.err());
    int sessions =
        JSON.readTree(cli().run("list", "--all-projects", "--json", "--limit", "1000").out())
            .size();
    assertTrue(r.out().contains(": " + sessions + " copied, 0 skipped"), r.out());
    Result again = cli().run("migrate", "--all-projects", "--to", target.toString());
    assertTrue(again.out().contains(": 0 copied, " + sessions + " skipped"), again.out());
    Result there =
        new CliRun(tmp.resolve("team")).run("list", "--all-projects", "--json", "--limit", "1000");
    assertEquals(sessions, JSON.readTree(there.out()).size());
    assertEquals(2, cli().run("migrate", "--to", tmp.resolve("none.properties").toString()).code());
    Path broken = tmp.resolve("broken.properties");
    Files.writeString(broken, "sessionstore.file.dir=\\u12\n");
    Result bad = cli().run("migrate", "--to", broken.toString());
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains(broken.toString()), bad.err());
  }

  @Test
  void definitionsBeforeAndAfterTheCommandNameAllApply() {
    Path other = tmp.resolve("other");
    Result r =
        new CliRun(other)
            .input("{\"type\":\"user\"}\n", "save", "s", "-D", "sessionstore.project=late");
    assertEquals("saved late/s: 1 stored, 0 skipped", r.out().strip(), r.err());
    assertEquals(1, new CliRun(other).run("--project", "late", "show", "s").lines().size());
  }
}
