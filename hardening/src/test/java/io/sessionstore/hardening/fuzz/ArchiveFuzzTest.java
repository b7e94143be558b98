package io.sessionstore.hardening.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.PropagationMode;

/**
 * Archives ({@code importSessions} and the CLI's {@code import}): a valid archive exported by the
 * store, mutated — cut at any byte, a byte flipped, a hostile line inserted — then given plain,
 * gzipped, gzipped and cut, split into several gzip members, or gzipped with a byte flipped. Every
 * import finishes (a watchdog stops a hang), ends in a result or an {@code InvalidInputException}
 * (CLI: exit 0 or 2, with one-line errors), stores every session whose line is intact exactly as it
 * was exported, stores nothing of a line that was cut, and leaves a session that was already stored
 * alone.
 */
@AddLifecycleHook(value = Level.Hook.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class ArchiveFuzzTest {
  private static final Fuzz.Tally API = new Fuzz.Tally("archives (API importSessions)");
  private static final Fuzz.Tally CLI = new Fuzz.Tally("archives (CLI import)");
  private static final Fuzz.Tally HEADERS =
      new Fuzz.Tally("archives (headers and hostile session lines)");
  private static final SessionKey EXISTING = SessionKey.of("pre", "existing");

  /**
   * The source archive: its bytes, the byte range of each line, and the key and print of each
   * session.
   */
  record Source(
      byte[] bytes, List<int[]> lines, List<SessionKey> keys, Map<SessionKey, String> prints) {}

  private static Source source;

  @AfterContainer
  static void summary() {
    API.print();
    CLI.print();
    HEADERS.print();
  }

  static synchronized Source source() {
    if (source != null) {
      return source;
    }
    Path dir = Fuzz.tempDir("archive-src");
    try (SessionStore store = Fuzz.fileStore(dir)) {
      SessionKey a = SessionKey.of("p", "a");
      store.saveSession(
          a,
          List.of(Message.of(MessageFuzzTest.SEED.get(0)), Message.of(MessageFuzzTest.SEED.get(1))),
          SaveOptions.tags("t1", "t2").withSummary("first"));
      store.saveSession(
          a.withSubpath("subagents/agent-1"), List.of(Message.of("{\"type\":\"user\",\"n\":1e2}")));
      store.saveSession(
          SessionKey.of("p", "b"),
          List.of(
              Message.of("{\"type\":\"result\",\"total_cost_usd\":0.5," + "\"num_turns\":2}"),
              Message.of("{\"type\":\"user\",\"s\":\"caf\\u00e9 日本 \\/\"}")));
      store.saveSession(
          SessionKey.of("q", "c d"), List.of(Message.of("{\"type\":\"user\",\"uuid\":\"u\"}")));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.exportSessions(SearchQuery.in(Scope.allProjects()).build(), out);
      byte[] bytes = out.toByteArray();
      List<int[]> lines = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] == '\n') {
          lines.add(new int[] {start, i});
          start = i + 1;
        }
      }
      if (start < bytes.length) {
        lines.add(new int[] {start, bytes.length});
      }
      List<SessionKey> keys = new ArrayList<>();
      keys.add(null); // the header
      for (int i = 1; i < lines.size(); i++) {
        var node =
            io.sessionstore.spi.Json.parseObject(
                new String(
                    bytes,
                    lines.get(i)[0],
                    lines.get(i)[1] - lines.get(i)[0],
                    java.nio.charset.StandardCharsets.UTF_8),
                "line");
        keys.add(SessionKey.of(node.get("project").textValue(), node.get("sessionId").textValue()));
      }
      Map<SessionKey, String> prints = new LinkedHashMap<>();
      for (SessionKey k : keys.subList(1, keys.size())) {
        prints.put(k, print(store, k));
      }
      source = new Source(bytes, lines, keys, prints);
      return source;
    } finally {
      Fuzz.deleteTree(dir);
    }
  }

  /** One session as import must reproduce it: everything but {@code version}. */
  static String print(SessionStore store, SessionKey key) {
    SessionMetadata m = store.getMetadata(key).orElseThrow();
    StringBuilder s =
        new StringBuilder(
            key
                + " created="
                + m.createdAt()
                + " updated="
                + m.updatedAt()
                + " tags="
                + m.tags()
                + " summary="
                + m.summary()
                + " count="
                + m.messageCount()
                + " subpaths="
                + m.subpaths()
                + "\n");
    Fuzz.texts(store, key).forEach(t -> s.append("  ").append(t).append('\n'));
    for (String sub : store.listSubpaths(key)) {
      s.append(" [").append(sub).append("]\n");
      Fuzz.texts(store, key.withSubpath(sub)).forEach(t -> s.append("  ").append(t).append('\n'));
    }
    return s.toString();
  }

  enum Mutation {
    NONE,
    TRUNCATE,
    FLIP,
    INSERT
  }

  enum Packing {
    PLAIN,
    GZIP,
    GZIP_TRUNCATED,
    GZIP_MEMBERS,
    GZIP_FLIP
  }

  /** A mutated archive, and what its mutation leaves intact. */
  record Case(Mutation mutation, int at, int xor, String inserted, Packing packing, int packAt) {
    @Override
    public String toString() {
      return mutation
          + "@"
          + at
          + (mutation == Mutation.FLIP ? "^" + xor : "")
          + (inserted == null ? "" : "[" + Fuzz.show(inserted) + "]")
          + " "
          + packing
          + "@"
          + packAt;
    }

    /** The archive's text after the mutation, before packing. */
    byte[] text(Source s) {
      byte[] b = s.bytes();
      return switch (mutation) {
        case NONE -> b.clone();
        case TRUNCATE -> Arrays.copyOf(b, at % (b.length + 1));
        case FLIP -> {
          byte[] c = b.clone();
          c[at % b.length] ^= (byte) xor;
          yield c;
        }
        case INSERT -> {
          int line = 1 + at % s.lines().size(); // after the header at least
          int pos = line >= s.lines().size() ? b.length : s.lines().get(line)[0];
          ByteArrayOutputStream o = new ByteArrayOutputStream();
          o.write(b, 0, pos);
          if (pos > 0 && b[pos - 1] != '\n') {
            o.write('\n');
          }
          o.writeBytes(Fuzz.utf8(inserted + "\n"));
          o.write(b, pos, b.length - pos);
          yield o.toByteArray();
        }
      };
    }

    /**
     * Indexes of the source lines (0 is the header) that the mutation leaves intact, line break
     * included.
     */
    Set<Integer> intact(Source s) {
      Set<Integer> ok = new HashSet<>();
      for (int i = 0; i < s.lines().size(); i++) {
        int[] r = s.lines().get(i);
        boolean keep =
            switch (mutation) {
              case NONE, INSERT -> true;
              case TRUNCATE -> r[1] <= at % (s.bytes().length + 1);
              case FLIP -> {
                int p = at % s.bytes().length;
                // the flipped line, and the next one when the flipped byte was the line break
                // between them
                boolean prevBreak = i > 0 && s.lines().get(i - 1)[1] == p;
                yield !(p >= r[0] && p <= r[1]) && !prevBreak;
              }
            };
        if (keep) {
          ok.add(i);
        }
      }
      return ok;
    }

    byte[] packed(Source s) {
      byte[] text = text(s);
      return switch (packing) {
        case PLAIN -> text;
        case GZIP -> gzip(text);
        case GZIP_TRUNCATED -> {
          byte[] g = gzip(text);
          yield Arrays.copyOf(g, packAt % g.length); // always cut short of the whole
        }
        case GZIP_FLIP -> {
          byte[] g = gzip(text);
          g[packAt % g.length] ^= (byte) (1 + packAt % 255);
          yield g;
        }
        case GZIP_MEMBERS -> {
          int cut = packAt % (text.length + 1);
          ByteArrayOutputStream o = new ByteArrayOutputStream();
          o.writeBytes(gzip(Arrays.copyOfRange(text, 0, cut)));
          o.writeBytes(gzip(Arrays.copyOfRange(text, cut, text.length)));
          yield o.toByteArray();
        }
      };
    }

    /** Whether the packing itself is damaged, so that a whole-archive refusal is right. */
    boolean damagedPacking() {
      return packing == Packing.GZIP_TRUNCATED || packing == Packing.GZIP_FLIP;
    }
  }

  static byte[] gzip(byte[] b) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(o)) {
      g.write(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return o.toByteArray();
  }

  /**
   * Session lines no import may store: bad names, out-of-range times, messages that are not
   * objects.
   */
  static final List<String> HOSTILE_LINES =
      List.of(
          session("\"p\"", "\"../escape\"", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "\"\"", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"a/b\"", "\"s\"", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "\"x\\u0000y\"", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "\"x\\u2028y\"", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "\"x\\u0085\"", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "\".sessionstore\"", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "\"h1\"", "\"+1000000000-01-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "\"h2\"", "\"-1000000000-01-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "\"h3\"", "1e1000", "[{\"a\":1}]"),
          session("\"p\"", "\"h4\"", "\"yesterday\"", "[{\"a\":1}]"),
          session("\"p\"", "\"h5\"", "99999999999999999999", "[{\"a\":1}]"),
          session("\"p\"", "\"h6\"", "\"2026-11-01T00:00:00Z\"", "[1]"),
          session("\"p\"", "\"h7\"", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1},\"text\"]"),
          session("\"p\"", "\"h8\"", "\"2026-11-01T00:00:00Z\"", "{\"a\":1}"),
          session("\"p\"", "\"h9\"", "\"2026-11-01T00:00:00Z\"", "[[]]"),
          session("1e1000", "\"h10\"", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "12", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          session("\"p\"", "null", "\"2026-11-01T00:00:00Z\"", "[{\"a\":1}]"),
          "{\"project\":\"p\",\"sessionId\":\"h11\",\"createdAt\":\"2026-11-01T00:00:00Z\",\"updatedAt\":"
              + "\"2026-11-01T00:00:00Z\",\"tags\":[\"\\u0001\"],\"messages\":[{\"a\":1}]}",
          "{\"project\":\"p\",\"sessionId\":\"h12\",\"createdAt\":\"2026-11-01T00:00:00Z\",\"updatedAt\":"
              + "\"2026-11-01T00:00:00Z\",\"tags\":[],\"messages\":[{\"a\":1}],\"subpaths\":{\"../x\":[{\"a\":1}]}}",
          "{\"project\":\"p\",\"sessionId\":\"h13\",\"createdAt\":\"2026-11-01T00:00:00Z\",\"updatedAt\":"
              + "\"2026-11-01T00:00:00Z\",\"tags\":[],\"messages\":[{\"a\":1}],\"attributes\":{\"sessionstore.x\":\"y\"}}",
          "{\"project\":\"p\",\"sessionId\":\"h14\",\"createdAt\":\"2026-11-01T00:00:00Z\",\"updatedAt\":"
              + "\"2026-11-01T00:00:00Z\",\"tags\":[],\"messages\":[{\"a\":\"\\ud800\"}],\"subpaths\":{\"s\":{}}}",
          "{\"format\":\"sessionstore-archive\",\"version\":1}",
          "{\"project\":\"p\"",
          "[]",
          "1e1000",
          "\"x\"",
          "{\"a\":" + "[".repeat(100_000));

  static String session(String project, String id, String time, String messages) {
    return "{\"project\":"
        + project
        + ",\"sessionId\":"
        + id
        + ",\"createdAt\":"
        + time
        + ",\"updatedAt\":"
        + time
        + ",\"tags\":[],\"messages\":"
        + messages
        + "}";
  }

  private static Arbitrary<Case> cases(Arbitrary<Packing> packing) {
    Arbitrary<Mutation> mutation = Arbitraries.of(Mutation.class);
    Arbitrary<Integer> at = Arbitraries.integers().between(0, 1_000_000);
    return Combinators.combine(
            mutation,
            at,
            Arbitraries.integers().between(1, 255),
            Arbitraries.of(HOSTILE_LINES),
            packing,
            at)
        .as((m, a, x, line, p, pa) -> new Case(m, a, x, m == Mutation.INSERT ? line : null, p, pa));
  }

  @Provide
  Arbitrary<Case> plainCases() {
    return cases(Arbitraries.just(Packing.PLAIN));
  }

  @Provide
  Arbitrary<Case> gzipCases() {
    return cases(
        Arbitraries.of(
            Packing.GZIP,
            Packing.GZIP_TRUNCATED,
            Packing.GZIP_TRUNCATED,
            Packing.GZIP_MEMBERS,
            Packing.GZIP_FLIP));
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 60, longRun = 1500)
  void apiImportOfAMutatedPlainArchive(@ForAll("plainCases") Case c) throws Throwable {
    apiImportOfAMutatedArchive(c);
  }

  /** Not shrunk: a case that hangs would cost the watchdog's bound at every shrinking step. */
  @Property(shrinking = ShrinkingMode.OFF)
  @Level(quick = 40, longRun = 1500)
  void apiImportOfAMutatedGzipArchive(@ForAll("gzipCases") Case c) throws Throwable {
    apiImportOfAMutatedArchive(c);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 30, longRun = 800)
  void cliImportOfAMutatedPlainArchive(@ForAll("plainCases") Case c, @ForAll boolean fromStdin)
      throws Throwable {
    cliImportOfAMutatedArchive(c, fromStdin);
  }

  /** Not shrunk: a case that hangs would cost the watchdog's bound at every shrinking step. */
  @Property(shrinking = ShrinkingMode.OFF)
  @Level(quick = 30, longRun = 800)
  void cliImportOfAMutatedGzipArchive(@ForAll("gzipCases") Case c, @ForAll boolean fromStdin)
      throws Throwable {
    cliImportOfAMutatedArchive(c, fromStdin);
  }

  static void apiImportOfAMutatedArchive(Case c) throws Throwable {
    API.check(
        () -> {
          Source s = source();
          Path dir = Fuzz.tempDir("archive");
          try (SessionStore store = Fuzz.fileStore(dir)) {
            store.saveSession(EXISTING, List.of(Message.of("{\"type\":\"user\",\"keep\":true}")));
            String existing = print(store, EXISTING);
            ImportResult r = null;
            try {
              r =
                  Fuzz.within(
                      15,
                      "import " + c,
                      () ->
                          store.importSessions(
                              new ByteArrayInputStream(c.packed(s)), ImportOptions.DEFAULTS));
            } catch (Throwable e) {
              Fuzz.assertApiException("import " + c, e, InvalidInputException.class);
            }
            checkStored(c, s, store, existing, r != null, r == null ? -1 : r.rejected().size());
          } finally {
            Fuzz.deleteTree(dir);
          }
        });
  }

  static void cliImportOfAMutatedArchive(Case c, boolean fromStdin) throws Throwable {
    CLI.check(
        () -> {
          Source s = source();
          Path dir = Fuzz.tempDir("archive-cli");
          try {
            String existing;
            try (SessionStore store = Fuzz.fileStore(dir)) {
              store.saveSession(EXISTING, List.of(Message.of("{\"type\":\"user\",\"keep\":true}")));
              existing = print(store, EXISTING);
            }
            byte[] archive = c.packed(s);
            Path file = dir.resolve("in.archive");
            Files.write(file, archive);
            Fuzz.Cli r =
                Fuzz.within(
                        15,
                        "import " + c,
                        () ->
                            fromStdin
                                ? Fuzz.cli(dir, archive, "import", "-")
                                : Fuzz.cli(dir, new byte[0], "import", file.toString()))
                    .zeroOrTwo("import " + c);
            for (String line : r.err().lines().toList()) {
              assertTrue(
                  line.startsWith("sessionstore: ")
                      || line.startsWith("rejected line ")
                      || line.startsWith("imported ")
                      || line.startsWith("diverged: "),
                  "an unexpected line on stderr: " + Fuzz.clip(line) + " for " + c);
              assertTrue(
                  line.length() <= 1000, "a stderr line of " + line.length() + " chars for " + c);
            }
            if (c.packing() == Packing.GZIP_TRUNCATED) {
              assertEquals(
                  2,
                  r.code(),
                  "a cut gzip archive was imported as if whole: " + c + ": " + r.err());
            }
            try (SessionStore store = Fuzz.fileStore(dir)) {
              checkStored(
                  c,
                  s,
                  store,
                  existing,
                  r.err().lines().anyMatch(l -> l.startsWith("imported ")),
                  r.code() == 0 ? 0 : -1);
            }
          } finally {
            Fuzz.deleteTree(dir);
          }
        });
  }

  /**
   * What must hold after any import of a case: the session that was there is unchanged; every
   * session whose line is intact is stored exactly as exported (unless the whole archive was
   * refused); nothing of a cut line is stored; an inserted hostile line is rejected and not stored;
   * every stored message is one JSON object.
   */
  private static void checkStored(
      Case c, Source s, SessionStore store, String existing, boolean imported, long rejections) {
    assertEquals(
        existing, print(store, EXISTING), "an import changed a session it does not hold: " + c);
    Set<Integer> intact = c.intact(s);
    boolean headerIntact = intact.contains(0);
    Map<SessionKey, SessionMetadata> stored =
        Fuzz.allSessions(store).stream()
            .filter(m -> !m.project().equals(EXISTING.project()))
            .collect(Collectors.toMap(m -> SessionKey.of(m.project(), m.sessionId()), m -> m));
    for (SessionKey k : stored.keySet()) {
      for (String t : Fuzz.texts(store, k)) {
        Message.parse(t);
      }
    }
    if (!imported) {
      // refused whole: only right when the header or the packing is damaged, and then only intact
      // lines got in
      assertTrue(
          !headerIntact || c.damagedPacking(),
          "an archive with an intact header was refused whole: " + c);
    }
    SessionKey flippedInto = c.mutation() == Mutation.FLIP ? flippedKey(c, s) : null;
    if (imported && headerIntact && !c.damagedPacking()) {
      for (int i = 1; i < s.lines().size(); i++) {
        // a flip that turned one line's key into another's makes that other session diverge:
        // rightly left alone
        if (intact.contains(i) && !s.keys().get(i).equals(flippedInto)) {
          SessionKey k = s.keys().get(i);
          assertTrue(stored.containsKey(k), "the intact session " + k + " was not imported: " + c);
          assertEquals(
              s.prints().get(k), print(store, k), "the intact session " + k + " changed: " + c);
        }
      }
    }
    for (SessionKey k : stored.keySet()) {
      if (s.prints().containsKey(k)
          && c.mutation() != Mutation.FLIP
          && c.packing() != Packing.GZIP_FLIP) {
        assertEquals(
            s.prints().get(k), print(store, k), "a session was stored other than exported: " + c);
      }
    }
    if (c.mutation() == Mutation.TRUNCATE) {
      for (int i = 1; i < s.lines().size(); i++) {
        if (!intact.contains(i)) {
          assertFalse(
              stored.containsKey(s.keys().get(i)),
              "a cut line was stored: " + s.keys().get(i) + " " + c);
        }
      }
    }
    if (c.mutation() == Mutation.INSERT && !c.damagedPacking()) {
      Set<SessionKey> allowed = new HashSet<>(s.prints().keySet());
      assertEquals(
          Set.of(),
          stored.keySet().stream().filter(k -> !allowed.contains(k)).collect(Collectors.toSet()),
          "a hostile line was stored: " + c);
      if (imported) {
        assertTrue(rejections != 0, "a hostile line was not reported: " + c);
      }
    }
    if (c.mutation() == Mutation.TRUNCATE && headerIntact && !c.damagedPacking() && imported) {
      boolean cutInsideALine =
          !intact.containsAll(
              java.util.stream.IntStream.range(0, s.lines().size())
                  .filter(i -> s.lines().get(i)[0] < c.at() % (s.bytes().length + 1))
                  .boxed()
                  .toList());
      if (cutInsideALine) {
        assertTrue(rejections != 0, "a cut line was not reported: " + c);
      }
    }
  }

  /** The key named by the flipped line after the flip, when it still names one. */
  private static SessionKey flippedKey(Case c, Source s) {
    byte[] text = c.text(s);
    int p = c.at() % s.bytes().length;
    int start = p;
    while (start > 0 && text[start - 1] != '\n') {
      start--;
    }
    int end = p;
    while (end < text.length && text[end] != '\n') {
      end++;
    }
    try {
      var node =
          io.sessionstore.spi.Json.parseObject(
              new String(text, start, end - start, java.nio.charset.StandardCharsets.UTF_8),
              "line");
      return SessionKey.of(node.path("project").asText(), node.path("sessionId").asText());
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Headers that are not version 1 of the format: the whole archive is refused, nothing stored. */
  static final List<String> BAD_HEADERS =
      List.of(
          "{\"format\":\"sessionstore-archive\",\"version\":2}",
          "{\"format\":\"sessionstore-archive\",\"version\":\"1\"}",
          "{\"format\":\"sessionstore-archive\",\"version\":1.5}",
          "{\"format\":\"sessionstore-archive\",\"version\":1e1000}",
          "{\"format\":\"sessionstore-archive\",\"version\":99999999999999999999}",
          "{\"format\":\"sessionstore-archive\",\"version\":-1}",
          "{\"format\":\"sessionstore-archive\"}",
          "{\"format\":\"other\",\"version\":1}",
          "{\"version\":1}",
          "[\"sessionstore-archive\",1]",
          "",
          "\u0000",
          "{\"format\":\"sessionstore-archive\",\"version\":1",
          "not json");

  @Provide
  Arbitrary<String> badHeaders() {
    return Arbitraries.of(BAD_HEADERS);
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 30, longRun = 200)
  void aBadHeaderRefusesTheWholeArchiveOnOneLine(
      @ForAll("badHeaders") String header, @ForAll boolean gzipped) throws Throwable {
    HEADERS.check(
        () -> {
          Source s = source();
          byte[] text =
              Fuzz.utf8(
                  header
                      + "\n"
                      + new String(
                          s.bytes(),
                          s.lines().get(1)[0],
                          s.bytes().length - s.lines().get(1)[0],
                          java.nio.charset.StandardCharsets.UTF_8));
          byte[] archive = gzipped ? gzip(text) : text;
          Path dir = Fuzz.tempDir("archive-header");
          try {
            Fuzz.Cli r = Fuzz.within(60, "import", () -> Fuzz.cli(dir, archive, "import", "-"));
            assertEquals(2, r.code(), "header " + Fuzz.show(header) + ": " + r.err());
            r.noStackTrace(header);
            assertEquals(1, r.err().strip().lines().count(), "not one line: " + r.err());
            assertEquals(
                "", Fuzz.snapshot(dir), "a refused archive stored something: " + Fuzz.show(header));
          } finally {
            Fuzz.deleteTree(dir);
          }
        });
  }

  /** Every hostile line, each in an otherwise valid archive; all failures are listed together. */
  @Example
  void aHostileSessionLineIsRejectedWithItsNumberAndTheRestIsImported() throws Throwable {
    List<String> failures = new ArrayList<>();
    for (String line : HOSTILE_LINES) {
      try {
        HEADERS.check(() -> hostileLineIsRejected(line));
      } catch (AssertionError e) {
        failures.add(Fuzz.show(line) + ": " + Fuzz.clip(String.valueOf(e.getMessage())));
      }
    }
    assertEquals(
        List.of(), failures, failures.size() + " of " + HOSTILE_LINES.size() + " hostile lines");
  }

  private static void hostileLineIsRejected(String line) throws Throwable {
    {
      Source s = source();
      String text = new String(s.bytes(), java.nio.charset.StandardCharsets.UTF_8);
      int headerEnd = text.indexOf('\n') + 1;
      byte[] archive =
          Fuzz.utf8(text.substring(0, headerEnd) + line + "\n" + text.substring(headerEnd));
      Path dir = Fuzz.tempDir("archive-line");
      try (SessionStore store = Fuzz.fileStore(dir)) {
        ImportResult r;
        try {
          r =
              Fuzz.within(
                  60,
                  "import",
                  () ->
                      store.importSessions(
                          new ByteArrayInputStream(archive), ImportOptions.DEFAULTS));
        } catch (Throwable e) {
          Fuzz.assertApiException("import", e, InvalidInputException.class);
          throw new AssertionError(
              "the whole archive was refused for one bad session line: " + e.getMessage());
        }
        assertEquals(
            List.of(2L),
            r.rejected().stream().map(ImportResult.Rejection::line).toList(),
            "line 2 was not the one rejected: " + r.rejected());
        assertFalse(r.rejected().get(0).reason().contains("\n"), "not one line: " + r.rejected());
        assertTrue(
            r.rejected().get(0).reason().length() <= 1000, "an overlong reason: " + r.rejected());
        Map<SessionKey, String> got = new LinkedHashMap<>();
        for (SessionMetadata m : Fuzz.allSessions(store)) {
          SessionKey k = SessionKey.of(m.project(), m.sessionId());
          got.put(k, print(store, k));
        }
        assertEquals(s.prints(), got, "the archive's other sessions, exactly, and nothing else");
      } finally {
        Fuzz.deleteTree(dir);
      }
    }
  }
}
