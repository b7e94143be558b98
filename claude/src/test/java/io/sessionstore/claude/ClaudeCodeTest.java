package io.sessionstore.claude;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ConflictException;
import io.sessionstore.api.Message;
import io.sessionstore.api.NotFoundException;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.tck.Fixtures;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claude Code's transcripts in and out of a file store: the real {@code ~/.claude/projects} tree of
 * the fixtures, and a stand-in {@code claude} script for resume (the real command is not on the
 * build machine).
 */
class ClaudeCodeTest {
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
  }

  @AfterEach
  void close() {
    store.close();
  }

  private ClaudeCode claude(String command) {
    return new ClaudeCode(store, List.of(command), tmp.resolve("claude-config"))
        .withImportState(tmp.resolve("import-state"), "the test store");
  }

  private ClaudeCode claude() {
    return claude("claude");
  }

  /** Records a real stream-json session with the given id; returns its lines. */
  private List<String> record(String sessionId) {
    List<String> lines = RecorderTest.stream(sessionId);
    Recorder.of(store, RecordOptions.DEFAULTS).record(RecorderTest.input(lines), l -> {});
    return lines;
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank())
        .toList();
  }

  private List<String> stored(SessionKey key) {
    try (Stream<Message> s = store.streamMessages(key)) {
      return s.map(Message::json).toList();
    }
  }

  /** Every transcript file of the tree, with the key it belongs to. */
  private Map<SessionKey, Path> transcripts() throws IOException {
    Map<SessionKey, Path> out =
        new java.util.TreeMap<>(java.util.Comparator.comparing(SessionKey::toString));
    try (Stream<Path> walk = Files.walk(projects)) {
      for (Path f : walk.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        Path rel = projects.relativize(f);
        String project = rel.getName(0).toString();
        if (rel.getNameCount() == 2) {
          out.put(SessionKey.of(project, rel.getName(1).toString().replace(".jsonl", "")), f);
        } else {
          String sub = rel.subpath(2, rel.getNameCount()).toString().replace(".jsonl", "");
          out.put(SessionKey.of(project, rel.getName(1).toString(), sub), f);
        }
      }
    }
    return out;
  }

  @Test
  void importKeepsEveryLineOfEveryTranscriptAndSubagent() throws IOException {
    TranscriptImportResult r =
        claude().importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    Map<SessionKey, Path> files = transcripts();
    assertTrue(
        files.keySet().stream().anyMatch(SessionKey::isSubpath),
        "the fixtures have subagent transcripts");
    assertEquals(files.size(), r.files());
    assertEquals(files.keySet().stream().filter(k -> !k.isSubpath()).count(), r.created());
    assertTrue(r.rejected().isEmpty(), r.rejected().toString());
    long lines = 0;
    for (Map.Entry<SessionKey, Path> f : files.entrySet()) {
      assertEquals(lines(f.getValue()), stored(f.getKey()), f.getKey().toString());
      lines += lines(f.getValue()).size();
    }
    assertEquals(lines, r.linesStored());
    SessionKey withSubagents =
        files.keySet().stream().filter(SessionKey::isSubpath).findFirst().orElseThrow();
    assertTrue(store.listSubpaths(withSubagents.main()).contains(withSubagents.subpath()));
  }

  @Test
  void importedMetadataComesFromTheLines() throws IOException {
    claude().importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    for (Map.Entry<SessionKey, Path> f : transcripts().entrySet()) {
      if (f.getKey().isSubpath()) {
        continue;
      }
      List<com.fasterxml.jackson.databind.JsonNode> lines =
          lines(f.getValue()).stream()
              .map(l -> (com.fasterxml.jackson.databind.JsonNode) Message.parse(l).tree())
              .toList();
      List<Instant> stamps =
          lines.stream()
              .filter(l -> l.path("timestamp").isTextual())
              .map(l -> Instant.parse(l.get("timestamp").textValue()))
              .sorted()
              .toList();
      SessionMetadata m = store.getMetadata(f.getKey()).orElseThrow();
      assertEquals(f.getValue().getParent().getFileName().toString(), m.project());
      assertEquals(stamps.get(0), m.createdAt(), f.getKey().toString());
      assertEquals(stamps.get(stamps.size() - 1), m.updatedAt(), f.getKey().toString());
      assertEquals(SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT, m.attributes().get("format"));
      String cwd =
          lines.stream()
              .filter(l -> l.path("cwd").isTextual())
              .reduce((a, b) -> b)
              .orElseThrow()
              .get("cwd")
              .textValue();
      assertEquals(cwd, m.attributes().get("cwd"));
      assertTrue(m.attributes().containsKey("claudeCodeVersion"));
      boolean assistant =
          lines.stream()
              .anyMatch(
                  l ->
                      "assistant".equals(l.path("type").asText())
                          && !l.path("message").path("model").asText("<").startsWith("<"));
      assertEquals(assistant, m.attributes().containsKey("model"), f.getKey().toString());
    }
    // A person's first prompt is the summary; Claude Code's <command-name> wrappers and meta lines
    // are not.
    SessionKey asked =
        transcripts().keySet().stream()
            .filter(k -> k.sessionId().startsWith("5bd47723") && !k.isSubpath())
            .findFirst()
            .orElseThrow();
    assertEquals("what is 2 + 2?", store.getMetadata(asked).orElseThrow().summary());
    // A prompt holding a control character (a stray Ctrl-U before /exit) is not what a person typed
    // as a question.
    SessionKey odd =
        transcripts().keySet().stream()
            .filter(k -> k.sessionId().startsWith("d108d7b3"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        "Unknown skill: rate-limit-options", store.getMetadata(odd).orElseThrow().summary());
    SessionKey exitOnly =
        transcripts().keySet().stream()
            .filter(k -> k.sessionId().startsWith("6e24db46"))
            .findFirst()
            .orElseThrow();
    assertNull(store.getMetadata(exitOnly).orElseThrow().summary());
  }

  @Test
  void aSummaryLineWinsAndBranchAndModelBecomeAttributes() throws IOException {
    Path folder = tmp.resolve("own").resolve("-home-me-app");
    Files.createDirectories(folder);
    String source =
        lines(
                transcripts().entrySet().stream()
                    .filter(
                        e ->
                            e.getKey().sessionId().startsWith("5bd47723")
                                && !e.getKey().isSubpath())
                    .findFirst()
                    .orElseThrow()
                    .getValue())
            .stream()
            .reduce((a, b) -> a + "\n" + b)
            .orElseThrow();
    var withBranch = new ArrayList<String>();
    for (String l : source.split("\n")) {
      var tree = Message.parse(l).tree();
      tree.put("gitBranch", "feature/x");
      withBranch.add(tree.toString());
    }
    withBranch.add(
        "{\"type\":\"summary\",\"summary\":\"Arithmetic\\nwarm-up\",\"leafUuid\":\"u1\"}");
    Files.write(folder.resolve("s1.jsonl"), withBranch, StandardCharsets.UTF_8);
    claude().importTranscripts(tmp.resolve("own"), io.sessionstore.api.ProgressListener.NONE);
    SessionMetadata m = store.getMetadata(SessionKey.of("-home-me-app", "s1")).orElseThrow();
    assertEquals("Arithmetic warm-up", m.summary());
    assertEquals("feature/x", m.attributes().get("gitBranch"));
    assertTrue(m.attributes().get("model").startsWith("claude"), m.attributes().toString());
  }

  @Test
  void oneProjectsFolderCanBeImportedOnItsOwn() throws IOException {
    SessionKey sub =
        transcripts().keySet().stream().filter(SessionKey::isSubpath).findFirst().orElseThrow();
    TranscriptImportResult r =
        claude()
            .importTranscripts(
                projects.resolve(sub.project()), io.sessionstore.api.ProgressListener.NONE);
    assertEquals(
        transcripts().keySet().stream()
            .filter(k -> k.project().equals(sub.project()) && !k.isSubpath())
            .count(),
        r.created());
    assertEquals(lines(transcripts().get(sub)), stored(sub));
  }

  @Test
  void lineEndingsBomAndBlankLinesAreNotPartOfTheStoredLines() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("crlf/-tmp-w"));
    List<String> real = lines(transcripts().values().iterator().next());
    Files.writeString(
        folder.resolve("s.jsonl"), "\uFEFF" + String.join("\r\n", real) + "\r\n\r\n\n");
    claude().importTranscripts(tmp.resolve("crlf"), io.sessionstore.api.ProgressListener.NONE);
    assertEquals(real, stored(SessionKey.of("-tmp-w", "s")));
  }

  @Test
  void aLastLineCutInsideACharacterIsStillBeingWritten() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("cut/-tmp-w"));
    byte[] done =
        "{\"type\":\"user\",\"uuid\":\"1\"}\n{\"type\":\"user\",\"m\":\"caf"
            .getBytes(StandardCharsets.UTF_8);
    byte[] cut = java.util.Arrays.copyOf(done, done.length + 1);
    cut[done.length] = (byte) 0xc3;
    Files.write(folder.resolve("s.jsonl"), cut);
    TranscriptImportResult r =
        claude().importTranscripts(tmp.resolve("cut"), io.sessionstore.api.ProgressListener.NONE);
    assertTrue(r.rejected().isEmpty(), r.rejected().toString());
    assertEquals(1, r.linesPending());
    assertEquals(
        List.of("{\"type\":\"user\",\"uuid\":\"1\"}"), stored(SessionKey.of("-tmp-w", "s")));
  }

  @Test
  void aStrayFileOrAnOddSubagentNameIsRejectedAloneAndTheRestIsImported() throws IOException {
    Map<SessionKey, Path> files = transcripts();
    SessionKey sub =
        files.keySet().stream().filter(SessionKey::isSubpath).findFirst().orElseThrow();
    Path odd = files.get(sub).resolveSibling("agent-odd .jsonl");
    Files.copy(files.get(sub), odd);
    Files.writeString(projects.resolve("stray.jsonl"), "{\"type\":\"user\"}\n");
    TranscriptImportResult r =
        claude().importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    assertEquals(
        List.of(projects.resolve("stray.jsonl"), odd),
        r.rejected().stream().map(TranscriptImportResult.Rejection::file).toList());
    long sessions = files.keySet().stream().filter(k -> !k.isSubpath()).count();
    assertEquals(sessions, r.created());
    assertEquals(lines(files.get(sub)), stored(sub));
    assertEquals(
        lines(projects.resolve(sub.project()).resolve(sub.sessionId() + ".jsonl")),
        stored(sub.main()));
  }

  @Test
  void sessionsImportedInParallelAreReportedInTheOrderOfTheFolders() throws IOException {
    // Every transcript gets a broken line after its real ones: one rejection each, in file order.
    Map<SessionKey, Path> files = transcripts();
    List<Path> mains = new java.util.ArrayList<>();
    for (Map.Entry<SessionKey, Path> f : files.entrySet()) {
      if (!f.getKey().isSubpath()) {
        Files.writeString(f.getValue(), "{\"broken\n", java.nio.file.StandardOpenOption.APPEND);
        mains.add(f.getValue());
      }
    }
    List<Long> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
    TranscriptImportResult r =
        claude().importTranscripts(projects, (done, total) -> progress.add(done));
    List<Path> byFolderThenId =
        mains.stream()
            .sorted(
                java.util.Comparator.comparing((Path p) -> p.getParent().getFileName().toString())
                    .thenComparing(p -> p.getFileName().toString()))
            .toList();
    assertEquals(
        byFolderThenId, r.rejected().stream().map(TranscriptImportResult.Rejection::file).toList());
    assertEquals(mains.size(), r.created());
    long folders;
    try (Stream<Path> list = Files.list(projects)) {
      folders = list.filter(Files::isDirectory).count();
    }
    assertEquals(
        java.util.stream.LongStream.rangeClosed(1, folders).boxed().toList(),
        progress,
        "one report per folder, in order");
    for (Map.Entry<SessionKey, Path> f : files.entrySet()) {
      List<String> valid = lines(f.getValue());
      if (!f.getKey().isSubpath()) {
        valid = valid.subList(0, valid.size() - 1);
      }
      assertEquals(valid, stored(f.getKey()), f.getKey().toString());
    }
  }

  @Test
  void aReimportRefreshesWhatItDerivedAndKeepsWhatAPersonChanged() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("live/-home-me-app"));
    Path file = folder.resolve("s.jsonl");
    String first =
        "{\"type\":\"user\",\"uuid\":\"u1\",\"gitBranch\":\"main\",\"cwd\":\"/home/me/app\","
            + "\"timestamp\":\"2026-01-01T10:00:00Z\",\"message\":{\"role\":\"user\",\"content\":\"fix the build\"}}\n";
    Files.writeString(file, first);
    ClaudeCode claude = claude();
    claude.importTranscripts(tmp.resolve("live"), io.sessionstore.api.ProgressListener.NONE);
    SessionKey key = SessionKey.of("-home-me-app", "s");
    assertEquals("fix the build", store.getMetadata(key).orElseThrow().summary());

    Files.writeString(
        file,
        first
            + "{\"type\":\"user\",\"uuid\":\"u2\",\"gitBranch\":\"feature\",\"cwd\":\"/home/me/app\","
            + "\"timestamp\":\"2026-01-01T11:00:00Z\",\"message\":{\"role\":\"user\",\"content\":\"and test\"}}\n"
            + "{\"type\":\"summary\",\"summary\":\"Build fixed\",\"leafUuid\":\"u2\"}\n");
    store.updateMetadata(
        key, io.sessionstore.api.MetadataUpdate.attributes(Map.of("cwd", "/srv/app"), null));
    claude.importTranscripts(tmp.resolve("live"), io.sessionstore.api.ProgressListener.NONE);
    SessionMetadata m = store.getMetadata(key).orElseThrow();
    assertEquals("Build fixed", m.summary());
    assertEquals("feature", m.attributes().get("gitBranch"));
    assertEquals("/srv/app", m.attributes().get("cwd"), "a value a person set is kept");

    store.updateMetadata(key, io.sessionstore.api.MetadataUpdate.summary("my own words"));
    Files.writeString(
        file, "{\"type\":\"summary\",\"summary\":\"Later\"}\n", StandardOpenOption.APPEND);
    claude.importTranscripts(tmp.resolve("live"), io.sessionstore.api.ProgressListener.NONE);
    assertEquals("my own words", store.getMetadata(key).orElseThrow().summary());
  }

  @Test
  void importingAgainStoresOnlyWhatClaudeCodeAddedSince() throws IOException {
    ClaudeCode claude = claude();
    TranscriptImportResult first =
        claude.importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    TranscriptImportResult second =
        claude.importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    assertEquals(0, second.linesStored());
    assertEquals(first.linesStored(), second.linesSkipped());
    assertEquals(first.created(), second.unchanged());

    Map.Entry<SessionKey, Path> t =
        transcripts().entrySet().stream()
            .filter(e -> !e.getKey().isSubpath())
            .findFirst()
            .orElseThrow();
    List<String> before = lines(t.getValue());
    String added =
        "{\"type\":\"user\",\"uuid\":\"later-1\",\"timestamp\":\"2030-01-02T03:04:05.678Z\","
            + "\"message\":{\"role\":\"user\",\"content\":\"and now?\"}}";
    String unfinished = "{\"type\":\"assistant\",\"uuid\":\"later-2\",\"mess";
    Files.writeString(t.getValue(), added + "\n" + unfinished, StandardOpenOption.APPEND);
    TranscriptImportResult third =
        claude.importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    assertEquals(1, third.linesStored());
    assertEquals(1, third.extended());
    assertEquals(1, third.linesPending());
    assertTrue(third.rejected().isEmpty(), "a line still being written is not an error");
    List<String> expected = new ArrayList<>(before);
    expected.add(added);
    assertEquals(expected, stored(t.getKey()));
    assertEquals(
        Instant.parse("2030-01-02T03:04:05.678Z"),
        store.getMetadata(t.getKey()).orElseThrow().updatedAt());

    // Claude Code finishes the line: the next import takes it.
    String finished =
        "{\"type\":\"assistant\",\"uuid\":\"later-2\",\"message\":{\"id\":\"m9\",\"content\":[]}}";
    Files.writeString(t.getValue(), String.join("\n", expected) + "\n" + finished + "\n");
    assertEquals(
        1,
        claude
            .importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE)
            .linesStored());
    expected.add(finished);
    assertEquals(expected, stored(t.getKey()));
  }

  @Test
  void aBadLineIsReportedWithFileAndLineAndTheRestIsImported() throws IOException {
    Map.Entry<SessionKey, Path> t =
        transcripts().entrySet().stream()
            .filter(e -> !e.getKey().isSubpath())
            .findFirst()
            .orElseThrow();
    List<String> good = lines(t.getValue());
    List<String> withBad = new ArrayList<>(good);
    withBad.add(1, "not json at all");
    Files.write(t.getValue(), withBad, StandardCharsets.UTF_8);
    TranscriptImportResult r =
        claude().importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    assertEquals(1, r.rejected().size());
    assertEquals(t.getValue(), r.rejected().get(0).file());
    assertEquals(2, r.rejected().get(0).line());
    assertEquals(good, stored(t.getKey()));
  }

  @Test
  void aLineThatIsNotUtf8IsRejectedAndOneOfUnicodeWhiteSpaceIsBlank() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("bytes/-tmp-w"));
    java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
    file.writeBytes("{\"type\":\"user\",\"uuid\":\"1\"}\n".getBytes(StandardCharsets.UTF_8));
    // U+D800 encoded as if it were a character: UTF-8 has no form for it
    file.writeBytes(
        new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80});
    file.writeBytes(
        "\"}\n\u2003\u3000 \t\n{\"type\":\"user\",\"uuid\":\"2\"}\n"
            .getBytes(StandardCharsets.UTF_8));
    Files.write(folder.resolve("s.jsonl"), file.toByteArray());
    TranscriptImportResult r =
        claude().importTranscripts(tmp.resolve("bytes"), io.sessionstore.api.ProgressListener.NONE);
    assertEquals(1, r.rejected().size(), r.rejected().toString());
    assertEquals(2, r.rejected().get(0).line());
    assertEquals("Invalid message: it is not valid UTF-8", r.rejected().get(0).reason());
    assertEquals(
        List.of("{\"type\":\"user\",\"uuid\":\"1\"}", "{\"type\":\"user\",\"uuid\":\"2\"}"),
        stored(SessionKey.of("-tmp-w", "s")));
  }

  @Test
  void aLineOverTheLimitIsRejectedAndTheRestImportedOrPendingWhenLast() throws IOException {
    byte[] first = "{\"type\":\"user\",\"uuid\":\"1\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] last = "{\"type\":\"user\",\"uuid\":\"3\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] chunk = new byte[1 << 20];
    Arrays.fill(chunk, (byte) 'x');
    for (String name : List.of("mid", "end")) {
      Path file =
          Files.createDirectories(tmp.resolve("huge-" + name + "/-tmp-w")).resolve("s.jsonl");
      try (java.io.OutputStream out = Files.newOutputStream(file)) {
        out.write(first);
        out.write("{\"a\":\"".getBytes(StandardCharsets.UTF_8));
        for (long n = 0; n <= io.sessionstore.spi.Utf8Lines.MAX_LINE_BYTES; n += chunk.length) {
          out.write(chunk);
        }
        if (name.equals("mid")) {
          out.write("\"}\n".getBytes(StandardCharsets.UTF_8));
          out.write(last);
        }
      }
      TranscriptImportResult r =
          claude()
              .importTranscripts(
                  tmp.resolve("huge-" + name), io.sessionstore.api.ProgressListener.NONE);
      SessionKey key = SessionKey.of("-tmp-w", "s");
      if (name.equals("mid")) {
        assertEquals(1, r.rejected().size(), r.rejected().toString());
        assertEquals(2, r.rejected().get(0).line());
        assertTrue(r.rejected().get(0).reason().contains("bytes long"), r.rejected().toString());
        assertEquals(
            List.of(
                new String(first, StandardCharsets.UTF_8).strip(),
                new String(last, StandardCharsets.UTF_8).strip()),
            stored(key));
      } else {
        assertTrue(r.rejected().isEmpty(), r.rejected().toString());
        assertEquals(1, r.linesPending());
      }
      store.deleteSession(key);
    }
  }

  @Test
  void aTranscriptWithoutAValidLineMakesNoSession() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("bare").resolve("-tmp-bare"));
    Files.writeString(folder.resolve("empty.jsonl"), "");
    Files.writeString(folder.resolve("junk.jsonl"), "not json\n[1]\n");
    Files.writeString(folder.resolve("pending.jsonl"), "{\"type\":\"user\"");
    Files.createDirectories(folder.resolve("subs-only/subagents"));
    Files.writeString(folder.resolve("subs-only/subagents/agent-a.jsonl"), "junk\n");
    TranscriptImportResult r =
        claude().importTranscripts(tmp.resolve("bare"), io.sessionstore.api.ProgressListener.NONE);
    assertEquals(0, r.created());
    assertEquals(3, r.rejected().size(), r.rejected().toString());
    assertEquals(List.of(), store.search(SearchQuery.in(Scope.allProjects()).build()).items());
  }

  @Test
  void importedTimesAreKeptToTheMillisecond() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("nanos").resolve("-tmp-nanos"));
    Files.writeString(
        folder.resolve("n.jsonl"),
        "{\"type\":\"user\",\"uuid\":\"a\",\"timestamp\":"
            + "\"2026-01-02T03:04:05.123456789Z\"}\n{\"type\":\"user\",\"uuid\":\"b\",\"timestamp\":"
            + "\"2026-01-02T03:04:06.987654321Z\"}\n");
    claude().importTranscripts(tmp.resolve("nanos"), io.sessionstore.api.ProgressListener.NONE);
    SessionMetadata m = store.getMetadata(SessionKey.of("-tmp-nanos", "n")).orElseThrow();
    assertEquals(Instant.parse("2026-01-02T03:04:05.123Z"), m.createdAt());
    assertEquals(Instant.parse("2026-01-02T03:04:06.987Z"), m.updatedAt());
  }

  @Test
  void aSessionThatNoLongerStartsTheTranscriptIsReportedAndLeftAlone() throws IOException {
    ClaudeCode claude = claude();
    claude.importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    Map.Entry<SessionKey, Path> t =
        transcripts().entrySet().stream()
            .filter(e -> !e.getKey().isSubpath())
            .findFirst()
            .orElseThrow();
    List<String> storedBefore = stored(t.getKey());
    List<String> rewritten = new ArrayList<>(storedBefore.subList(1, storedBefore.size()));
    Files.write(t.getValue(), rewritten, StandardCharsets.UTF_8);
    TranscriptImportResult r =
        claude.importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    assertEquals(List.of(t.getKey()), r.diverged());
    assertEquals(storedBefore, stored(t.getKey()));
  }

  @Test
  void pullWritesWhereClaudeCodeLooksAndRoundTripsByteForByte() throws IOException {
    ClaudeCode claude = claude();
    claude.importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    SessionKey sub =
        transcripts().keySet().stream().filter(SessionKey::isSubpath).findFirst().orElseThrow();
    SessionKey session = sub.main();
    Path work = Files.createDirectories(tmp.resolve("work space"));
    PullResult r = claude.pull(session, work, false);

    String folder = work.toRealPath().toString().replaceAll("[^A-Za-z0-9]", "-");
    Path expected =
        tmp.resolve("claude-config")
            .resolve("projects")
            .resolve(folder)
            .resolve(session.sessionId() + ".jsonl");
    assertEquals(expected.toAbsolutePath(), r.transcript());
    Path original = projects.resolve(session.project()).resolve(session.sessionId() + ".jsonl");
    assertEquals(Files.readString(original), Files.readString(r.transcript()));
    for (String s : store.listSubpaths(session)) {
      Path pulledSub = r.transcript().resolveSibling(session.sessionId()).resolve(s + ".jsonl");
      Path originalSub =
          projects.resolve(session.project()).resolve(session.sessionId()).resolve(s + ".jsonl");
      assertEquals(Files.readString(originalSub), Files.readString(pulledSub), s);
    }
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(r.transcript())));

    // Again over identical files: nothing to do. Over a different file: refused unless forced.
    assertTrue(claude.pull(session, work, false).written().isEmpty());
    Files.writeString(r.transcript(), "{\"type\":\"user\"}\n", StandardOpenOption.APPEND);
    String changed = Files.readString(r.transcript());
    ConflictException e =
        assertThrows(ConflictException.class, () -> claude.pull(session, work, false));
    assertTrue(e.getMessage().contains("--force"), e.getMessage());
    assertEquals(changed, Files.readString(r.transcript()));
    claude.pull(session, work, true);
    assertEquals(Files.readString(original), Files.readString(r.transcript()));
  }

  @Test
  void aRecordedStreamHasNoTranscriptToPull() {
    record("streamed");
    NotFoundException e =
        assertThrows(
            NotFoundException.class, () -> claude().pull(store.key("streamed"), tmp, false));
    assertTrue(e.getMessage().contains("stream-json"), e.getMessage());
    assertThrows(NotFoundException.class, () -> claude().pull(store.key("absent"), tmp, false));
  }

  @Test
  void folderNamesFollowClaudeCode() throws IOException {
    ClaudeCode claude = claude();
    Path projectsDir = claude.projectsDir();
    assertEquals(
        projectsDir.resolve("-tmp-workspace"), claude.transcriptFolder(Path.of("/tmp/workspace")));
    Path real = Files.createDirectories(tmp.resolve("real.dir_x"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    assertEquals(
        claude.transcriptFolder(real), claude.transcriptFolder(link), "links are resolved");
    assertTrue(claude.transcriptFolder(real).getFileName().toString().endsWith("-real-dir-x"));

    // Each UTF-16 unit of a character outside the BMP becomes a '-', as in Claude Code
    // (JavaScript).
    assertEquals(
        projectsDir.resolve("-tmp-caf--"),
        claude.transcriptFolder(Path.of("/tmp/caf\uD83D\uDE00")));
    assertEquals(
        projectsDir.resolve("-nonexistent-a-b"),
        claude.transcriptFolder(Path.of("/nonexistent/a.b")));

    String longPath = "/tmp/" + "d".repeat(250);
    String prefix = ("-tmp-" + "d".repeat(250)).substring(0, 200);
    // Java's "/tmp/ddd…".hashCode() is 970061415, "g1js6f" in base 36 (computed apart from the code
    // under test).
    assertEquals(
        projectsDir.resolve(prefix + "-g1js6f"), claude.transcriptFolder(Path.of(longPath)));
    // Claude Code's own hash differs between its builds: a folder it made already is the one to
    // use.
    Path made = Files.createDirectories(projectsDir.resolve(prefix + "-1k2j3h"));
    assertEquals(made, claude.transcriptFolder(Path.of(longPath)));
  }

  /**
   * A stand-in for the claude command: checks its arguments, optionally appends to the transcript,
   * prints.
   */
  private Path standIn(String name, String script) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, "#!/usr/bin/env bash\nset -u\n" + script);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
    return f;
  }

  @Test
  void resumingAStreamSessionRecordsWhatTheCommandPrintsAndPassesItsExitCode() throws IOException {
    List<String> lines = record("s-42");
    BigDecimal costBefore = store.getMetadata(store.key("s-42")).orElseThrow().totalCostUsd();
    Path fake =
        standIn(
            "fake-claude",
            """
        [ "$*" = "--resume s-42 -p go on --output-format stream-json --verbose" ] || { echo "args: $*" >&2; exit 9; }
        echo '{"type":"system","subtype":"init","session_id":"s-42","uuid":"r-1"}'
        echo 'warming up'
        echo '{"type":"result","subtype":"success","session_id":"s-42","total_cost_usd":0.25,"num_turns":2,"uuid":"r-2"}'
        exit 4
        """);
    List<String> passedThrough = new ArrayList<>();
    ResumeResult r =
        claude(fake.toString()).resume(store.key("s-42"), "go on", tmp, passedThrough::add);

    assertEquals(4, r.exitCode());
    assertEquals(3, passedThrough.size());
    assertEquals(store.key("s-42"), r.recordedInto());
    assertEquals(2, r.messages().size());
    assertEquals(1, r.rejected().size());
    assertEquals(2, r.rejected().get(0).line());
    SessionMetadata m = store.getMetadata(store.key("s-42")).orElseThrow();
    assertEquals(lines.size() + 2, m.messageCount());
    assertEquals(0, costBefore.add(new BigDecimal("0.25")).compareTo(m.totalCostUsd()));
  }

  @Test
  void resumingATranscriptSessionPullsItRecordsTheRunAndImportsWhatClaudeCodeAdded()
      throws IOException {
    ClaudeCode claude = claude();
    claude.importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    SessionKey session =
        transcripts().keySet().stream()
            .filter(k -> k.sessionId().startsWith("5bd47723") && !k.isSubpath())
            .findFirst()
            .orElseThrow();
    String id = session.sessionId();
    List<String> before = stored(session);
    // What the transcript's own usage cost (estimated from the price table).
    BigDecimal costBefore = store.getMetadata(session).orElseThrow().totalCostUsd();
    Path work = Files.createDirectories(tmp.resolve("elsewhere"));
    String folder = work.toRealPath().toString().replaceAll("[^A-Za-z0-9]", "-");
    String added =
        "{\"type\":\"user\",\"uuid\":\"added-by-claude\",\"timestamp\":\"2031-01-01T00:00:00.000Z\","
            + "\"message\":{\"role\":\"user\",\"content\":\"go on\"}}";
    Path fake =
        standIn(
            "fake-claude",
            """
        t="$CLAUDE_CONFIG_DIR/projects/%s/%s.jsonl"
        [ -f "$t" ] || { echo "no transcript at $t" >&2; exit 8; }
        [ "$PWD" = "%s" ] || { echo "ran in $PWD" >&2; exit 7; }
        printf '%%s\\n' '%s' >>"$t"
        echo '{"type":"system","subtype":"init","session_id":"%s","uuid":"run-1"}'
        echo '{"type":"result","subtype":"success","total_cost_usd":1.5,"num_turns":1,"uuid":"run-2"}'
        """
                .formatted(folder, id, work.toRealPath(), added, id));
    ResumeResult r = claude(fake.toString()).resume(session, "go on", work, l -> {});

    assertEquals(0, r.exitCode());
    assertEquals(session.withSubpath("runs/1"), r.recordedInto());
    assertEquals(2, stored(session.withSubpath("runs/1")).size());
    List<String> expected = new ArrayList<>(before);
    expected.add(added);
    assertEquals(expected, stored(session), "the line Claude Code added to its transcript");
    SessionMetadata m = store.getMetadata(session).orElseThrow();
    assertEquals(
        0,
        costBefore.add(new BigDecimal("1.5")).compareTo(m.totalCostUsd()),
        "the run's cost counts");
    assertEquals(
        before.size() + 1,
        m.messageCount(),
        "runs are sub-transcripts, not messages of the session");

    // The next resume keeps the newer local transcript and records run 2.
    ResumeResult again = claude(fake.toString()).resume(session, "go on", work, l -> {});
    assertEquals(session.withSubpath("runs/2"), again.recordedInto());
    assertFalse(again.pulled().unchanged().isEmpty());
    assertEquals(
        0,
        costBefore
            .add(new BigDecimal("3.0"))
            .compareTo(store.getMetadata(session).orElseThrow().totalCostUsd()));
  }

  @Test
  void aLocalTranscriptWithOtherLineEndingsStillContinuesTheStoredOne() throws IOException {
    ClaudeCode claude = claude();
    Path work = Files.createDirectories(tmp.resolve("w"));
    Path folder = Files.createDirectories(claude.transcriptFolder(work));
    List<String> real = lines(transcripts().values().iterator().next());
    Files.writeString(folder.resolve("crlf.jsonl"), String.join("\r\n", real) + "\r\n");
    claude.importTranscripts(claude.projectsDir(), io.sessionstore.api.ProgressListener.NONE);
    SessionKey key = SessionKey.of(folder.getFileName().toString(), "crlf");
    store.updateMetadata(
        key,
        io.sessionstore.api.MetadataUpdate.attributes(
            Map.of(SessionMetadata.FORMAT, SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT), null));
    Path fake =
        standIn(
            "fake-claude", "echo '{\"type\":\"result\",\"total_cost_usd\":0.1,\"uuid\":\"x\"}'\n");
    ResumeResult r = claude(fake.toString()).resume(key, "go on", work, l -> {});
    assertEquals(0, r.exitCode());
    assertEquals(List.of(folder.resolve("crlf.jsonl")), r.pulled().unchanged().subList(0, 1));
  }

  @Test
  void theDefaultConfigFolderIsLeftForClaudeCodeToFind() throws IOException {
    record("env-1");
    Path seen = tmp.resolve("seen-env");
    Path fake = standIn("fake-claude", "echo \"${CLAUDE_CONFIG_DIR-unset}\" > '" + seen + "'\n");
    ClaudeCode byDefault =
        ClaudeCode.of(store, SessionStoreConfig.of(Map.of(ClaudeConfig.COMMAND, fake.toString())));
    assertEquals(0, byDefault.resume(store.key("env-1"), "hi", tmp, l -> {}).exitCode());
    String inherited = System.getenv("CLAUDE_CONFIG_DIR");
    assertEquals(inherited == null ? "unset" : inherited, Files.readString(seen).strip());

    ClaudeCode configured =
        ClaudeCode.of(
            store,
            SessionStoreConfig.of(
                Map.of(
                    ClaudeConfig.COMMAND,
                    fake.toString(),
                    ClaudeConfig.CONFIG_DIR,
                    tmp.resolve("cfg").toString())));
    configured.resume(store.key("env-1"), "hi", tmp, l -> {});
    assertEquals(tmp.resolve("cfg").toString(), Files.readString(seen).strip());
  }

  @Test
  void aMissingCommandIsAClearError() {
    record("s-1");
    ClaudeCommandNotFoundException e =
        assertThrows(
            ClaudeCommandNotFoundException.class,
            () ->
                claude(tmp.resolve("no-such-claude").toString())
                    .resume(store.key("s-1"), "hi", tmp, l -> {}));
    assertTrue(e.getMessage().contains(ClaudeConfig.COMMAND), e.getMessage());
    assertThrows(
        NotFoundException.class, () -> claude().resume(store.key("absent"), "hi", tmp, l -> {}));
  }

  @Test
  void aResumeThatCannotRunTheCommandLeavesNoPulledTranscriptBehind() throws IOException {
    ClaudeCode missing = claude(tmp.resolve("no-such-claude").toString());
    missing.importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
    SessionKey key =
        transcripts().keySet().stream().filter(k -> !k.isSubpath()).findFirst().orElseThrow();
    Path work = Files.createDirectories(tmp.resolve("elsewhere"));
    Path folder = missing.transcriptFolder(work);
    assertThrows(
        ClaudeCommandNotFoundException.class, () -> missing.resume(key, "hi", work, l -> {}));
    assertFalse(
        Files.exists(folder), "a later import-claude would store it again as another project's");
  }
}
