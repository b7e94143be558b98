package io.sessionstore.claude;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.Message;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.backend.file.FileBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.tck.Fixtures;
import io.sessionstore.tck.ForwardingBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import-claude} run again on the real {@code ~/.claude/projects} tree of the fixtures, with
 * what the earlier import remembered: what is read (files, bytes) and what is stored, byte for
 * byte, compared with an import that reads everything.
 */
class IncrementalImportTest {
  @TempDir Path tmp;
  SessionStore store;
  Path projects;

  @BeforeEach
  void open() {
    store = open("store");
    projects = Fixtures.writeClaudeProjects(tmp.resolve("projects"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private SessionStore open(String name) {
    return SessionStore.builder()
        .config(
            SessionStoreConfig.of(Map.of("sessionstore.file.dir", tmp.resolve(name).toString())))
        .build();
  }

  /** Imports that remember what they stored. */
  private TranscriptImportResult importAgain() {
    return importAgain(store, "the store");
  }

  private TranscriptImportResult importAgain(SessionStore into, String name) {
    return new ClaudeCode(into, List.of("claude"), tmp.resolve("claude-config"))
        .withImportState(tmp.resolve("state"), name)
        .importTranscripts(projects, ProgressListener.NONE);
  }

  /** An import that reads every file, as without state. */
  private TranscriptImportResult importWhole(SessionStore into) {
    return new ClaudeCode(into, List.of("claude"), tmp.resolve("claude-config"))
        .importTranscripts(projects, ProgressListener.NONE);
  }

  private Path stateFile() throws IOException {
    try (Stream<Path> s = Files.list(tmp.resolve("state/import-claude"))) {
      List<Path> files = s.toList();
      assertEquals(1, files.size(), files.toString());
      return files.get(0);
    }
  }

  /** Every transcript file of the tree, with the key it belongs to. */
  private Map<SessionKey, Path> transcripts() throws IOException {
    Map<SessionKey, Path> out = new TreeMap<>(Comparator.comparing(SessionKey::toString));
    try (Stream<Path> walk = Files.walk(projects)) {
      for (Path f : walk.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        Path rel = projects.relativize(f);
        String project = rel.getName(0).toString();
        String id = rel.getName(1).toString().replace(".jsonl", "");
        out.put(
            rel.getNameCount() == 2
                ? SessionKey.of(project, id)
                : SessionKey.of(
                    project,
                    id,
                    rel.subpath(2, rel.getNameCount()).toString().replace(".jsonl", "")),
            f);
      }
    }
    return out;
  }

  private Map.Entry<SessionKey, Path> withSubagents() throws IOException {
    SessionKey sub =
        transcripts().keySet().stream().filter(SessionKey::isSubpath).findFirst().orElseThrow();
    return Map.entry(sub.main(), transcripts().get(sub.main()));
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank())
        .toList();
  }

  private List<String> stored(SessionStore from, SessionKey key) {
    try (Stream<Message> s = from.streamMessages(key)) {
      return s.map(Message::json).toList();
    }
  }

  /** Every transcript of the tree is stored as its file's lines, byte for byte. */
  private void assertStoredAsTheFiles() throws IOException {
    for (Map.Entry<SessionKey, Path> f : transcripts().entrySet()) {
      assertEquals(lines(f.getValue()), stored(store, f.getKey()), f.getKey().toString());
    }
  }

  /** The result without what was read: what a whole read reports too. */
  private static List<Object> report(TranscriptImportResult r) {
    return List.of(
        r.files(),
        r.created(),
        r.extended(),
        r.unchanged(),
        r.diverged(),
        r.linesStored(),
        r.linesSkipped(),
        r.linesPending(),
        r.rejected());
  }

  /** The versions of every stored transcript of the tree. */
  private Map<SessionKey, Long> versions() throws IOException {
    Map<SessionKey, Long> out = new TreeMap<>(Comparator.comparing(SessionKey::toString));
    for (SessionKey k : transcripts().keySet()) {
      store.getMetadata(k).ifPresent(m -> out.put(k, m.version()));
    }
    return out;
  }

  /**
   * What an import that remembers stored is what a whole read stores: a whole read after it finds
   * nothing to change, in any transcript's metadata either.
   */
  private void assertAWholeReadChangesNothing() throws IOException {
    Map<SessionKey, Long> before = versions();
    TranscriptImportResult r = importWhole(store);
    assertEquals(0, r.linesStored());
    assertEquals(before, versions());
  }

  /** The metadata an import derives, as a whole read into a new store derives it. */
  private void assertSameMetadataAsAWholeImport(SessionKey key) {
    try (SessionStore fresh = open("fresh-" + System.nanoTime())) {
      importWhole(fresh);
      SessionMetadata want = fresh.getMetadata(key).orElseThrow();
      SessionMetadata got = store.getMetadata(key).orElseThrow();
      assertEquals(want.createdAt(), got.createdAt());
      assertEquals(want.updatedAt(), got.updatedAt());
      assertEquals(want.summary(), got.summary());
      assertEquals(want.attributes(), got.attributes());
      assertEquals(want.messageCount(), got.messageCount());
      assertEquals(want.turns(), got.turns());
      assertEquals(want.totalCostUsd(), got.totalCostUsd());
      assertEquals(want.subpaths(), got.subpaths());
      for (String sub : want.subpaths()) {
        assertEquals(stored(fresh, key.withSubpath(sub)), stored(store, key.withSubpath(sub)), sub);
        SessionMetadata wantSub = fresh.getMetadata(key.withSubpath(sub)).orElseThrow();
        SessionMetadata gotSub = store.getMetadata(key.withSubpath(sub)).orElseThrow();
        assertEquals(wantSub.createdAt(), gotSub.createdAt(), sub);
        assertEquals(wantSub.updatedAt(), gotSub.updatedAt(), sub);
      }
    }
  }

  @Test
  void anUnchangedTreeIsNotReadAgainAndReportsWhatAWholeReadReports() throws IOException {
    TranscriptImportResult first = importAgain();
    assertEquals(first.files(), first.filesRead());
    long bytes = 0;
    for (Path f : transcripts().values()) {
      bytes += Files.size(f);
    }
    assertTrue(first.bytesRead() >= bytes, first.bytesRead() + " < " + bytes);
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateFile())));
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(stateFile().getParent())));

    TranscriptImportResult again = importAgain();
    assertEquals(0, again.filesRead());
    assertEquals(0, again.bytesRead());
    assertEquals(0, again.linesStored());
    assertEquals(first.created(), again.unchanged());
    assertEquals(first.linesStored(), again.linesSkipped());
    assertEquals(report(importWhole(store)), report(again));
    assertStoredAsTheFiles();
  }

  @Test
  void aGrownTranscriptIsReadFromWhereTheLastImportStopped() throws IOException {
    importAgain();
    Map.Entry<SessionKey, Path> t = withSubagents();
    List<String> last = lines(t.getValue());
    String added =
        "{\"type\":\"user\",\"uuid\":\"later-1\",\"timestamp\":\"2030-01-02T03:04:05.678Z\","
            + "\"gitBranch\":\"later\",\"message\":{\"role\":\"user\",\"content\":\"and now?\"}}\n"
            + "{\"type\":\"summary\",\"summary\":\"Grown later\",\"leafUuid\":\"later-1\"}\n";
    long before = Files.size(t.getValue());
    Files.writeString(t.getValue(), added, StandardOpenOption.APPEND);

    TranscriptImportResult r = importAgain();
    assertEquals(1, r.filesRead());
    // The new bytes, and the line before them again (its end, when long), to check it is still
    // the one read last.
    long lastLine =
        Math.min(
            TranscriptFile.CHECKED,
            (last.get(last.size() - 1) + "\n").getBytes(StandardCharsets.UTF_8).length);
    assertEquals(added.getBytes(StandardCharsets.UTF_8).length + lastLine, r.bytesRead());
    assertEquals(before + added.length(), Files.size(t.getValue()));
    assertEquals(2, r.linesStored());
    assertEquals(1, r.extended());
    assertStoredAsTheFiles();
    SessionMetadata m = store.getMetadata(t.getKey()).orElseThrow();
    assertEquals("Grown later", m.summary());
    assertEquals("later", m.attributes().get("gitBranch"));
    assertSameMetadataAsAWholeImport(t.getKey());
    assertEquals(0, importAgain().filesRead());
    assertAWholeReadChangesNothing();
  }

  /** A backend whose commits to one session fail, as a disk that fills up would make them. */
  private static class FailingBackend extends ForwardingBackend {
    private final SessionKey failing;

    FailingBackend(Path dir, SessionKey failing) {
      super(new FileBackend(dir));
      this.failing = failing;
    }

    @Override
    public void commit(io.sessionstore.spi.Commit commit) {
      if (commit.head().key().main().equals(failing)) {
        throw new io.sessionstore.api.BackendUnavailableException("no space left on the device");
      }
      super.commit(commit);
    }
  }

  private static void grow(Path file, String uuid) throws IOException {
    Files.writeString(
        file,
        "{\"type\":\"user\",\"uuid\":\""
            + uuid
            + "\",\"timestamp\":\"2030-01-02T03:04:05.678Z\","
            + "\"message\":{\"role\":\"user\",\"content\":\"and now?\"}}\n",
        StandardOpenOption.APPEND);
  }

  /** The lines of every transcript file that its stored transcript does not hold yet. */
  private long linesNotStored(SessionStore from) throws IOException {
    long n = 0;
    for (Map.Entry<SessionKey, Path> f : transcripts().entrySet()) {
      n += lines(f.getValue()).size() - stored(from, f.getKey()).size();
    }
    return n;
  }

  @Test
  void anImportThatFailsMidwayStoresTheSessionsBeforeTheFailureAndTheNextCompletesIt()
      throws IOException {
    importAgain();
    store.close();
    // The sessions in the import's order (project folder, then id). The failing one has only a
    // sub-agent's transcript grown: its own file is as the state remembers it, so it goes to a
    // thread with the sessions that most likely need no reading. The sessions around it grew, and
    // go to threads on their own.
    List<SessionKey> mains =
        transcripts().keySet().stream()
            .filter(k -> !k.isSubpath())
            .sorted(Comparator.comparing(SessionKey::project).thenComparing(SessionKey::sessionId))
            .toList();
    SessionKey sub =
        transcripts().keySet().stream()
            .filter(k -> k.isSubpath() && mains.indexOf(k.main()) > 0)
            .findFirst()
            .orElseThrow();
    SessionKey failing = sub.main();
    SessionKey before = mains.get(mains.indexOf(failing) - 1);
    SessionKey last = mains.get(mains.size() - 1);
    assertTrue(last != failing && last != before, mains.toString());
    grow(transcripts().get(before), "later-before");
    grow(transcripts().get(sub), "later-sub");
    grow(transcripts().get(last), "later-last");
    List<String> subStored;
    try (SessionStore broken =
        SessionStore.builder()
            .backend(new FailingBackend(tmp.resolve("store"), failing))
            .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
            .build()) {
      subStored = stored(broken, sub);
      io.sessionstore.api.BackendUnavailableException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.sessionstore.api.BackendUnavailableException.class,
              () -> importAgain(broken, "the store"));
      assertTrue(e.getMessage().contains("no space left"), e.getMessage());
      // Every session before the failing one was imported, as a single thread would have.
      assertEquals(lines(transcripts().get(before)), stored(broken, before));
      assertEquals(subStored, stored(broken, sub));
    }
    store = open("store");
    long missing = linesNotStored(store);
    assertTrue(missing >= 1, "the failing session's line is missing");
    TranscriptImportResult r = importAgain();
    assertEquals(missing, r.linesStored());
    assertStoredAsTheFiles();
    assertAWholeReadChangesNothing();
    assertEquals(0, importAgain().filesRead());
  }

  @Test
  void anInterruptedImportStartsNoSessionAndKeepsTheFlag() throws IOException {
    importAgain();
    for (SessionKey k : transcripts().keySet()) {
      if (!k.isSubpath()) {
        grow(transcripts().get(k), "later-" + k.sessionId());
      }
    }
    long missing = linesNotStored(store);
    Thread.currentThread().interrupt();
    try {
      io.sessionstore.api.BackendUnavailableException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.sessionstore.api.BackendUnavailableException.class, this::importAgain);
      assertTrue(e.getMessage().contains("Interrupted"), e.getMessage());
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
    assertEquals(missing, linesNotStored(store));
    assertEquals(missing, importAgain().linesStored());
    assertStoredAsTheFiles();
  }

  @Test
  void aGrownSubagentTranscriptAndANewOneAreReadAloneAndStored() throws IOException {
    importAgain();
    SessionKey sub =
        transcripts().keySet().stream().filter(SessionKey::isSubpath).findFirst().orElseThrow();
    Path subFile = transcripts().get(sub);
    String added =
        "{\"type\":\"assistant\",\"uuid\":\"sub-later\",\"timestamp\":\"2030-01-02T03:04:05Z\","
            + "\"message\":{\"id\":\"msg_later\",\"role\":\"assistant\",\"content\":[]}}\n";
    Files.writeString(subFile, added, StandardOpenOption.APPEND);
    Path newSub = subFile.resolveSibling("agent-new.jsonl");
    Files.writeString(newSub, added.replace("sub-later", "sub-new"));

    TranscriptImportResult r = importAgain();
    assertEquals(2, r.filesRead());
    assertEquals(2, r.linesStored());
    assertEquals(1, r.extended());
    assertStoredAsTheFiles();
    assertTrue(store.listSubpaths(sub.main()).contains("subagents/agent-new"));
    assertSameMetadataAsAWholeImport(sub.main());
    assertEquals(0, importAgain().filesRead());
    assertAWholeReadChangesNothing();
  }

  @Test
  void aLongLastLineIsCheckedByItsEndAloneBeforeTheNewBytesAreRead() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("long/-home-me-app"));
    projects = folder.getParent();
    String output = "x".repeat(100_000);
    String first =
        "{\"type\":\"user\",\"uuid\":\"u1\",\"timestamp\":\"2026-01-01T10:00:00Z\","
            + "\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
            + "\"content\":\""
            + output
            + "\"}]}}\n";
    Files.writeString(folder.resolve("s.jsonl"), first);
    assertEquals(first.length(), importAgain().bytesRead());
    String added = "{\"type\":\"user\",\"uuid\":\"u2\",\"timestamp\":\"2026-01-01T10:01:00Z\"}\n";
    Files.writeString(folder.resolve("s.jsonl"), added, StandardOpenOption.APPEND);
    TranscriptImportResult r = importAgain();
    assertEquals(TranscriptFile.CHECKED + added.length(), r.bytesRead());
    assertEquals(1, r.linesStored());
    assertEquals(
        List.of(first.strip(), added.strip()), stored(store, SessionKey.of("-home-me-app", "s")));
  }

  @Test
  void aFileRewrittenWithTheSameSizeIsReadWholeAndReportedDiverged() throws IOException {
    importAgain();
    Map.Entry<SessionKey, Path> t = withSubagents();
    List<String> storedBefore = stored(store, t.getKey());
    String text = Files.readString(t.getValue());
    // A character of the last line changes (the one the import checks before it reads on).
    int lastLine = text.lastIndexOf('\n', text.length() - 2) + 1;
    int at = text.indexOf("\"uuid\":\"", lastLine) + "\"uuid\":\"".length();
    assertTrue(at > lastLine, "the last line has a uuid");
    char c = text.charAt(at);
    String rewritten = text.substring(0, at) + (c == 'a' ? 'b' : 'a') + text.substring(at + 1);
    Files.writeString(t.getValue(), rewritten);
    assertEquals(text.length(), rewritten.length());

    TranscriptImportResult r = importAgain();
    assertEquals(List.of(t.getKey()), r.diverged());
    assertEquals(storedBefore, stored(store, t.getKey()), "a diverged session is left alone");
    assertEquals(report(importWhole(store)), report(r));
  }

  @Test
  void aLastLineStillBeingWrittenIsLeftForTheNextImport() throws IOException {
    importAgain();
    Map.Entry<SessionKey, Path> t = withSubagents();
    List<String> expected = new ArrayList<>(lines(t.getValue()));
    String added =
        "{\"type\":\"user\",\"uuid\":\"later-1\",\"timestamp\":\"2030-01-02T03:04:05.678Z\","
            + "\"message\":{\"role\":\"user\",\"content\":\"caf\u00e9\"}}";
    byte[] addedBytes = (added + "\n").getBytes(StandardCharsets.UTF_8);
    String unfinished = "{\"type\":\"assistant\",\"uuid\":\"later-2\",\"mess";
    Files.writeString(t.getValue(), added + "\n" + unfinished, StandardOpenOption.APPEND);

    TranscriptImportResult r = importAgain();
    assertEquals(1, r.linesStored());
    assertEquals(1, r.linesPending());
    assertTrue(r.rejected().isEmpty(), r.rejected().toString());
    expected.add(added);
    assertEquals(expected, stored(store, t.getKey()));

    // Unchanged since: not read, and the unfinished line is still reported.
    TranscriptImportResult same = importAgain();
    assertEquals(0, same.filesRead());
    assertEquals(1, same.linesPending());

    // Claude Code finishes the line: only it (and the line before, checked) is read.
    String rest = "age\":{\"id\":\"m9\",\"content\":[]}}\n";
    Files.writeString(t.getValue(), rest, StandardOpenOption.APPEND);
    TranscriptImportResult done = importAgain();
    assertEquals(1, done.linesStored());
    assertEquals(0, done.linesPending());
    assertEquals(
        Math.min(TranscriptFile.CHECKED, addedBytes.length)
            + (unfinished + rest).getBytes(StandardCharsets.UTF_8).length,
        done.bytesRead());
    expected.add(unfinished + rest.strip());
    assertEquals(expected, stored(store, t.getKey()));
    assertAWholeReadChangesNothing();
  }

  @Test
  void aStateWrittenBeforeTheChangeTokenIsStillUsed() throws IOException {
    importAgain();
    String identity = "store the store\nsource " + projects.toRealPath();
    ImportState remembered = ImportState.load(stateFile(), identity);
    // Format version 1 is version 2 without the token's presence byte after the identity.
    byte[] now = new ImportState(remembered.sessions(), null).toBytes(identity);
    int token = 12 + identity.getBytes(StandardCharsets.UTF_8).length;
    byte[] first = new byte[now.length - 1];
    System.arraycopy(now, 0, first, 0, token);
    System.arraycopy(now, token + 1, first, token, now.length - token - 1);
    ByteBuffer.wrap(first).putInt(4, 1);
    CRC32 crc = new CRC32();
    crc.update(first, 0, first.length - 8);
    ByteBuffer.wrap(first).putLong(first.length - 8, crc.getValue());
    Files.write(stateFile(), first);

    assertEquals(remembered.sessions(), ImportState.load(stateFile(), identity).sessions());
    assertEquals(0, importAgain().filesRead());
  }

  @Test
  void anInterruptedImportStillWritesItsState() throws IOException {
    importAgain();
    String identity = "store the store\nsource " + projects.toRealPath();
    Path now = stateFile();
    Path earlier = now.resolveSibling(ClaudeCode.earlierStateFileName(identity));
    Files.move(now, earlier);
    // Taken from the earlier file, the state is written under this version's name even by an
    // import interrupted before its first session: the interrupt must not close that write.
    Thread.currentThread().interrupt();
    try {
      org.junit.jupiter.api.Assertions.assertThrows(
          io.sessionstore.api.BackendUnavailableException.class, this::importAgain);
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
    assertTrue(Files.exists(now), "the state under this version's name");
    assertFalse(Files.exists(earlier));
    assertEquals(0, importAgain().filesRead());
  }

  @Test
  void theMarkOfAFileWithNoLineHoldsTheHashOfNoBytes() {
    assertEquals(TranscriptFile.hash(new byte[0]), TranscriptFile.Mark.START.lastHash());
  }

  @Test
  void aStateUnderTheNameOfEarlierVersionsIsTakenUpAndReplaced() throws IOException {
    importAgain();
    String identity = "store the store\nsource " + projects.toRealPath();
    Path now = stateFile();
    assertEquals(ClaudeCode.stateFileName(identity), now.getFileName().toString());
    assertTrue(now.getFileName().toString().matches("[0-9a-f]{16}\\.state"), now.toString());
    Path earlier = now.resolveSibling(ClaudeCode.earlierStateFileName(identity));
    Files.move(now, earlier);

    // Nothing changed: the earlier state is used (no file read), then written under the name of
    // this version, and the earlier file removed.
    assertEquals(0, importAgain().filesRead());
    assertEquals(now, stateFile());
    assertFalse(Files.exists(earlier));
    assertEquals(0, importAgain().filesRead());
  }

  @Test
  void aMissingOrDamagedStateCostsAWholeReadWithTheSameResult() throws IOException {
    TranscriptImportResult first = importAgain();
    TranscriptImportResult unchanged = importAgain();
    Files.delete(stateFile());
    TranscriptImportResult missing = importAgain();
    assertEquals(first.files(), missing.filesRead());
    assertEquals(report(unchanged), report(missing));

    byte[] state = Files.readAllBytes(stateFile());
    byte[] flipped = state.clone();
    flipped[state.length / 2] ^= 1;
    for (byte[] damage : List.of(Arrays.copyOf(state, state.length / 2), flipped)) {
      Files.write(stateFile(), damage);
      TranscriptImportResult damaged = importAgain();
      assertEquals(first.files(), damaged.filesRead());
      assertEquals(report(unchanged), report(damaged));
      assertEquals(0, importAgain().filesRead(), "the damaged state was written anew");
    }

    // A state whose numbers are wrong is caught by the checks against the store.
    String identity = "store the store\nsource " + projects.toRealPath();
    ImportState remembered = ImportState.load(stateFile(), identity);
    assertEquals(first.created(), remembered.sessions().size());
    Map<SessionKey, ImportState.SessionState> wrong = new HashMap<>();
    remembered
        .sessions()
        .forEach(
            (k, v) -> {
              ImportState.Head h = v.head();
              wrong.put(
                  k,
                  new ImportState.SessionState(
                      new ImportState.Head(h.version() + 90, h.messages(), h.createdAt()),
                      v.main(),
                      v.subs()));
            });
    Files.write(stateFile(), new ImportState(wrong, null).toBytes(identity));
    TranscriptImportResult wrongly = importAgain();
    assertEquals(first.files(), wrongly.filesRead());
    assertEquals(report(unchanged), report(wrongly));
    assertStoredAsTheFiles();
  }

  @Test
  void aSessionOrSubTranscriptDeletedFromTheStoreIsImportedAgain() throws IOException {
    TranscriptImportResult first = importAgain();
    Map.Entry<SessionKey, Path> t = withSubagents();
    long files = transcripts().keySet().stream().filter(k -> k.main().equals(t.getKey())).count();
    store.deleteSession(t.getKey());

    TranscriptImportResult r = importAgain();
    assertEquals(1, r.created());
    assertEquals(first.created() - 1, r.unchanged());
    assertEquals(files, r.filesRead(), "only the deleted session's files are read");
    assertStoredAsTheFiles();

    SessionKey sub =
        transcripts().keySet().stream()
            .filter(k -> k.isSubpath() && k.main().equals(t.getKey()))
            .findFirst()
            .orElseThrow();
    store.deleteSession(sub);
    TranscriptImportResult again = importAgain();
    assertEquals(1, again.extended());
    assertEquals(lines(transcripts().get(sub)).size(), again.linesStored());
    assertStoredAsTheFiles();
  }

  @Test
  void aSessionAnotherWriterAppendedToIsReportedDivergedAndNotExtended() throws IOException {
    importAgain();
    Map.Entry<SessionKey, Path> t = withSubagents();
    Message foreign = Message.parse("{\"type\":\"user\",\"uuid\":\"recorded-elsewhere\"}");
    store.appendMessages(t.getKey(), List.of(foreign));
    List<String> storedBefore = stored(store, t.getKey());

    // The stored lines go on past the file's: nothing to append (CONTRACTS §7), and nothing to
    // remember either, so the next import reads the session again.
    TranscriptImportResult same = importAgain();
    assertEquals(List.of(), same.diverged());
    assertEquals(storedBefore, stored(store, t.getKey()));
    Files.writeString(
        t.getValue(),
        "{\"type\":\"user\",\"uuid\":\"later-1\",\"timestamp\":\"2030-01-02T03:04:05Z\"}\n",
        StandardOpenOption.APPEND);
    TranscriptImportResult r = importAgain();
    assertEquals(List.of(t.getKey()), r.diverged());
    assertEquals(0, r.linesStored());
    assertEquals(storedBefore, stored(store, t.getKey()));
  }

  @Test
  void aSessionAPersonDescribedKeepsTheirWordsWhenItGrows() throws IOException {
    importAgain();
    Map.Entry<SessionKey, Path> t = withSubagents();
    store.updateMetadata(t.getKey(), MetadataUpdate.summary("my own words"));
    Files.writeString(
        t.getValue(), "{\"type\":\"summary\",\"summary\":\"Later\"}\n", StandardOpenOption.APPEND);
    importAgain();
    assertEquals("my own words", store.getMetadata(t.getKey()).orElseThrow().summary());
    // Remembered after that whole read: the next growth is read from where it stopped, and the
    // person's words are still kept.
    Files.writeString(
        t.getValue(),
        "{\"type\":\"summary\",\"summary\":\"Even later\"}\n",
        StandardOpenOption.APPEND);
    TranscriptImportResult r = importAgain();
    assertEquals(1, r.filesRead());
    assertEquals(1, r.linesStored());
    assertEquals("my own words", store.getMetadata(t.getKey()).orElseThrow().summary());
    assertAWholeReadChangesNothing();
  }

  @Test
  void rejectedLinesAreReportedAgainWithTheirNumbersWhileTheFileIsNotRead() throws IOException {
    Map.Entry<SessionKey, Path> t = withSubagents();
    List<String> good = lines(t.getValue());
    List<String> withBad = new ArrayList<>(good);
    withBad.add(1, "not json at all");
    Files.write(t.getValue(), withBad, StandardCharsets.UTF_8);
    TranscriptImportResult first = importAgain();
    assertEquals(1, first.rejected().size());
    assertEquals(2, first.rejected().get(0).line());

    TranscriptImportResult again = importAgain();
    assertEquals(0, again.filesRead());
    assertEquals(first.rejected(), again.rejected());

    Files.writeString(t.getValue(), "[2]\n", StandardOpenOption.APPEND);
    TranscriptImportResult grown = importAgain();
    assertEquals(1, grown.filesRead());
    assertEquals(
        List.of(2L, (long) withBad.size() + 1),
        grown.rejected().stream().map(TranscriptImportResult.Rejection::line).toList());
    assertEquals(good, stored(store, t.getKey()));
    assertAWholeReadChangesNothing();
    assertEquals(report(importWhole(store)), report(grown));
  }

  /** A file backend on the test's store that counts the calls that read heads. */
  private static final class CountingBackend extends ForwardingBackend {
    final AtomicInteger headReads = new AtomicInteger();

    CountingBackend(Path dir) {
      super(new FileBackend(dir));
    }

    @Override
    public Optional<StoredHead> head(SessionKey key) {
      headReads.incrementAndGet();
      return super.head(key);
    }

    @Override
    public Stream<StoredHead> list(Scope scope) {
      headReads.incrementAndGet();
      return super.list(scope);
    }
  }

  @Test
  void aStoreUnchangedSinceAnImportThatCheckedItIsNotReadAndAChangedOneIsCheckedAgain()
      throws IOException {
    CountingBackend backend = new CountingBackend(tmp.resolve("store"));
    try (SessionStore counted = SessionStore.builder().backend(backend).build()) {
      importAgain(counted, "the store");
      // The first import wrote, so the store changed since the token it began with: this one
      // checks every session against the store, writes nothing, and remembers that token.
      assertEquals(0, importAgain(counted, "the store").linesStored());
      assertTrue(backend.headReads.get() > 0);

      backend.headReads.set(0);
      TranscriptImportResult again = importAgain(counted, "the store");
      assertEquals(0, backend.headReads.get(), "no head read when nothing changed");
      assertEquals(0, again.filesRead());
      assertEquals(report(importWhole(store)), report(again));

      // A transcript grows: only its session's head is read, and checked, before its lines go in.
      Map.Entry<SessionKey, Path> t = withSubagents();
      Files.writeString(
          t.getValue(),
          "{\"type\":\"user\",\"uuid\":\"later-1\",\"timestamp\":\"2030-01-02T03:04:05Z\"}\n",
          StandardOpenOption.APPEND);
      backend.headReads.set(0);
      TranscriptImportResult grown = importAgain(counted, "the store");
      assertEquals(1, grown.extended());
      assertEquals(1, grown.linesStored());
      assertTrue(backend.headReads.get() > 0);
      assertStoredAsTheFiles();

      // Another writer deletes a session: the token moves, and every session is checked again.
      store.deleteSession(t.getKey());
      backend.headReads.set(0);
      TranscriptImportResult r = importAgain(counted, "the store");
      assertTrue(backend.headReads.get() > 0);
      assertEquals(1, r.created());
      assertStoredAsTheFiles();
    }
  }

  private SessionKey subOf(SessionKey main) throws IOException {
    return transcripts().keySet().stream()
        .filter(k -> k.isSubpath() && k.main().equals(main))
        .findFirst()
        .orElseThrow();
  }

  /**
   * A sub-transcript gone from the store while its session's head stayed as remembered (a delete
   * whose second commit, the session's head, failed) is imported again, though no file changed: a
   * session's head as remembered does not vouch for its sub-transcripts.
   */
  @Test
  void aSubTranscriptGoneBehindItsSessionsHeadIsImportedAgain() throws IOException {
    Path dir = tmp.resolve("other-store");
    try (SessionStore other = SessionStore.builder().backend(new FileBackend(dir)).build()) {
      importAgain(other, "other");
    }
    SessionKey sub = subOf(withSubagents().getKey());
    FileBackend raw = new FileBackend(dir);
    raw.start();
    raw.delete(sub, io.sessionstore.spi.StorageBackend.ANY_VERSION);
    raw.close();
    try (SessionStore other = SessionStore.builder().backend(new FileBackend(dir)).build()) {
      importAgain(other, "other");
      assertEquals(lines(transcripts().get(sub)), stored(other, sub));
    }
  }

  /**
   * A session deleted and imported again from a copy that lacks one sub-agent's file comes back at
   * the version, message count and creation time the state remembers; the next import with the
   * state still stores the missing sub-transcript.
   */
  @Test
  void aSessionRecreatedAtTheRememberedVersionHasItsSubTranscriptsChecked() throws IOException {
    importAgain();
    SessionKey main = withSubagents().getKey();
    SessionKey sub = subOf(main);
    store.deleteSession(main);
    Path partial = tmp.resolve("partial");
    try (Stream<Path> walk = Files.walk(projects)) {
      for (Path f : walk.toList()) {
        Path to = partial.resolve(projects.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    Files.delete(partial.resolve(projects.relativize(transcripts().get(sub)).toString()));
    new ClaudeCode(store, List.of("claude"), tmp.resolve("claude-config"))
        .importTranscripts(partial, ProgressListener.NONE);
    importAgain();
    assertEquals(lines(transcripts().get(sub)), stored(store, sub));
  }

  @Test
  void onlyAnImportThatRanToItsEndWithTheStoreUnchangedRemembersTheToken() {
    TranscriptImporter importer = new TranscriptImporter(store, ImportState.EMPTY, "t1");
    assertTrue(importer.state(true, "t1").storeUnchanged("t1"));
    // It wrote, or another writer did meanwhile: its sessions may not be as the store holds them.
    assertFalse(importer.state(true, "t2").storeUnchanged("t1"));
    assertFalse(importer.state(true, "t2").storeUnchanged("t2"));
    // Cut short: the sessions it did not reach are an earlier import's, checked against another
    // store.
    assertFalse(importer.state(false, "t1").storeUnchanged("t1"));
    assertFalse(
        new TranscriptImporter(store, ImportState.EMPTY, null)
            .state(true, null)
            .storeUnchanged(null));
  }

  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void sessionsLargerThanWhatAnImportMayHoldAtOnceAreImportedOneAtATime() throws IOException {
    OverlapBackend backend = new OverlapBackend(tmp.resolve("watched"));
    try (SessionStore watched = SessionStore.builder().backend(backend).build()) {
      // 1 KiB, less than any session's files: each waits for all of it, and goes on alone.
      TranscriptImportResult small =
          new TranscriptImporter(watched, ImportState.EMPTY, null, new Semaphore(1))
              .importProjects(projects, ProgressListener.NONE)
              .result();
      assertEquals(1, backend.mostAtOnce.get(), "sessions whose commits overlapped");
      for (Map.Entry<SessionKey, Path> f : transcripts().entrySet()) {
        assertEquals(lines(f.getValue()), stored(watched, f.getKey()), f.getKey().toString());
      }
      assertEquals(report(importWhole(store)), report(small));
    }
  }

  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void sessionsWhoseFilesAreAsRememberedDoNotWaitForWhatAnImportMayHold() {
    ImportState remembered =
        new TranscriptImporter(store, ImportState.EMPTY, null)
            .importProjects(projects, ProgressListener.NONE)
            .state(true, null);
    // Fair, as the importer's own: a request queues behind those waiting.
    Semaphore holding = new Semaphore(1, true);
    TranscriptImporter again = new TranscriptImporter(store, remembered, null, holding);
    // Held by a session being read, and waited for by a large one: any session that reads, or
    // that asks for its share at all, waits until the end of the test.
    holding.acquireUninterruptibly();
    Thread large = new Thread(() -> holding.acquireUninterruptibly(1));
    large.setDaemon(true);
    large.start();
    while (!holding.hasQueuedThreads()) {
      Thread.onSpinWait();
    }
    TranscriptImportResult r = again.importProjects(projects, ProgressListener.NONE).result();
    assertEquals(0, r.filesRead());
    assertEquals(report(importWhole(store)), report(r));
    holding.release();
  }

  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void noSessionWaitingForWhatAnImportMayHoldStartsAfterAFailure() throws IOException {
    SessionKey failing =
        transcripts().keySet().stream()
            .filter(k -> !k.isSubpath())
            .min(Comparator.comparing(SessionKey::project).thenComparing(SessionKey::sessionId))
            .orElseThrow();
    List<SessionKey> committed = java.util.Collections.synchronizedList(new ArrayList<>());
    ForwardingBackend backend =
        new FailingBackend(tmp.resolve("broken"), failing) {
          @Override
          public void commit(io.sessionstore.spi.Commit commit) {
            committed.add(commit.head().key().main());
            super.commit(commit);
          }
        };
    try (SessionStore broken = SessionStore.builder().backend(backend).build()) {
      // The first session fails while the others wait for the whole of a 1 KiB budget.
      TranscriptImporter importer =
          new TranscriptImporter(broken, ImportState.EMPTY, null, new Semaphore(1));
      org.junit.jupiter.api.Assertions.assertThrows(
          io.sessionstore.api.BackendUnavailableException.class,
          () -> importer.importProjects(projects, ProgressListener.NONE));
    }
    assertEquals(failing, committed.get(committed.size() - 1), committed.toString());
  }

  /**
   * A file backend whose commits take a while, and that counts the most sessions with a commit
   * under way at once.
   */
  private static final class OverlapBackend extends ForwardingBackend {
    final AtomicInteger mostAtOnce = new AtomicInteger();
    private final Map<SessionKey, Integer> committing = new HashMap<>();

    OverlapBackend(Path dir) {
      super(new FileBackend(dir));
    }

    @Override
    public void commit(io.sessionstore.spi.Commit commit) {
      SessionKey session = commit.head().key().main();
      synchronized (committing) {
        committing.merge(session, 1, Integer::sum);
        mostAtOnce.accumulateAndGet(committing.size(), Math::max);
      }
      try {
        Thread.sleep(20);
        super.commit(commit);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        synchronized (committing) {
          committing.computeIfPresent(session, (k, n) -> n == 1 ? null : n - 1);
        }
      }
    }
  }

  @Test
  void aStateRememberedForAnotherStoreIsNotTrusted() throws IOException {
    importAgain();
    // The same name, so the same state file: the other store's heads do not match it.
    try (SessionStore other = open("other")) {
      TranscriptImportResult r = importAgain(other, "the store");
      assertEquals(r.files(), r.filesRead());
      for (Map.Entry<SessionKey, Path> f : transcripts().entrySet()) {
        assertEquals(lines(f.getValue()), stored(other, f.getKey()), f.getKey().toString());
      }
    }
  }
}
