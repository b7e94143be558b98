package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionstore.cli.CliRun.Result;
import io.sessionstore.tck.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code search QUERY}: full-text search from the command line, on real Claude Code transcripts.
 */
class SearchTextCliTest {
  private static final String ID = ViewCliTest.ID;

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
  void aPhraseFindsItsSessionWithTheMatchedPassage() throws Exception {
    Result table = cli().run("search", "\"created test.txt\"", "--all-projects");
    assertEquals(0, table.code(), table.err());
    String[] rows = table.out().split("\n");
    assertEquals(2, rows.length, table.out());
    assertTrue(rows[0].endsWith("MATCH"), rows[0]);
    assertTrue(rows[1].contains(ID) && rows[1].contains("«"), rows[1]);

    Result json = cli().run("search", "\"created test.txt\"", "--all-projects", "--json");
    JsonNode hits = new ObjectMapper().readTree(json.out());
    assertEquals(1, hits.size());
    assertEquals(ID, hits.get(0).get("sessionId").asText());
    JsonNode match = hits.get(0).get("matches").get(0);
    assertTrue(match.get("subpath").isNull());
    assertEquals("assistant", match.get("role").asText());
    assertTrue(match.get("messageIndex").asLong() > 0);
    assertTrue(match.get("timestamp").asText().startsWith("2026-02-02T"));
    assertTrue(match.get("snippet").asText().contains("created test.txt"), match.toString());
  }

  @Test
  void badQueriesAndOptionsAreBadUsage() {
    Result bad = cli().run("search", "\"unclosed", "--all-projects");
    assertEquals(2, bad.code());
    assertTrue(bad.err().startsWith("sessionstore: Invalid full-text query"), bad.err());
    assertEquals(2, cli().run("search", "files", "--sort", "sideways").code());
    assertEquals(2, cli().run("search", "--sort", "updated").code(), "--sort needs a QUERY");
    Result none = cli().run("search", "zzqqxxjjvvkkww", "--all-projects", "--json");
    assertEquals(0, none.code());
    assertEquals("[]\n", none.out());
  }
}
