package io.sessionstore.hardening.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.hardening.fuzz.HostileJson.Kind;
import io.sessionstore.hardening.fuzz.HostileJson.Line;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.PropagationMode;

/**
 * Messages from every write path — {@code saveSession}/{@code appendMessages} and the CLI's {@code
 * save}/{@code append} — with generated lines: each call is either accepted, and then read back
 * byte-exact with the whole store still usable (list, search, export and import into a second store
 * round-trip the session), or refused with {@code InvalidInputException} (CLI: exit 2, one line)
 * and nothing stored changed. Never exit 1 or 3, never an unchecked exception that is not the
 * API's.
 */
@AddLifecycleHook(value = Level.Hook.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class MessageFuzzTest {
  private static final Fuzz.Tally API = new Fuzz.Tally("messages (API save/append)");
  private static final Fuzz.Tally CLI = new Fuzz.Tally("messages (CLI save/append)");
  static final List<String> SEED =
      List.of(
          "{\"type\":\"user\",\"uuid\":\"seed-1\",\"message\":{\"role\":\"user\",\"content\":\"hello\"},"
              + "\"timestamp\":\"2026-11-01T10:00:00Z\"}",
          "{\"type\":\"assistant\",\"uuid\":\"seed-2\",\"message\":{\"id\":\"msg_1\",\"content\":[]}}");

  @AfterContainer
  static void summary() {
    API.print();
    CLI.print();
  }

  private static Arbitrary<List<Line>> batches(HostileJson.Family family) {
    Arbitrary<Line> rawSurrogate =
        Arbitraries.of("{\"a\":\"\ud800\"}", "{\"a\":\"x\udc00\"}", "{\"\ud83c\":1}")
            .map(t -> new Line(Kind.HOSTILE, t));
    // Java strings with an unpaired surrogate have no UTF-8 form: only the API can be handed one
    Arbitrary<Line> line =
        family == HostileJson.Family.STRINGS
            ? Arbitraries.frequencyOf(
                Tuple.of(12, HostileJson.lines(family)), Tuple.of(1, rawSurrogate))
            : HostileJson.lines(family);
    return line.list().ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<List<Line>> numbers() {
    return batches(HostileJson.Family.NUMBERS);
  }

  @Provide
  Arbitrary<List<Line>> strings() {
    return batches(HostileJson.Family.STRINGS);
  }

  @Provide
  Arbitrary<List<Line>> times() {
    return batches(HostileJson.Family.TIMES);
  }

  @Provide
  Arbitrary<List<Line>> depth() {
    return batches(HostileJson.Family.DEPTH);
  }

  @Provide
  Arbitrary<List<Line>> spacing() {
    return batches(HostileJson.Family.SPACING);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 30, longRun = 800)
  void apiOddNumbers(@ForAll("numbers") List<Line> batch, @ForAll boolean append) throws Throwable {
    apiCallIsAcceptedWholeOrRefusedWhole(batch, append);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 30, longRun = 800)
  void apiOddStrings(@ForAll("strings") List<Line> batch, @ForAll boolean append) throws Throwable {
    apiCallIsAcceptedWholeOrRefusedWhole(batch, append);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 20, longRun = 400)
  void apiOddTimestamps(@ForAll("times") List<Line> batch, @ForAll boolean append)
      throws Throwable {
    apiCallIsAcceptedWholeOrRefusedWhole(batch, append);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 20, longRun = 400)
  void apiDeepNesting(@ForAll("depth") List<Line> batch, @ForAll boolean append) throws Throwable {
    apiCallIsAcceptedWholeOrRefusedWhole(batch, append);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 20, longRun = 400)
  void apiOddSpacingAndInvalidLines(@ForAll("spacing") List<Line> batch, @ForAll boolean append)
      throws Throwable {
    apiCallIsAcceptedWholeOrRefusedWhole(batch, append);
  }

  /**
   * One save or append call of a batch: accepted whole and usable, or refused whole with nothing
   * changed.
   */
  static void apiCallIsAcceptedWholeOrRefusedWhole(List<Line> batch, boolean append)
      throws Throwable {
    API.check(
        () -> {
          Path dir = Fuzz.tempDir("msg");
          try (SessionStore store = Fuzz.fileStore(dir)) {
            SessionKey seed = SessionKey.of("p", "seed");
            store.saveSession(seed, SEED.stream().map(Message::of).toList());
            SessionKey key = append ? seed : SessionKey.of("p", "new");
            List<Message> messages = batch.stream().map(l -> Message.of(l.text())).toList();
            String before = Fuzz.snapshot(store);
            boolean accepted;
            try {
              Fuzz.within(
                  60,
                  "save/append",
                  () ->
                      append
                          ? store.appendMessages(key, messages)
                          : store.saveSession(key, messages));
              accepted = true;
            } catch (Throwable e) {
              Fuzz.assertApiException("batch " + batch, e, InvalidInputException.class);
              accepted = false;
            }
            Kind worst = worst(batch);
            if (!accepted) {
              assertTrue(worst != Kind.PLAIN, "ordinary messages were refused: " + batch);
              assertEquals(
                  before, Fuzz.snapshot(store), "a refused call changed the store: " + batch);
              return;
            }
            assertTrue(
                worst != Kind.INVALID, "a batch with an invalid line was accepted: " + batch);
            List<String> expected = new ArrayList<>(append ? SEED : List.of());
            batch.forEach(l -> expected.add(l.text()));
            assertUsable(store, key, expected, String.valueOf(batch));
          } finally {
            Fuzz.deleteTree(dir);
          }
        });
  }

  /** A line as the CLI reads it: bytes, with its terminator. */
  record CliLine(Kind kind, byte[] bytes, String terminator) {
    @Override
    public String toString() {
      return kind
          + ":"
          + Fuzz.show(new String(bytes, StandardCharsets.UTF_8))
          + Fuzz.show(terminator);
    }
  }

  @Provide
  Arbitrary<List<CliLine>> cliNumbers() {
    return cliBatches(HostileJson.lines(HostileJson.Family.NUMBERS));
  }

  @Provide
  Arbitrary<List<CliLine>> cliOthers() {
    return cliBatches(
        Arbitraries.oneOf(
            HostileJson.lines(HostileJson.Family.STRINGS),
            HostileJson.lines(HostileJson.Family.TIMES),
            HostileJson.lines(HostileJson.Family.DEPTH),
            HostileJson.lines(HostileJson.Family.SPACING)));
  }

  private static Arbitrary<List<CliLine>> cliBatches(Arbitrary<Line> lines) {
    Arbitrary<String> terminator = Arbitraries.of("\n", "\r\n");
    // An input whose first character is '[' is the one-JSON-array form of save and append (tested
    // in CliTest and MessagesTest): "[]" alone is a valid empty batch there, not an invalid line.
    Arbitrary<CliLine> text =
        net.jqwik.api.Combinators.combine(
                lines.filter(l -> !l.text().strip().startsWith("[")), terminator)
            .as((l, t) -> new CliLine(l.kind(), Fuzz.utf8(l.text()), t));
    // bytes that are not UTF-8: 0xff, an overlong '/', an encoded surrogate (CESU-8), a cut
    // character
    Arbitrary<byte[]> badUtf8 =
        Arbitraries.of(
            new byte[] {(byte) 0xff},
            new byte[] {(byte) 0xc0, (byte) 0xaf},
            new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
            new byte[] {(byte) 0xe6, (byte) 0x97});
    Arbitrary<CliLine> bytes =
        net.jqwik.api.Combinators.combine(badUtf8, terminator)
            .as(
                (b, t) -> {
                  ByteArrayOutputStream line = new ByteArrayOutputStream();
                  line.writeBytes(Fuzz.utf8("{\"type\":\"user\",\"a\":\""));
                  line.writeBytes(b);
                  line.writeBytes(Fuzz.utf8("\"}"));
                  return new CliLine(Kind.INVALID, line.toByteArray(), t);
                });
    return Arbitraries.frequencyOf(Tuple.of(10, text), Tuple.of(1, bytes))
        .list()
        .ofMinSize(1)
        .ofMaxSize(4);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 25, longRun = 800)
  void cliOddNumbers(
      @ForAll("cliNumbers") List<CliLine> batch,
      @ForAll boolean append,
      @ForAll boolean bom,
      @ForAll boolean lastTerminated)
      throws Throwable {
    cliSaveOrAppendExitsZeroWithExactBytesOrTwoWithNothingChanged(
        batch, append, bom, lastTerminated);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 50, longRun = 1500)
  void cliOddStringsTimesDepthAndInvalidLines(
      @ForAll("cliOthers") List<CliLine> batch,
      @ForAll boolean append,
      @ForAll boolean bom,
      @ForAll boolean lastTerminated)
      throws Throwable {
    cliSaveOrAppendExitsZeroWithExactBytesOrTwoWithNothingChanged(
        batch, append, bom, lastTerminated);
  }

  static void cliSaveOrAppendExitsZeroWithExactBytesOrTwoWithNothingChanged(
      List<CliLine> batch, boolean append, boolean bom, boolean lastTerminated) throws Throwable {
    CLI.check(
        () -> {
          Path dir = Fuzz.tempDir("msgcli");
          try {
            Fuzz.cli(
                    dir,
                    Fuzz.utf8(String.join("\n", SEED) + "\n"),
                    "--project",
                    "p",
                    "save",
                    "seed")
                .zeroOrTwo("seeding");
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            if (bom) {
              in.writeBytes(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
            }
            for (int i = 0; i < batch.size(); i++) {
              in.writeBytes(batch.get(i).bytes());
              if (i < batch.size() - 1 || lastTerminated) {
                in.writeBytes(Fuzz.utf8(batch.get(i).terminator()));
              }
            }
            String id = append ? "seed" : "new";
            String before = Fuzz.snapshot(dir);
            Fuzz.Cli r =
                Fuzz.within(
                        60,
                        "cli",
                        () ->
                            Fuzz.cli(
                                dir,
                                in.toByteArray(),
                                "--project",
                                "p",
                                append ? "append" : "save",
                                id))
                    .zeroOrTwo("batch " + batch);
            Kind worst = batch.stream().map(CliLine::kind).max(Enum::compareTo).orElseThrow();
            if (r.code() == 2) {
              assertTrue(
                  worst != Kind.PLAIN, "ordinary messages were refused: " + batch + ": " + r.err());
              assertEquals(1, r.err().strip().lines().count(), "not one line: " + r.err());
              assertEquals(
                  before, Fuzz.snapshot(dir), "a refused call changed the store: " + batch);
              return;
            }
            assertTrue(
                worst != Kind.INVALID, "a batch with an invalid line was accepted: " + batch);
            List<String> expected = new ArrayList<>(append ? SEED : List.of());
            batch.forEach(l -> expected.add(new String(l.bytes(), StandardCharsets.UTF_8)));
            Fuzz.Cli shown = Fuzz.cli(dir, new byte[0], "--project", "p", "show", id);
            assertEquals(0, shown.code(), shown.err());
            assertEquals(
                String.join("\n", expected) + "\n", shown.out(), "show is not the input: " + batch);
            try (SessionStore store = Fuzz.fileStore(dir)) {
              assertUsable(store, SessionKey.of("p", id), expected, String.valueOf(batch));
            }
          } finally {
            Fuzz.deleteTree(dir);
          }
        });
  }

  static Kind worst(List<Line> batch) {
    return batch.stream().map(Line::kind).max(Enum::compareTo).orElseThrow();
  }

  /**
   * The session reads back byte-exact and the store stays usable: metadata, list, search, and an
   * export imported into a second store gives the same session back, byte for byte.
   */
  static void assertUsable(SessionStore store, SessionKey key, List<String> expected, String input)
      throws Throwable {
    assertEquals(expected, Fuzz.texts(store, key), "not read back byte-exact: " + input);
    SessionMetadata meta =
        store.getMetadata(key).orElseThrow(() -> new AssertionError("no metadata: " + input));
    assertEquals(expected.size(), meta.messageCount(), "messageCount: " + input);
    assertTrue(
        Fuzz.allSessions(store).stream()
            .anyMatch(
                m -> m.project().equals(key.project()) && m.sessionId().equals(key.sessionId())),
        "not listed: " + input);
    store.search(SearchQuery.in(Scope.allProjects()).text("hello").build());
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    Fuzz.within(
        60,
        "export",
        () -> store.exportSessions(SearchQuery.in(Scope.allProjects()).build(), archive));
    Path second = Fuzz.tempDir("msg-import");
    try (SessionStore target = Fuzz.fileStore(second)) {
      ImportResult r =
          Fuzz.within(
              60,
              "import",
              () ->
                  target.importSessions(
                      new ByteArrayInputStream(archive.toByteArray()), ImportOptions.DEFAULTS));
      assertEquals(List.of(), r.rejected(), "its own export was not imported whole: " + input);
      assertEquals(
          expected, Fuzz.texts(target, key), "export + import did not round-trip: " + input);
      assertEquals(
          Fuzz.snapshotWithoutVolatile(store),
          Fuzz.snapshotWithoutVolatile(target),
          "export + import changed a session: " + input);
    } finally {
      Fuzz.deleteTree(second);
    }
  }
}
