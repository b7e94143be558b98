package io.sessionstore.hardening.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.hardening.Servers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.PropagationMode;

/**
 * Names (project, session id, subpath) from a hostile generator: each is either refused with {@code
 * InvalidInputException} when the key is made, exactly when the naming rules (README, "Sessions and
 * keys") say it is not a name, or makes a full round trip (write, load, list, delete) without
 * touching another name's data. A fixed list of hostile names runs against the file, S3 (S3Proxy)
 * and MongoDB (mongo-java-server) backends: every backend accepts and refuses the same names, and
 * round-trips the ones it accepts.
 */
@AddLifecycleHook(value = Level.Hook.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class NameFuzzTest {
  private static final Fuzz.Tally FILE = new Fuzz.Tally("names (file backend, generated)");
  private static final Fuzz.Tally BACKENDS =
      new Fuzz.Tally("names (fixed list x {project, session, subpath} on " + "file, s3, mongo)");

  @AfterContainer
  static void summary() {
    FILE.print();
    BACKENDS.print();
  }

  enum Role {
    PROJECT,
    SESSION,
    SUBPATH
  }

  static final List<String> PIECES =
      List.of(
          "a",
          "Z",
          "A",
          "日本",
          "🎉",
          "%",
          "%2F",
          "%41",
          "%00",
          "%2e%2e",
          ".",
          "..",
          " ",
          "\t",
          "\r",
          "\n",
          "\u0000",
          "\u001b",
          "\u007f",
          "\u0085",
          "\u2028",
          "\u2029",
          "\u0080",
          "\u009f",
          "\u00a0",
          "\u3000",
          "/",
          "\\",
          ".sessionstore",
          "-",
          "CON",
          "nul",
          "~",
          "*",
          "?",
          ":",
          "\"",
          "<",
          "|",
          "'",
          "$",
          "{",
          "\ufeff",
          "\u200b",
          "\u202e",
          "\ud800",
          "\udc00",
          "\ud83c\udf89",
          "é",
          "e\u0301",
          "\u2126",
          "\u03a9",
          "İ",
          "ǅ",
          "x".repeat(100),
          "日".repeat(40));

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.of(PIECES).list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("", l));
  }

  /** Why a name (one segment) is not a name under the naming rules, or null when it is one. */
  static String problem(String name) {
    if (name.isEmpty()) {
      return "empty";
    }
    if (name.equals(".") || name.equals("..")) {
      return "dot";
    }
    if (name.startsWith(".sessionstore")) {
      return "reserved";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < name.length()
            && Character.isLowSurrogate(name.charAt(i + 1))) {
          i++;
          continue;
        }
        return "unpaired surrogate";
      }
      if (Character.getType(c) == Character.CONTROL) {
        return "control character U+"
            + Integer.toHexString(c); // C0, DEL and C1 (U+0080-U+009F, incl. U+0085)
      }
      if (c == '\u2028' || c == '\u2029') {
        return "line or paragraph separator";
      }
      if (c == '/' || c == '\\') {
        return "slash";
      }
    }
    if (white(name.charAt(0)) || white(name.charAt(name.length() - 1))) {
      return "whitespace at an end";
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > 255) {
      return "longer than 255 bytes";
    }
    return null;
  }

  private static boolean white(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
  }

  /** The key a name makes in a role, or why the naming rules refuse it. */
  static String expectedProblem(Role role, String name) {
    if (role != Role.SUBPATH) {
      return problem(name);
    }
    String[] segments = name.split("/", -1);
    if (segments.length > 8) {
      return "more than 8 segments";
    }
    for (String s : segments) {
      String p = problem(s);
      if (p != null) {
        return "segment: " + p;
      }
    }
    return null;
  }

  static SessionKey key(Role role, String name) {
    return switch (role) {
      case PROJECT -> SessionKey.of(name, "s");
      case SESSION -> SessionKey.of("p", name);
      case SUBPATH -> SessionKey.of("p", "s", name);
    };
  }

  static String messageFor(Role role, String name) {
    return "{\"type\":\"user\",\"role\":\""
        + role
        + "\",\"name\":\""
        + HostileJson.escape(name)
        + "\"}";
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 150, longRun = 5000)
  void aNameIsRefusedExactlyWhenInvalidElseItRoundTripsOnTheFileBackend(
      @ForAll("names") String a, @ForAll("names") String b, @ForAll Role role) throws Throwable {
    FILE.check(
        () -> {
          Path dir = Fuzz.tempDir("names");
          try (SessionStore store = Fuzz.fileStore(dir)) {
            List<String> accepted = new ArrayList<>();
            for (String name : new LinkedHashSet<>(List.of(a, b))) {
              String expected = expectedProblem(role, name);
              SessionKey k;
              try {
                k = key(role, name);
              } catch (InvalidInputException e) {
                assertTrue(
                    expected != null,
                    role
                        + " '"
                        + Fuzz.show(name)
                        + "' is a name but was refused: "
                        + e.getMessage());
                assertFalse(
                    e.getMessage().contains("\n")
                        || e.getMessage().contains("\r")
                        || e.getMessage().contains("\u2028")
                        || e.getMessage().contains("\u0085"),
                    "the error is not one line: " + Fuzz.show(e.getMessage()));
                continue;
              }
              assertEquals(null, expected, role + " '" + Fuzz.show(name) + "' was accepted");
              if (role == Role.SUBPATH && store.getMetadata(k.main()).isEmpty()) {
                store.saveSession(
                    k.main(), List.of(Message.of("{\"type\":\"user\",\"main\":true}")));
              }
              store.saveSession(k, List.of(Message.of(messageFor(role, name))));
              accepted.add(name);
            }
            for (String name : accepted) {
              SessionKey k = key(role, name);
              assertEquals(
                  List.of(messageFor(role, name)),
                  Fuzz.texts(store, k),
                  "another name's data under '" + Fuzz.show(name) + "'");
              List<SessionMetadata> all = Fuzz.allSessions(store);
              assertTrue(
                  all.stream()
                      .anyMatch(
                          m ->
                              m.project().equals(k.project())
                                  && m.sessionId().equals(k.sessionId())),
                  "not listed: " + Fuzz.show(name));
              if (role == Role.SUBPATH) {
                assertTrue(
                    store.listSubpaths(k.main()).contains(name),
                    "subpath not listed: " + Fuzz.show(name));
              }
            }
            for (String name : accepted) {
              SessionKey k = key(role, name);
              assertTrue(store.deleteSession(k), "not deleted: " + Fuzz.show(name));
              assertEquals(
                  List.of(),
                  Fuzz.textsOrNone(store, k),
                  "still there after delete: " + Fuzz.show(name));
            }
          } finally {
            Fuzz.deleteTree(dir);
          }
        });
  }

  /**
   * About 80 hostile names, each tried as a project, a session id and a subpath on every backend.
   */
  static List<String> fixedNames() {
    Set<String> names = new LinkedHashSet<>(PIECES);
    names.addAll(
        List.of(
            "a/b",
            "a/b/c/d/e/f/g/h",
            "a/b/c/d/e/f/g/h/i",
            " a",
            "a ",
            "..a",
            "a..",
            ".sessionstorex",
            ".sessionstor",
            "x".repeat(255),
            "x".repeat(256),
            "é".repeat(127) + "x",
            "日".repeat(85),
            "日".repeat(86),
            "a\u0000b",
            "aux.txt",
            "-home-me-repo",
            "with space",
            "a\u2028b",
            "a\u0085b",
            "a\u009bb",
            "subagents/agent-1",
            "a//b",
            "/a",
            "a/",
            "a/./b",
            "a/../b",
            "%2F..%2F",
            "C:\\x",
            "\u00a0a",
            "a\u00a0",
            "\ufeffa"));
    return List.copyOf(names);
  }

  record Backend(String name, Supplier<SessionStore> open) {}

  @Example
  void everyBackendAcceptsAndRefusesTheSameNamesAndRoundTripsThem() throws Throwable {
    Path dir = Fuzz.tempDir("names-backends");
    try {
      List<Backend> backends =
          List.of(
              new Backend("file", () -> Fuzz.fileStore(dir)),
              new Backend(
                  "s3",
                  () ->
                      SessionStore.builder()
                          .config(
                              SessionStoreConfig.of(
                                  Servers.s3(Servers.name("fuzz-names"), Servers.s3Port())))
                          .build()),
              new Backend(
                  "mongo",
                  () ->
                      SessionStore.builder()
                          .config(
                              SessionStoreConfig.of(
                                  Servers.mongo(
                                      Servers.name("fuzz_names").replace('-', '_'),
                                      Servers.mongoPort())))
                          .build()));
      List<String> names = fixedNames();
      // the three backends run side by side: S3 and MongoDB spend most of their time waiting on
      // round trips
      Map<String, Map<String, String>> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
      Map<String, Long> millis = new java.util.concurrent.ConcurrentHashMap<>();
      List<Thread> threads = new ArrayList<>();
      List<Throwable> crashed = java.util.Collections.synchronizedList(new ArrayList<>());
      for (Backend backend : backends) {
        Thread t =
            new Thread(
                () -> {
                  long start = System.nanoTime();
                  try (SessionStore store = backend.open().get()) {
                    outcomes.put(
                        backend.name(),
                        Fuzz.within(
                            300, "names on " + backend.name(), () -> outcomes(store, names)));
                  } catch (Throwable e) {
                    crashed.add(e);
                  }
                  millis.put(backend.name(), (System.nanoTime() - start) / 1_000_000);
                },
                "names-" + backend.name());
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join();
      }
      if (!crashed.isEmpty()) {
        throw crashed.get(0);
      }
      System.out.println(
          "hardening fuzz names: "
              + names.size()
              + " names x 3 roles per backend, ms per backend "
              + millis);
      List<String> problems = new ArrayList<>();
      for (Role role : Role.values()) {
        for (String name : names) {
          String id = role + " '" + Fuzz.show(name) + "'";
          String expected = expectedProblem(role, name) == null ? "round trip" : "refused";
          try {
            BACKENDS.check(
                () -> {
                  List<String> wrong = new ArrayList<>();
                  for (Backend backend : backends) {
                    String got = outcomes.get(backend.name()).get(role + "\u0000" + name);
                    if (!expected.equals(got)) {
                      wrong.add(
                          id
                              + " on "
                              + backend.name()
                              + ": "
                              + got
                              + " (expected "
                              + expected
                              + ")");
                    }
                  }
                  assertEquals(List.of(), wrong);
                });
          } catch (AssertionError e) {
            problems.add(String.valueOf(e.getMessage()));
          }
        }
      }
      assertEquals(
          List.of(),
          problems,
          problems.size() + " name outcomes differ from the naming rules or between " + "backends");
    } finally {
      Fuzz.deleteTree(dir);
    }
  }

  /** What a store does with each name in each role: "refused", "round trip", or what went wrong. */
  private static Map<String, String> outcomes(SessionStore store, List<String> names) {
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, SessionKey> written = new LinkedHashMap<>();
    for (Role role : Role.values()) {
      for (String name : names) {
        String id = role + "\u0000" + name;
        try {
          SessionKey k = key(role, name);
          if (role == Role.SUBPATH && store.getMetadata(k.main()).isEmpty()) {
            store.saveSession(k.main(), List.of(Message.of("{\"type\":\"user\",\"main\":true}")));
          }
          store.saveSession(k, List.of(Message.of(messageFor(role, name))));
          written.put(id, k);
          out.put(id, "written");
        } catch (InvalidInputException e) {
          out.put(id, e.getMessage().contains("\n") ? "refused on two lines" : "refused");
        } catch (RuntimeException e) {
          out.put(id, "write failed: " + e);
        }
      }
    }
    // read everything back only after everything was written: two names sharing storage would show
    // here
    List<SessionMetadata> listed = Fuzz.allSessions(store);
    for (Map.Entry<String, SessionKey> e : written.entrySet()) {
      String id = e.getKey();
      SessionKey k = e.getValue();
      String[] parts = id.split("\u0000", 2);
      try {
        List<String> texts = Fuzz.texts(store, k);
        if (!texts.equals(List.of(messageFor(Role.valueOf(parts[0]), parts[1])))) {
          out.put(id, "read back " + texts);
          continue;
        }
        if (listed.stream()
            .noneMatch(
                m -> m.project().equals(k.project()) && m.sessionId().equals(k.sessionId()))) {
          out.put(id, "not listed");
          continue;
        }
        if (k.isSubpath() && !store.listSubpaths(k.main()).contains(k.subpath())) {
          out.put(id, "subpath not listed");
          continue;
        }
        out.put(id, "round trip");
      } catch (RuntimeException ex) {
        out.put(id, "read failed: " + ex);
      }
    }
    for (Map.Entry<String, SessionKey> e : written.entrySet()) {
      try {
        store.deleteSession(e.getValue().main());
        if (store.getMetadata(e.getValue().main()).isPresent()) {
          out.put(e.getKey(), "not deleted");
        }
      } catch (RuntimeException ex) {
        out.put(e.getKey(), "delete failed: " + ex);
      }
    }
    return out;
  }
}
