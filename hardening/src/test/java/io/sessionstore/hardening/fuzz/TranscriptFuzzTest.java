package io.sessionstore.hardening.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.hardening.fuzz.HostileJson.Kind;
import io.sessionstore.tck.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.PropagationMode;

/**
 * Claude Code transcripts ({@code import-claude} on a generated {@code
 * projects/<folder>/<id>.jsonl} tree): every valid, finished line of a file lands byte-exact in
 * session {@code <id>} of project {@code <folder>}, every invalid line is reported (exit 2) and
 * skipped, a file without a valid line creates no session, a file whose name is not a valid session
 * id stores nothing. And {@code append}, {@code record} and {@code import-claude} agree on a line
 * that starts with byte order marks.
 */
@AddLifecycleHook(value = Level.Hook.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class TranscriptFuzzTest {
  private static final Fuzz.Tally TREES = new Fuzz.Tally("transcripts (import-claude trees)");
  private static final Fuzz.Tally BOMS =
      new Fuzz.Tally("transcripts (BOM agreement of append, record, import-claude)");

  private static List<String> realLines;

  @AfterContainer
  static void summary() {
    TREES.print();
    BOMS.print();
  }

  static synchronized List<String> realLines() {
    if (realLines == null) {
      List<String> all = new ArrayList<>();
      for (String f : Fixtures.jsonLinesFiles()) {
        if (f.startsWith("claude-projects/")) {
          all.addAll(Fixtures.lines(f));
        }
      }
      realLines = List.copyOf(all.subList(0, Math.min(all.size(), 60)));
    }
    return realLines;
  }

  /** A transcript line: valid (a real one, or an ordinary generated one), blank, or invalid. */
  record TLine(Kind kind, String text) {
    @Override
    public String toString() {
      return kind + ":" + Fuzz.show(text);
    }
  }

  /**
   * One transcript file: its folder and name (without {@code .jsonl}), lines, a BOM, a finished
   * last line.
   */
  record TFile(String folder, String name, List<TLine> lines, boolean bom, boolean lastFinished) {
    @Override
    public String toString() {
      return Fuzz.show(folder)
          + "/"
          + Fuzz.show(name)
          + ".jsonl"
          + (bom ? " BOM" : "")
          + (lastFinished ? "" : " (last line unfinished)")
          + " "
          + lines;
    }

    /** The lines import must store: valid ones, the last only when finished. */
    List<String> expected() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).kind() == Kind.PLAIN && (i < lines.size() - 1 || lastFinished)) {
          out.add(lines.get(i).text());
        }
      }
      return out;
    }

    boolean hasFinishedInvalidLine() {
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).kind() == Kind.INVALID && (i < lines.size() - 1 || lastFinished)) {
          return true;
        }
      }
      return false;
    }
  }

  static final List<String> FOLDERS =
      List.of(
          "-tmp-workspace",
          "-home-me-repo",
          "proj with space",
          "日本語",
          "%41",
          "A",
          "a",
          "-" + "x".repeat(200) + "-1abc");

  /** Valid session ids, and names that are not (they must store nothing). */
  static final List<String> GOOD_NAMES =
      List.of(
          "5f7c6a1e-0000-4000-8000-000000000001",
          "s",
          "S",
          "with space",
          "%2e%2e",
          "uni-日本-🎉",
          "-leading-dash",
          "x".repeat(240),
          "a.b",
          "café");

  static final List<String> BAD_NAMES =
      List.of(
          " lead",
          "trail ",
          "ctl\u0001x",
          ".sessionstore-x",
          "x\u2028y",
          "c1\u0085x",
          "c1\u009bx",
          "nbsp\u00a0");

  /**
   * Trees in which every file has a valid finished line (a file without one is checked on its own
   * below).
   */
  @Provide
  Arbitrary<List<TFile>> trees() {
    return anyTrees().filter(t -> t.stream().allMatch(f -> !f.expected().isEmpty()));
  }

  /**
   * Trees of files that have no valid finished line: blank, invalid, or only an unfinished last
   * line.
   */
  @Provide
  Arbitrary<List<TFile>> treesWithoutValidLines() {
    return anyTrees().filter(t -> t.stream().allMatch(f -> f.expected().isEmpty()));
  }

  private Arbitrary<List<TFile>> anyTrees() {
    Arbitrary<TLine> line =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.of(realLines()).map(t -> new TLine(Kind.PLAIN, t))),
            Tuple.of(2, HostileJson.plain().map(t -> new TLine(Kind.PLAIN, t))),
            Tuple.of(3, HostileJson.invalid().map(t -> new TLine(Kind.INVALID, t))),
            Tuple.of(1, Arbitraries.of("", "  ", "\t").map(t -> new TLine(Kind.HOSTILE, t))));
    Arbitrary<String> name =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.of(GOOD_NAMES)), Tuple.of(1, Arbitraries.of(BAD_NAMES)));
    Arbitrary<TFile> file =
        Combinators.combine(
                Arbitraries.of(FOLDERS),
                name,
                line.list().ofMinSize(1).ofMaxSize(6),
                Arbitraries.of(false, false, true),
                Arbitraries.of(true, true, true, false))
            .as(TFile::new);
    return file.list().ofMinSize(1).ofMaxSize(4).uniqueElements(f -> f.folder() + "/" + f.name());
  }

  static boolean validName(String name) {
    try {
      SessionKey.checkName("session id", name);
    } catch (InvalidInputException e) {
      return false;
    }
    return !BAD_NAMES.contains(name);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 40, longRun = 1000)
  void importClaudeStoresExactlyTheValidFinishedLines(@ForAll("trees") List<TFile> tree)
      throws Throwable {
    TREES.check(
        () -> {
          Path dir = Fuzz.tempDir("transcripts");
          try {
            Path projects = dir.resolve("projects");
            for (TFile f : tree) {
              Path folder = Files.createDirectories(projects.resolve(f.folder()));
              ByteArrayOutputStream b = new ByteArrayOutputStream();
              if (f.bom()) {
                b.writeBytes(Fuzz.utf8("\ufeff"));
              }
              for (int i = 0; i < f.lines().size(); i++) {
                b.writeBytes(Fuzz.utf8(f.lines().get(i).text()));
                if (i < f.lines().size() - 1 || f.lastFinished()) {
                  b.writeBytes(Fuzz.utf8("\n"));
                }
              }
              Files.write(folder.resolve(f.name() + ".jsonl"), b.toByteArray());
            }
            Path store = dir.resolve("store");
            Fuzz.Cli r =
                Fuzz.within(
                        60,
                        "import-claude",
                        () -> Fuzz.cli(store, new byte[0], "import-claude", projects.toString()))
                    .zeroOrTwo("import-claude " + tree);
            boolean anyInvalid =
                tree.stream().anyMatch(f -> validName(f.name()) && f.hasFinishedInvalidLine());
            if (anyInvalid) {
              assertEquals(
                  2,
                  r.code(),
                  "an invalid line was not reported: " + tree + ": " + r.out() + r.err());
            }
            boolean anyBadName = tree.stream().anyMatch(f -> !validName(f.name()));
            if (!anyInvalid && !anyBadName) {
              assertEquals(0, r.code(), "nothing was wrong: " + tree + ": " + r.err());
            }
            Map<SessionKey, List<String>> expected = new LinkedHashMap<>();
            for (TFile f : tree) {
              if (validName(f.name()) && !f.expected().isEmpty()) {
                expected.put(SessionKey.of(f.folder(), f.name()), f.expected());
              }
            }
            Map<SessionKey, List<String>> got = new LinkedHashMap<>();
            try (SessionStore s = Fuzz.fileStore(store)) {
              for (SessionMetadata m : Fuzz.allSessions(s)) {
                SessionKey k = SessionKey.of(m.project(), m.sessionId());
                got.put(k, Fuzz.texts(s, k));
                assertEquals(m.messageCount(), got.get(k).size(), "messageCount of " + k);
              }
            }
            for (Map.Entry<SessionKey, List<String>> e : got.entrySet()) {
              assertFalse(
                  e.getValue().isEmpty(),
                  "an empty session was created for " + e.getKey() + ": " + tree);
            }
            assertEquals(
                expected, got, "the stored sessions are not the valid finished lines: " + tree);
            // importing again changes nothing
            String before = Fuzz.snapshot(store);
            Fuzz.within(
                    60,
                    "import-claude again",
                    () -> Fuzz.cli(store, new byte[0], "import-claude", projects.toString()))
                .zeroOrTwo("import-claude again " + tree);
            assertEquals(
                before, Fuzz.snapshot(store), "a second import changed the store: " + tree);
          } finally {
            Fuzz.deleteTree(dir);
          }
        });
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 15, longRun = 300)
  void aFileWithoutAValidLineCreatesNoSession(@ForAll("treesWithoutValidLines") List<TFile> tree)
      throws Throwable {
    importClaudeStoresExactlyTheValidFinishedLines(tree);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 16, longRun = 200)
  void appendRecordAndImportClaudeAgreeOnByteOrderMarks(
      @ForAll @IntRange(min = 0, max = 3) int boms,
      @ForAll boolean onSecondLine,
      @ForAll boolean crlf)
      throws Throwable {
    BOMS.check(
        () -> {
          String message =
              "{\"type\":\"user\",\"uuid\":\"b1\",\"message\":{\"role\":\"user\",\"content\":\"bom\"}}";
          String first =
              "{\"type\":\"user\",\"uuid\":\"b0\",\"message\":{\"role\":\"user\",\"content\":\"first\"}}";
          String eol = crlf ? "\r\n" : "\n";
          String input = (onSecondLine ? first + eol : "") + "\ufeff".repeat(boms) + message + eol;
          String what =
              boms + " BOMs" + (onSecondLine ? " on line 2" : " on line 1") + (crlf ? " CRLF" : "");
          Path dir = Fuzz.tempDir("bom");
          try {
            Path store = dir.resolve("store");
            Fuzz.Cli append =
                Fuzz.cli(store, Fuzz.utf8(input), "--project", "p", "append", "by-append")
                    .zeroOrTwo("append " + what);
            Fuzz.Cli record =
                Fuzz.within(
                        60,
                        "record",
                        () ->
                            Fuzz.cli(
                                store,
                                Fuzz.utf8(input),
                                "--project",
                                "p",
                                "record",
                                "--id",
                                "by-record"))
                    .zeroOrTwo("record " + what);
            Path projects = dir.resolve("projects");
            Files.createDirectories(projects.resolve("p"));
            Files.write(projects.resolve("p").resolve("by-import.jsonl"), Fuzz.utf8(input));
            Fuzz.Cli imported =
                Fuzz.within(
                        60,
                        "import-claude",
                        () -> Fuzz.cli(store, new byte[0], "import-claude", projects.toString()))
                    .zeroOrTwo("import-claude " + what);
            List<String> byAppend;
            List<String> byRecord;
            List<String> byImport;
            try (SessionStore s = Fuzz.fileStore(store)) {
              byAppend = Fuzz.textsOrNone(s, SessionKey.of("p", "by-append"));
              byRecord = Fuzz.textsOrNone(s, SessionKey.of("p", "by-record"));
              byImport = Fuzz.textsOrNone(s, SessionKey.of("p", "by-import"));
            }
            // append is atomic and record skips a bad line, so compare whether the BOM line got in,
            // and as what
            String bomLine = "\ufeff".repeat(boms) + message;
            String a = verdict(byAppend, bomLine, message, append.code());
            String rec = verdict(byRecord, bomLine, message, record.code());
            String imp = verdict(byImport, bomLine, message, imported.code());
            assertEquals(
                a,
                rec,
                what
                    + ": append and record disagree; append "
                    + append.err()
                    + " record "
                    + record.err());
            assertEquals(
                a,
                imp,
                what + ": append and import-claude disagree; import-claude " + imported.err());
            if (boms == 0 || (boms == 1 && !onSecondLine)) {
              assertEquals(
                  "stored without BOM",
                  a,
                  what + ": a plain line or a first-line BOM must be accepted");
            }
          } finally {
            Fuzz.deleteTree(dir);
          }
        });
  }

  private static String verdict(List<String> stored, String bomLine, String message, int code) {
    if (stored.contains(message)) {
      return "stored without BOM";
    }
    if (stored.contains(bomLine)) {
      return "stored with its BOMs";
    }
    if (stored.stream().anyMatch(t -> t.endsWith(message))) {
      return "stored with some BOMs";
    }
    return "refused (exit " + code + ")";
  }
}
