package io.sessionstore.hardening.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Configuration: random {@code sessionstore.*} keys and values — unknown keys in known namespaces,
 * bad durations, sizes, booleans, backend names, {@code sessionstore.mongo.database=bad/db.name$} —
 * beside credentials. Building a store fails with {@code ConfigurationException} in one line, and
 * the CLI exits 2 with one line on stderr; no stack trace, and no secret value (S3 keys, a password
 * in the MongoDB URI) ever appears in what is said.
 */
@AddLifecycleHook(value = Level.Hook.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class ConfigFuzzTest {
  private static final Fuzz.Tally TALLY = new Fuzz.Tally("configuration (API build and CLI -D)");

  @AfterContainer
  static void summary() {
    TALLY.print();
  }

  /** One configuration entry that no correct store may accept. */
  record Bad(String key, String value) {
    @Override
    public String toString() {
      return key + "=" + Fuzz.show(value);
    }
  }

  static final String SECRET = "S3cr3tV4lue-9f8e7d";

  static final List<Bad> CORE_BAD =
      List.of(
          new Bad("sessionstore.backend", "nosuch"),
          new Bad("sessionstore.backend", "file/../s3"),
          new Bad("sessionstore.cache.enabled", "maybe"),
          new Bad("sessionstore.cache.enabled", "2"),
          new Bad("sessionstore.cache.heap-entries", "0"),
          new Bad("sessionstore.cache.heap-entries", "-1"),
          new Bad("sessionstore.cache.heap-entries", "1e1000"),
          new Bad("sessionstore.cache.heap-entries", "99999999999999999999"),
          new Bad("sessionstore.cache.heap-entries", "ten"),
          new Bad("sessionstore.cache.ttl", "30x"),
          new Bad("sessionstore.cache.ttl", "PT"),
          new Bad("sessionstore.cache.ttl", "1e1000s"),
          new Bad("sessionstore.cache.ttl", "99999999999999999999d"),
          new Bad("sessionstore.cache.offheap", "64XB"),
          new Bad("sessionstore.cache.offheap", "99999999999999999999GB"),
          new Bad("sessionstore.cache.offheap", "-1MB"),
          new Bad("sessionstore.cleanup.max-age", "abc"),
          new Bad("sessionstore.cleanup.max-age", "-1d"),
          new Bad("sessionstore.cleanup.interval", "0s"),
          new Bad("sessionstore.cleanup.interval", "-1s"),
          new Bad("sessionstore.cleanup.interval", "1e1000d"),
          new Bad("sessionstore.project", ".."),
          new Bad("sessionstore.project", "a/b"),
          new Bad("sessionstore.project", "bad\u0001"),
          new Bad("sessionstore.project", ".sessionstore"),
          new Bad("sessionstore.project", "x\u2028y"),
          new Bad("sessionstore.cache.size", "10"),
          new Bad("sessionstore.cleanup.maxage", "30d"),
          new Bad("sessionstore.claude.cmd", "claude"),
          new Bad("sessionstore.file.directory", "/tmp/x"),
          new Bad("sessionstore.s3.secretkey", SECRET),
          new Bad("sessionstore.mongo.databse", "db"),
          new Bad("sessionstore.mongo.password", SECRET),
          new Bad("sessionstore.nonamespace", "x"));

  static final List<Bad> S3_BAD =
      List.of(
          new Bad("sessionstore.s3.path-style", "sometimes"),
          new Bad("sessionstore.s3.checksum", "bogus"),
          new Bad("sessionstore.s3.create-bucket", "maybe"),
          new Bad("sessionstore.s3.sse", "DES"),
          new Bad("sessionstore.s3.endpoint", "not a uri ::"),
          new Bad("sessionstore.s3.bucket", ""),
          new Bad("sessionstore.s3.bucket", "Bad_Bucket!"),
          new Bad("sessionstore.s3.secret-keys", SECRET));

  // A blank value means the key's default (sessionstore.mongo.database= is the database
  // "sessionstore"), so it is
  // not among the bad entries.
  static final List<Bad> MONGO_BAD =
      List.of(
          new Bad("sessionstore.mongo.database", "bad/db.name$"),
          new Bad("sessionstore.mongo.database", "a.b"),
          new Bad("sessionstore.mongo.write-concern", "w7"),
          new Bad("sessionstore.mongo.write-concern", "sometimes"),
          new Bad("sessionstore.mongo.timeout", "abc"),
          new Bad("sessionstore.mongo.timeout", "-1s"),
          new Bad("sessionstore.mongo.ttl", "abc"),
          new Bad("sessionstore.mongo.uri", "not-a-uri " + SECRET),
          new Bad("sessionstore.mongo.uri", "mongodb://user:" + SECRET + "@[::1"));

  /** A whole configuration: the backend, valid settings for it, and one to three bad entries. */
  record Case(String backend, List<Bad> bad, boolean viaFile) {
    Map<String, String> config(Path dir) {
      Map<String, String> c = new LinkedHashMap<>();
      c.put("sessionstore.backend", backend);
      switch (backend) {
        case "s3" -> {
          c.put("sessionstore.s3.bucket", "fuzz-config");
          c.put("sessionstore.s3.endpoint", "http://127.0.0.1:9");
          c.put("sessionstore.s3.access-key", "AKIA" + SECRET);
          c.put("sessionstore.s3.secret-key", SECRET);
        }
        case "mongo" -> {
          c.put(
              "sessionstore.mongo.uri",
              "mongodb://fuzz:" + SECRET + "@127.0.0.1:9/?serverSelectionTimeoutMS=500");
          c.put("sessionstore.mongo.timeout", "1s");
        }
        default -> c.put("sessionstore.file.dir", dir.toString());
      }
      for (Bad b : bad) {
        c.put(b.key(), b.value());
      }
      return c;
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<String> backend = Arbitraries.of("file", "s3", "mongo");
    return backend.flatMap(
        name -> {
          List<Bad> pool = new ArrayList<>(CORE_BAD);
          if (name.equals("s3")) {
            pool.addAll(S3_BAD);
          } else if (name.equals("mongo")) {
            pool.addAll(MONGO_BAD);
          }
          return Combinators.combine(
                  Arbitraries.of(pool).list().ofMinSize(1).ofMaxSize(3).uniqueElements(Bad::key),
                  Arbitraries.of(false, false, true))
              .as((bad, viaFile) -> new Case(name, bad, viaFile))
              // the backend entry decides which backend's keys are checked: keep it out of the bad
              // ones for s3/mongo
              .filter(
                  c ->
                      c.backend().equals("file")
                          || c.bad().stream()
                              .noneMatch(b -> b.key().equals("sessionstore.backend")));
        });
  }

  @Property(shrinking = ShrinkingMode.BOUNDED)
  @Level(quick = 60, longRun = 2000)
  void aBadConfigurationIsRefusedOnOneLineWithoutItsSecrets(@ForAll("cases") Case c)
      throws Throwable {
    TALLY.check(() -> refusedOnOneLine(c));
  }

  /** Every bad entry alone, on each backend it applies to; all failures are listed together. */
  @Example
  void everyBadEntryAloneIsRefused() throws Throwable {
    List<String> failures = new ArrayList<>();
    for (String backend : List.of("file", "s3", "mongo")) {
      List<Bad> pool = new ArrayList<>(CORE_BAD);
      pool.addAll(backend.equals("s3") ? S3_BAD : backend.equals("mongo") ? MONGO_BAD : List.of());
      for (Bad bad : pool) {
        if (!backend.equals("file") && bad.key().equals("sessionstore.backend")) {
          continue;
        }
        Case c = new Case(backend, List.of(bad), false);
        try {
          TALLY.check(() -> refusedOnOneLine(c));
        } catch (AssertionError e) {
          failures.add(backend + " " + bad + ": " + Fuzz.clip(String.valueOf(e.getMessage())));
        }
      }
    }
    assertEquals(
        List.of(), failures, failures.size() + " bad entries were not refused as they should be");
  }

  private static void refusedOnOneLine(Case c) throws Throwable {
    {
      Path dir = Fuzz.tempDir("config");
      try {
        Map<String, String> config = c.config(dir.resolve("store"));
        Throwable failure = null;
        try {
          Fuzz.within(
              30,
              "build",
              () -> {
                SessionStore.builder().config(SessionStoreConfig.of(config)).build().close();
                return null;
              });
        } catch (Throwable e) {
          failure = e;
        }
        assertTrue(failure != null, "a bad configuration was accepted: " + c);
        Fuzz.assertApiException("config " + c, failure, ConfigurationException.class);
        assertFalse(
            failure.getMessage().contains(SECRET),
            "the error shows a secret: " + failure.getMessage());
        assertFalse(
            failure.getMessage().contains("\u2028"),
            "the error is not one line: " + failure.getMessage());

        List<String> args = new ArrayList<>();
        if (c.viaFile()) {
          Path file = dir.resolve("sessionstore.properties");
          java.util.Properties p = new java.util.Properties();
          p.putAll(config);
          try (var out = java.nio.file.Files.newBufferedWriter(file)) {
            p.store(out, null);
          }
          args.addAll(List.of("--config", file.toString()));
        } else {
          config.forEach((k, v) -> args.addAll(List.of("-D", k + "=" + v)));
        }
        args.add("list");
        Fuzz.Cli r =
            Fuzz.within(30, "cli", () -> Fuzz.cliRaw(new byte[0], args.toArray(String[]::new)));
        assertEquals(2, r.code(), "cli " + c + ": " + r.err());
        r.noStackTrace("cli " + c);
        assertEquals(1, r.err().strip().lines().count(), "not one line: " + r.err());
        assertFalse(r.err().contains(SECRET), "stderr shows a secret: " + r.err());
        assertEquals("", r.out(), "a refused configuration printed a listing");
      } finally {
        Fuzz.deleteTree(dir);
      }
    }
  }
}
