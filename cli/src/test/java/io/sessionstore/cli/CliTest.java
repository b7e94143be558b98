package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI run in this process, as a script would use it: output, exit codes, and what is stored.
 */
class CliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ODD =
      "{\"type\": \"user\", \"uuid\": \"odd-bytes-1\", \"message\": {\"content\": "
          + "\"caf\\u00e9 \\/ \\u001b[31mred\\u001b[0m 日本 🎉\", \"n\": 1e2, \"f\": 1.50}}";

  @TempDir Path tmp;

  private Result input(String stdin, String... args) {
    return new CliRun(tmp.resolve("store")).input(stdin, args);
  }

  private Result bytes(byte[] stdin, String... args) {
    return new CliRun(tmp.resolve("store")).bytes(stdin, args);
  }

  private Result run(String... args) {
    return input("", args);
  }

  private Path file(String name, String content) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private static String streamSession() {
    String f =
        Fixtures.jsonLinesFiles().stream()
            .filter(x -> x.startsWith("stream-json/"))
            .findFirst()
            .orElseThrow();
    return Fixtures.text(f);
  }

  private JsonNode info(String id) throws IOException {
    Result r = run("info", id, "--json");
    assertEquals(0, r.code(), r.err());
    return JSON.readTree(r.out());
  }

  @Test
  void saveThenShowGivesBackTheExactBytes() throws IOException {
    String transcript =
        Fixtures.jsonLinesFiles().stream()
            .filter(f -> f.startsWith("claude-projects/"))
            .findFirst()
            .orElseThrow();
    String input = String.join("\n", Fixtures.lines(transcript)) + "\r\n" + ODD + "\n";
    Path f = file("in.jsonl", "\ufeff" + input);
    Result saved = run("save", "s1", "--file", f.toString(), "--tag", "alpha", "--tag", "beta");
    assertEquals(0, saved.code(), saved.err());
    int n = Fixtures.lines(transcript).size() + 1;
    assertEquals("saved default/s1: " + n + " stored, 0 skipped", saved.out().strip());
    Result shown = run("show", "s1");
    assertEquals(0, shown.code());
    List<String> expected = new ArrayList<>(Fixtures.lines(transcript));
    expected.add(ODD);
    assertEquals(String.join("\n", expected) + "\n", shown.out());
  }

  @Test
  void infoPrintsTheContractKeysAndDerivedValues() throws IOException {
    Path f =
        file(
            "s.jsonl",
            streamSession() + "{\"type\":\"result\",\"total_cost_usd\":0.25,\"num_turns\":2}\n");
    assertEquals(
        0,
        run("save", "s", "--file", f.toString(), "--tag", "b", "--tag", "a", "--summary", "sum")
            .code());
    JsonNode i = info("s");
    List<String> keys = new ArrayList<>();
    i.fieldNames().forEachRemaining(keys::add);
    assertEquals(
        List.of(
            "project",
            "sessionId",
            "createdAt",
            "updatedAt",
            "lastActivityAt",
            "messageCount",
            "totalCostUsd",
            "turns",
            "tags",
            "summary",
            "attributes",
            "subpaths",
            "version",
            "usage",
            "costSource"),
        keys);
    assertEquals(4, i.get("messageCount").asInt());
    // The stream's placeholders ("<USAGE>") are no usage; its run's cost is reported.
    assertEquals("reported", i.get("costSource").asText());
    assertEquals(0, i.get("usage").get("inputTokens").asLong());
    assertTrue(i.get("usage").get("models").isArray());
    assertEquals(0.25, i.get("totalCostUsd").asDouble(), 1e-12);
    assertTrue(i.get("totalCostUsd").isNumber());
    assertEquals(3, i.get("turns").asInt());
    assertEquals("[\"a\",\"b\"]", i.get("tags").toString());
    assertTrue(i.get("updatedAt").asText().endsWith("Z"));
    Result text = run("info", "s");
    assertTrue(
        text.out().contains("messageCount: 4\n") && text.out().contains("tags: a, b\n"),
        text.out());
  }

  @Test
  void aJsonArrayFromStandardInputIsSaved() throws IOException {
    String array =
        "[\n  {\n    \"type\": \"user\",\n    \"n\": 1e2\n  },\n  {\"type\":\"assistant\"}\n]\n";
    Result r = input(array, "save", "arr");
    assertEquals(0, r.code(), r.err());
    assertEquals(
        "{\"type\":\"user\",\"n\":1e2}\n{\"type\":\"assistant\"}\n", run("show", "arr").out());
  }

  @Test
  void appendIsIdempotentForRetriedMessages() throws IOException {
    String line = "{\"type\":\"user\",\"uuid\":\"u1\",\"message\":{\"content\":\"hi\"}}\n";
    assertEquals(
        "appended default/s: 1 stored, 0 skipped", input(line, "append", "s").out().strip());
    assertEquals(
        "appended default/s: 0 stored, 1 skipped",
        input(line, "append", "s", "--file", "-").out().strip());
    assertEquals(1, info("s").get("messageCount").asInt());
  }

  @Test
  void badInputExitsTwoAndChangesNothing() throws IOException {
    input("{\"type\":\"user\",\"uuid\":\"a\"}\n", "save", "s");
    List<String> bad =
        List.of(
            "{\"type\":\"user\", broken\n",
            "{\"uuid\":\"ok\"}\n[1,2]\n",
            "\"text\"\n",
            "{\"a\":1} trailing\n",
            "{\"a\":1e99999999999999999999}\n",
            "{\"a\":" + "1".repeat(1001) + "}\n");
    for (String input : bad) {
      Result r = input(input, "append", "s");
      assertEquals(2, r.code(), input);
      assertEquals(1, r.err().lines().count(), "one line: " + r.err());
      assertTrue(r.err().startsWith("sessionstore: Invalid line"), r.err());
    }
    Result r =
        bytes(
            new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}', '\n'}, "append", "s");
    assertEquals(2, r.code());
    assertEquals(1, info("s").get("messageCount").asInt());
    assertEquals(1, info("s").get("version").asInt());
  }

  @Test
  void aMessageWithAnImplausibleCostIsStoredAndTheStoreStaysUsable() throws IOException {
    assertEquals(0, input("{\"type\":\"user\",\"uuid\":\"n1\"}\n", "append", "normal").code());
    for (String poison :
        List.of(
            "{\"type\":\"result\",\"uuid\":\"c1\",\"total_cost_usd\":1e1000}",
            "{\"type\":\"result\",\"uuid\":\"c2\",\"total_cost_usd\":1e999999999}")) {
      Result r = input(poison + "\n", "append", "poison");
      assertEquals(0, r.code(), r.err());
    }
    assertEquals(0, info("poison").get("totalCostUsd").decimalValue().signum());
    Result list = run("list", "--json");
    assertEquals(0, list.code(), list.err());
    assertEquals(2, JSON.readTree(list.out()).size());
    assertEquals(0, run("export", "--out", tmp.resolve("all.jsonl").toString()).code());
  }

  @Test
  void archiveTimesOutOfRangeAreRejectedLines() throws IOException {
    Path archive =
        file(
            "t.jsonl",
            "{\"format\":\"sessionstore-archive\",\"version\":1}\n"
                + "{\"sessionId\":\"far\",\"createdAt\":\"+1000000000-01-01T00:00:00Z\",\"updatedAt\":"
                + "\"+1000000000-01-01T00:00:00Z\",\"tags\":[],\"messages\":[{\"type\":\"user\"}]}\n");
    Result r = run("import", archive.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(
        r.err().contains("rejected line 2:") && r.err().contains("times must lie between"),
        r.err());
    assertEquals("[]\n", run("list", "--json").out());
  }

  @Test
  void invalidIdsExitTwoAndNothingIsWrittenOutsideTheStore() {
    for (String id : List.of("../../escape", "/tmp/escape", "a/../../escape", "", "nul\u0001x")) {
      Result r = input("{\"type\":\"user\"}\n", "save", id);
      assertEquals(2, r.code(), id);
      assertTrue(r.err().contains("Invalid session id"), r.err());
    }
    assertFalse(Files.exists(tmp.resolve("escape")));
    assertEquals("[]\n", run("list", "--all-projects", "--json").out());
  }

  @Test
  void missingSessionsExitOne() {
    for (String command : List.of("show", "info", "delete")) {
      Result r = run(command, "nope");
      assertEquals(1, r.code(), command);
      assertTrue(r.err().contains("does not exist"), r.err());
    }
    assertEquals(1, run("tag", "nope", "--add", "x").code());
  }

  @Test
  void configurationErrorsExitTwoAndNameWhatIsAvailable() {
    Result r = run("-D", "sessionstore.backend=nosuch", "list");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("Available backends: file"), r.err());
    r = run("-D", "sessionstore.file.dri=/x", "list");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("sessionstore.file.dir"), r.err());
    assertEquals(2, run("--config", tmp.resolve("missing.properties").toString(), "list").code());
  }

  @Test
  void anUnusableStoreExitsThree() throws IOException {
    Path notADir = file("plain-file", "x");
    Result r = run("-D", "sessionstore.file.dir=" + notADir.resolve("store"), "list");
    assertEquals(3, r.code(), r.err());
    assertTrue(r.err().contains("is not a directory"), r.err());
  }

  @Test
  void anUnexpectedErrorHasAnExitCodeOfItsOwn() {
    assertEquals(70, Main.exitCode(new NullPointerException()));
    assertEquals(70, Main.exitCode(new IllegalStateException("a bug")));
    assertEquals(1, Main.exitCode(new io.sessionstore.api.NotFoundException("gone")));
  }

  @Test
  void badUsageExitsTwoWithASuggestion() {
    Result r = run("serch", "--tag", "x");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("did you mean search"), r.err());
    assertEquals(2, run("cleanup").code(), "--older-than is required");
    assertEquals(2, run("search", "--after", "someday").code());
    assertEquals(2, run("list", "--limit", "0").code());
    assertEquals(2, run("search", "--min-cost", "cheap").code());
  }

  @Test
  void searchFiltersAndPages() throws IOException {
    for (int i = 0; i < 5; i++) {
      input(
          "{\"type\":\"result\",\"total_cost_usd\":" + i + "}\n",
          "save",
          "s" + i,
          "--tag",
          i % 2 == 0 ? "even" : "odd");
    }
    Result even = run("search", "--tag", "even", "--min-cost", "1", "--json");
    assertEquals(0, even.code(), even.err());
    List<String> ids = new ArrayList<>();
    JSON.readTree(even.out()).forEach(n -> ids.add(n.get("sessionId").asText()));
    assertEquals(List.of("s4", "s2"), ids);
    Result none = run("search", "--tag", "nosuchtag", "--json");
    assertEquals(0, none.code());
    assertEquals("[]\n", none.out());

    Result page1 = run("list", "--limit", "2");
    assertEquals(3, page1.lines().size(), "a header and two rows");
    String next = page1.err().strip();
    assertTrue(next.startsWith("next: --cursor "), page1.err());
    List<String> seen = new ArrayList<>();
    String cursor = next.substring("next: --cursor ".length());
    seen.addAll(idsOf(page1));
    while (cursor != null) {
      Result page = run("list", "--limit", "2", "--cursor", cursor);
      seen.addAll(idsOf(page));
      cursor =
          page.err().isBlank() ? null : page.err().strip().substring("next: --cursor ".length());
    }
    assertEquals(List.of("s0", "s1", "s2", "s3", "s4"), seen.stream().sorted().toList());
  }

  private static List<String> idsOf(Result table) {
    return table.lines().stream().skip(1).map(l -> l.split("\\s+")[2]).toList();
  }

  @Test
  void tagsDescribeAndDelete() throws IOException {
    input("{\"type\":\"user\"}\n", "save", "s", "--tag", "todo");
    input("{\"type\":\"user\"}\n", "append", "s", "--subpath", "subagents/a");
    assertEquals(
        "done review",
        run("tag", "s", "--add", "review", "--add", "done", "--remove", "todo").out().strip());
    Result d = run("describe", "s", "--summary", "A summary", "--attr", "ticket=SEC-7");
    assertTrue(
        d.out().contains("summary: A summary") && d.out().contains("attributes: ticket=SEC-7"),
        d.out());
    assertEquals(2, run("describe", "s", "--attr", "novalue").code());
    assertEquals("[\"subagents/a\"]", info("s").get("subpaths").toString());
    assertEquals(
        "deleted default/s [subagents/a]",
        run("delete", "s", "--subpath", "subagents/a").out().strip());
    assertEquals("deleted default/s", run("delete", "s").out().strip());
    assertEquals(1, run("info", "s").code());
  }

  @Test
  void anIdIsFoundInTheOnlyProjectThatHasItAndAmbiguityIsBadUsage() {
    input("{\"type\":\"user\"}\n", "--project", "p1", "save", "only-p1");
    assertEquals(0, run("show", "only-p1").code());
    assertEquals("p1", run("info", "only-p1").lines().get(0).substring("project: ".length()));
    input("{\"type\":\"user\"}\n", "--project", "p2", "save", "twice");
    input("{\"type\":\"user\"}\n", "--project", "p3", "save", "twice");
    Result r = run("show", "twice");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("p2, p3") || r.err().contains("p3, p2"), r.err());
    assertEquals(0, run("--project", "p3", "show", "twice").code());
    assertEquals(
        1, run("--project", "p1", "show", "twice").code(), "--project looks in that project only");
  }

  @Test
  void aProjectNameMayStartWithADash() {
    Result r = input("{\"type\":\"user\"}\n", "--project", "-home-me-repo", "save", "s");
    assertEquals(0, r.code(), r.err());
    assertEquals("saved -home-me-repo/s: 1 stored, 0 skipped", r.out().strip());
    assertEquals(0, run("show", "s", "--project", "-home-me-repo").code());
  }

  @Test
  void exportAndImportRoundTripAndReimportChangesNothing() throws IOException {
    Path f = file("s.jsonl", streamSession() + ODD + "\n");
    run("save", "s", "--file", f.toString(), "--tag", "x");
    input("{\"type\":\"user\",\"uuid\":\"a\"}\n", "append", "s", "--subpath", "subagents/a");
    Path archive = tmp.resolve("out.jsonl.gz");
    Result e = run("export", "--out", archive.toString());
    assertEquals(0, e.code(), e.err());
    assertTrue(e.err().contains("exported 1 sessions"), e.err());
    try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(archive))) {
      assertTrue(
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .startsWith("{\"format\":\"sessionstore-archive\""));
    }
    String other = "sessionstore.file.dir=" + tmp.resolve("other");
    Result i = run("-D", other, "import", archive.toString());
    assertEquals(0, i.code(), i.err());
    assertTrue(i.err().contains("imported 1 new"), i.err());
    assertEquals(run("show", "s").out(), run("-D", other, "show", "s").out());
    assertEquals(
        run("show", "s", "--subpath", "subagents/a").out(),
        run("-D", other, "show", "s", "--subpath", "subagents/a").out());
    Result again = run("-D", other, "import", archive.toString());
    assertTrue(again.err().contains("0 new, 0 extended, 1 unchanged"), again.err());

    Result toStdout = run("export", "--out", "-");
    assertEquals(0, toStdout.code());
    Result fromStdin =
        input(toStdout.out(), "-D", "sessionstore.file.dir=" + tmp.resolve("third"), "import", "-");
    assertEquals(0, fromStdin.code(), fromStdin.err());
  }

  @Test
  void rejectedArchiveLinesAreReportedAndExitTwoAfterTheRestIsImported() throws IOException {
    Path archive =
        file(
            "a.jsonl",
            "{\"format\":\"sessionstore-archive\",\"version\":1}\n"
                + "{\"sessionId\":\"ok\",\"createdAt\":\"2020-01-01T00:00:00Z\",\"updatedAt\":\"2020-01-02T00:00:00Z\","
                + "\"tags\":[],\"messages\":[{\"type\":\"user\"}]}\n"
                + "{broken\n");
    Result r = run("import", archive.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("rejected line 3:"), r.err());
    assertEquals("2020-01-02T00:00:00Z", info("ok").get("updatedAt").asText());
    Path newer = file("b.jsonl", "{\"format\":\"sessionstore-archive\",\"version\":9}\n");
    Result refused = run("import", newer.toString());
    assertEquals(2, refused.code());
    assertTrue(refused.err().contains("version 9"), refused.err());
  }

  @Test
  void cleanupRemovesOldSessionsAndADryRunOnlyTellsWhich() throws IOException {
    Path archive =
        file(
            "old.jsonl",
            "{\"format\":\"sessionstore-archive\",\"version\":1}\n"
                + "{\"sessionId\":\"old\",\"createdAt\":\"2020-01-01T00:00:00Z\",\"updatedAt\":\"2020-01-02T00:00:00Z\","
                + "\"tags\":[],\"messages\":[{\"type\":\"user\"}]}\n");
    run("import", archive.toString());
    input("{\"type\":\"user\"}\n", "save", "fresh");
    Result dry = run("cleanup", "--older-than", "30d", "--dry-run");
    assertEquals(
        List.of(
            "would remove default/old (last active 2020-01-02T00:00:00Z)",
            "would remove 1 session"),
        dry.lines());
    assertEquals(0, run("info", "old").code());
    Result done = run("cleanup", "--older-than", "30d");
    assertEquals("removed 1 session", done.lines().get(1));
    assertEquals(1, run("info", "old").code());
    assertEquals(0, run("info", "fresh").code());
  }

  @Test
  void everyCommandHasHelpWithAnExample() {
    for (String command :
        List.of(
            "save",
            "append",
            "show",
            "info",
            "list",
            "search",
            "tag",
            "describe",
            "delete",
            "cleanup",
            "export",
            "import")) {
      Result r = run(command, "--help");
      assertEquals(0, r.code(), command);
      assertTrue(r.out().contains("Example: sessionstore " + command), command + ": " + r.out());
    }
    assertTrue(run("--help").out().contains("Exit codes"));
  }

  @Test
  void backendsVersionAndCompletion() {
    Result b = run("backends");
    assertTrue(
        b.out().startsWith("file\tio.sessionstore.backend.file\tsessionstore.file.dir="), b.out());
    assertTrue(
        b.out().contains("\ns3\tio.sessionstore.backend.s3\tsessionstore.s3.bucket"), b.out());
    assertTrue(
        b.out().contains("mongo\tio.sessionstore.backend.mongo\tsessionstore.mongo.uri"), b.out());
    assertTrue(
        run("version").out().strip().matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"),
        run("version").out());
    Result c = run("generate-completion");
    assertEquals(0, c.code());
    assertTrue(c.out().contains("complete -F"), "a bash completion script");
  }

  @Test
  void theQuickstartRunsEveryStep() throws IOException {
    Result r = run("quickstart");
    assertEquals(0, r.code(), r.err());
    for (String step :
        List.of(
            "$ sessionstore save quickstart-demo",
            "$ sessionstore tag quickstart-demo",
            "$ sessionstore search --tag demo",
            "$ sessionstore show quickstart-demo",
            "$ sessionstore export",
            "Try next:")) {
      assertTrue(r.out().contains(step), step);
    }
    assertTrue(r.out().contains("claude-code,demo,reviewed"), r.out());
    assertEquals(6, info("quickstart-demo").get("messageCount").asInt());
  }

  @Test
  void asASeparateProcessBytesAndExitCodesPassThrough() throws Exception {
    Path store = tmp.resolve("process-store");
    String input = streamSession() + ODD + "\n";
    Process save = process(store, "save", "p", "--tag", "proc");
    save.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    save.getOutputStream().close();
    assertEquals(
        0,
        save.waitFor(),
        new String(save.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    Process show = process(store, "show", "p");
    show.getOutputStream().close();
    byte[] shown = show.getInputStream().readAllBytes();
    assertEquals(0, show.waitFor());
    assertEquals(input, new String(shown, StandardCharsets.UTF_8));
    Process missing = process(store, "show", "nope");
    missing.getOutputStream().close();
    assertEquals(1, missing.waitFor());
    Process bad = process(store, "append", "p");
    bad.getOutputStream().write("{oops\n".getBytes(StandardCharsets.UTF_8));
    bad.getOutputStream().close();
    assertEquals(2, bad.waitFor());
    String err = new String(bad.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, err.lines().count(), err);
  }

  private static Process process(Path store, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "-D",
                "sessionstore.file.dir=" + store));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).start();
  }

  @Test
  void sessionsHoldSecretsSoTheStoreIsPrivate() throws IOException {
    input("{\"type\":\"user\"}\n", "save", "s");
    try (var all = Files.walk(tmp.resolve("store"))) {
      Iterator<Path> it = all.iterator();
      while (it.hasNext()) {
        Path p = it.next();
        String perms =
            java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        assertTrue(perms.endsWith("------"), p + " " + perms);
      }
    }
  }
}
