package io.sessionstore.hardening.remote;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ConflictException;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.Message;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.api.SessionStoreException;
import io.sessionstore.hardening.Servers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash injection on the shared backends: a {@link CuttingProxy} between the writer and the real
 * server (S3Proxy, mongo-java-server) kills the writer at each request of each write path (save,
 * append, metadata update, delete, import), once with the request unsent and once with it carried
 * out and its answer lost. After each cut a fresh store on the server must see every session in its
 * old or its new state (never partial), its listing must agree with its loads, and a later write
 * must succeed.
 *
 * <p>A listing taken before any load may still show a session's old state when the writer died
 * between its commit and the index entry (S3): the first read completes the commit. Such listings
 * are counted and printed.
 */
class RemoteCrashTest {
  private static final String PROJECT = "p";
  private static final boolean LONG = "long".equals(System.getProperty("hardening.level", "quick"));

  /**
   * Each write path is cut at every request up to this many; none of them makes that many in the
   * quick run.
   */
  private static final int MAX_POINTS = LONG ? 200 : 60;

  /** How many parts of a transcript make the S3 backend merge them (its Compaction.MIN_PARTS). */
  private static final int COMPACTION_PARTS = 16;

  @TempDir Path tmp;

  @Test
  void s3WritersKilledAtEveryRequestLeaveOldOrNewStates() throws IOException {
    String bucket = Servers.name("crash");
    try (CuttingProxy proxy = new CuttingProxy(CuttingProxy.Protocol.HTTP, Servers.s3Port())) {
      new Run("s3", s3(bucket), uncached(Servers.s3(bucket, proxy.port())), proxy).all();
    }
  }

  @Test
  void mongoWritersKilledAtEveryRequestLeaveOldOrNewStates() throws IOException {
    String database = Servers.name("crash").replace('-', '_');
    try (CuttingProxy proxy = new CuttingProxy(CuttingProxy.Protocol.MONGO, Servers.mongoPort())) {
      new Run("mongo", mongo(database, Servers.mongoPort()), mongo(database, proxy.port()), proxy)
          .all();
    }
  }

  /**
   * A transcript as a reader sees it: its messages and tags; null tags in an expectation match any.
   */
  private record State(List<String> messages, List<String> tags) {
    boolean matches(State seen) {
      return seen != null
          && messages.equals(seen.messages)
          && (tags == null || tags.equals(seen.tags));
    }
  }

  private final class Run {
    private final String name;
    private final Map<String, String> direct;
    private final Map<String, String> viaProxy;
    private final CuttingProxy proxy;

    /** What every session holds now (absent: no session). */
    private final Map<SessionKey, State> model = new LinkedHashMap<>();

    private final List<String> failures = new ArrayList<>();
    private int cuts;
    private int checked;
    private int lagging;
    private int serial;
    private String lastCut;
    private int blocked;

    /** The requests each write path made when no cut stopped it. */
    private final Map<String, Integer> requestsOf = new LinkedHashMap<>();

    Run(String name, Map<String, String> direct, Map<String, String> viaProxy, CuttingProxy proxy) {
      this.name = name;
      this.direct = direct;
      this.viaProxy = viaProxy;
      this.proxy = proxy;
    }

    void all() throws IOException {
      int sessions = LONG ? 6 : 2;
      for (int i = 0; i < sessions; i++) {
        SessionKey key = SessionKey.of(PROJECT, "s" + i);
        List<String> m = List.of(line("s" + i + "-1"), line("s" + i + "-2"));
        write(s -> s.appendMessages(key, messages(m)));
        model.put(key, new State(m, List.of()));
      }
      int rounds = LONG ? 3 : 1;
      for (int round = 0; round < rounds; round++) {
        cutEverywhere(
            "append",
            () -> {
              SessionKey target = fresh("a");
              List<String> add = List.of(line("a" + serial), line("b" + serial));
              State old = model.get(target);
              return new Op(
                  s -> s.appendMessages(target, messages(add)),
                  Map.of(target, new State(concat(old.messages, add), old.tags)));
            });
        cutEverywhere(
            "compacting append",
            () -> {
              // One part short of a compaction: this append's commit merges the parts (on S3).
              SessionKey target = SessionKey.of(PROJECT, "c" + serial);
              List<String> m = new ArrayList<>();
              for (int i = 1; i < COMPACTION_PARTS; i++) {
                String one = line("c" + serial + "-" + i);
                write(s -> s.appendMessages(target, messages(List.of(one))));
                m.add(one);
              }
              model.put(target, new State(m, List.of()));
              List<String> add = List.of(line("c" + serial));
              return new Op(
                  s -> s.appendMessages(target, messages(add)),
                  Map.of(target, new State(concat(m, add), List.of())));
            });
        cutEverywhere(
            "save",
            () -> {
              SessionKey target = fresh("r");
              List<String> saved = List.of(line("r" + serial));
              return new Op(
                  s -> s.saveSession(target, messages(saved)),
                  Map.of(target, new State(saved, null)));
            });
        cutEverywhere(
            "metadata",
            () -> {
              SessionKey target = fresh("m");
              State old = model.get(target);
              return new Op(
                  s ->
                      s.updateMetadata(target, MetadataUpdate.tags(Set.of("t" + serial), Set.of())),
                  Map.of(target, new State(old.messages, List.of("t" + serial))));
            });
        cutEverywhere(
            "delete",
            () -> {
              SessionKey doomed = fresh("d");
              return new Op(s -> s.deleteSession(doomed), mapOfNull(doomed));
            });
        cutEverywhere(
            "import",
            () -> {
              Map<SessionKey, List<String>> archived = new LinkedHashMap<>();
              archived.put(
                  SessionKey.of(PROJECT, "i" + serial + "a"),
                  List.of(line("ia" + serial), line("ib" + serial)));
              archived.put(
                  SessionKey.of(PROJECT, "i" + serial + "b"), List.of(line("ic" + serial)));
              byte[] archive = archive(archived);
              Map<SessionKey, State> after = new HashMap<>();
              archived.forEach((k, m) -> after.put(k, new State(m, null)));
              return new Op(
                  s -> s.importSessions(new ByteArrayInputStream(archive), ImportOptions.DEFAULTS),
                  after);
            });
      }
      System.out.println(
          "hardening remote "
              + name
              + ": "
              + cuts
              + " cuts, "
              + checked
              + " states checked, "
              + failures.size()
              + " failures, "
              + blocked
              + " later appends blocked, "
              + lagging
              + " first listings behind their loads until read; requests "
              + "per write path "
              + requestsOf);
      assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /**
     * A session made for one cut (written directly), so that every cut of a path starts from the
     * same size.
     */
    private SessionKey fresh(String kind) {
      SessionKey key = SessionKey.of(PROJECT, kind + serial);
      List<String> m = List.of(line(kind + serial + "-1"), line(kind + serial + "-2"));
      write(s -> s.appendMessages(key, messages(m)));
      model.put(key, new State(m, List.of()));
      return key;
    }

    /**
     * A write path, from the current state: what it does and the state of each session it changes.
     */
    private record Op(Consumer<SessionStore> action, Map<SessionKey, State> after) {}

    private void cutEverywhere(String path, java.util.function.Supplier<Op> next) {
      for (int point = 1; point <= MAX_POINTS; point++) {
        boolean completed = false;
        // The quick run cuts each request once, before and after alternately; the long one both
        // ways.
        List<CuttingProxy.Cut> ways =
            LONG
                ? List.of(CuttingProxy.Cut.values())
                : List.of(CuttingProxy.Cut.values()[point % 2]);
        for (CuttingProxy.Cut how : ways) {
          serial++;
          Op op = next.get();
          Map<SessionKey, State> before = new HashMap<>();
          op.after.keySet().forEach(k -> before.put(k, model.get(k)));
          String where = name + " " + path + " cut " + how + " request " + point;
          boolean cut;
          int made;
          SessionStoreException failed = null;
          try (SessionStore writer = openWriter(viaProxy)) {
            // A writer that has been running: it read the shared index before, so the cut falls in
            // the write
            // path's own requests, not in a first look at the store's history.
            listing(writer);
            proxy.arm(point, how);
            try {
              op.action.accept(writer);
            } catch (SessionStoreException e) {
              // a writer that died, as far as it can tell: what it left is checked below
              failed = e;
            }
            cut = proxy.didCut();
            made = proxy.requests();
          } finally {
            proxy.arm(0, CuttingProxy.Cut.BEFORE);
          }
          if (cut) {
            cuts++;
            lastCut = failed == null ? "the writer reported success" : failed.getMessage();
          } else {
            completed = true;
            requestsOf.merge(path, made, Math::max);
            if (failed != null) {
              failures.add(where + ": failed without a cut: " + failed);
            }
          }
          // A write that reported success holds, cut or not; one cut and failed may have or not.
          check(where, before, op.after, !cut || failed == null);
        }
        if (completed) {
          return;
        }
      }
      failures.add(
          name
              + " "
              + path
              + ": still cutting after "
              + MAX_POINTS
              + " requests ("
              + lastCut
              + ")");
    }

    /**
     * A fresh store on the server: old or new state, listings that agree with loads, and a write
     * that works.
     */
    private void check(
        String where, Map<SessionKey, State> before, Map<SessionKey, State> after, boolean done) {
      try (SessionStore fresh = open(direct)) {
        Map<String, SessionMetadata> firstListing = listing(fresh);
        Map<SessionKey, State> seen = new HashMap<>();
        Set<SessionKey> keys = new TreeSet<>(java.util.Comparator.comparing(SessionKey::toString));
        keys.addAll(model.keySet());
        keys.addAll(after.keySet());
        for (SessionKey k : keys) {
          State s = load(fresh, k);
          seen.put(k, s);
          checked++;
          State old = before.containsKey(k) ? before.get(k) : model.get(k);
          State neu = after.containsKey(k) ? after.get(k) : old;
          boolean isOld = old == null ? s == null : old.matches(s);
          boolean isNew = neu == null ? s == null : neu.matches(s);
          if (!(done ? isNew : isOld || isNew)) {
            failures.add(
                where + ": " + k + " is " + s + ", expected " + (done ? "" : old + " or ") + neu);
          }
        }
        Map<String, SessionMetadata> listing = listing(fresh);
        for (SessionKey k : keys) {
          State s = seen.get(k);
          SessionMetadata m = listing.get(k.sessionId());
          if (!agrees(s, m)) {
            failures.add(where + ": listing says " + summary(m) + " of " + k + ", a load " + s);
          }
          if (!agrees(s, firstListing.get(k.sessionId()))) {
            lagging++;
            State old = before.containsKey(k) ? before.get(k) : model.get(k);
            if (!agrees(old, firstListing.get(k.sessionId()))) {
              failures.add(
                  where
                      + ": first listing says "
                      + summary(firstListing.get(k.sessionId()))
                      + " of "
                      + k
                      + ", neither its old state "
                      + old
                      + " nor what loads "
                      + s);
            }
          }
        }
        for (SessionKey k : keys) {
          if (seen.get(k) == null) {
            model.remove(k);
          } else {
            model.put(k, seen.get(k));
          }
        }
        writeAfter(fresh, where, after.keySet());
      }
    }

    /**
     * A later write succeeds on every session the cut write touched (then made-for-one-cut sessions
     * go).
     */
    private void writeAfter(SessionStore fresh, String where, Set<SessionKey> touched) {
      for (SessionKey k : touched) {
        String extra = line("w" + serial);
        try {
          fresh.appendMessages(k, messages(List.of(extra)));
        } catch (ConflictException e) {
          failures.add(where + ": a later append to " + k + " failed: " + e.getMessage());
          blocked++;
          fresh.deleteSession(k);
          model.remove(k);
          continue;
        }
        State s = model.get(k);
        model.put(
            k,
            new State(
                concat(s == null ? List.of() : s.messages, List.of(extra)),
                s == null ? List.of() : s.tags));
        if (!k.sessionId().startsWith("s")) {
          // Sessions made for one cut go again, so that each check reads a store of the same small
          // size.
          fresh.deleteSession(k);
          model.remove(k);
        }
      }
    }

    private boolean agrees(State s, SessionMetadata m) {
      if (s == null || m == null) {
        return s == null && m == null;
      }
      return m.messageCount() == s.messages.size()
          && new TreeSet<>(m.tags()).equals(new TreeSet<>(s.tags));
    }

    private String summary(SessionMetadata m) {
      return m == null ? "absent" : m.messageCount() + " messages, tags " + m.tags();
    }

    private Map<String, SessionMetadata> listing(SessionStore s) {
      Map<String, SessionMetadata> out = new HashMap<>();
      s.search(SearchQuery.in(Scope.project(PROJECT)).limit(SearchQuery.MAX_LIMIT).build())
          .items()
          .forEach(m -> out.put(m.sessionId(), m));
      return out;
    }

    private State load(SessionStore s, SessionKey k) {
      return s.getMetadata(k)
          .map(
              m -> {
                List<String> tags = new ArrayList<>(m.tags());
                tags.sort(null);
                return new State(
                    s.loadMessages(k, 0, Integer.MAX_VALUE).stream().map(Message::json).toList(),
                    tags);
              })
          .orElse(null);
    }

    private void write(Consumer<SessionStore> action) {
      try (SessionStore s = open(direct)) {
        action.accept(s);
      }
    }

    private byte[] archive(Map<SessionKey, List<String>> sessions) {
      Path dir = tmp.resolve("archive-" + serial);
      try (SessionStore files =
          SessionStore.builder()
              .config(
                  SessionStoreConfig.of(
                      Map.of(
                          "sessionstore.backend", "file", "sessionstore.file.dir", dir.toString())))
              .build()) {
        sessions.forEach((k, m) -> files.appendMessages(k, messages(m)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        files.exportSessions(SearchQuery.in(Scope.project(PROJECT)).build(), out);
        return out.toByteArray();
      }
    }
  }

  /**
   * The writer to kill: a dead writer's S3 client would retry against a refused connection, with
   * back-off, before it gives up, so it gets one attempt (the AWS SDK reads this property when a
   * client is built). The fresh stores that check what it left keep the default retries.
   */
  private static SessionStore openWriter(Map<String, String> config) {
    System.setProperty("aws.maxAttempts", "1");
    try {
      return open(config);
    } finally {
      System.clearProperty("aws.maxAttempts");
    }
  }

  private static SessionStore open(Map<String, String> config) {
    return SessionStore.builder().config(SessionStoreConfig.of(config)).build();
  }

  private static Map<SessionKey, State> mapOfNull(SessionKey k) {
    Map<SessionKey, State> m = new HashMap<>();
    m.put(k, null);
    return m;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static List<Message> messages(List<String> lines) {
    return lines.stream().map(Message::of).toList();
  }

  private static String line(String uuid) {
    return "{\"type\":\"user\",\"uuid\":\""
        + Objects.requireNonNull(uuid)
        + "\",\"message\":{\"content\":\"x\"}}";
  }

  /** Every read goes to the server: a cache would hide what a crash left there. */
  private static Map<String, String> uncached(Map<String, String> config) {
    Map<String, String> c = new HashMap<>(config);
    c.put("sessionstore.cache.enabled", "false");
    return c;
  }

  private static Map<String, String> s3(String bucket) {
    Map<String, String> c = uncached(Servers.s3(bucket, Servers.s3Port()));
    // The writers cut between a commit's marker and its part are dead for sure: their commits are
    // dropped after this, instead of the default that leaves a slow writer time.
    c.put("sessionstore.s3.commit-timeout", "200ms");
    return c;
  }

  private static Map<String, String> mongo(String database, int port) {
    Map<String, String> c = uncached(Servers.mongo(database, port));
    // A dead writer's client waits this long for a server before it fails.
    c.put("sessionstore.mongo.timeout", "500ms");
    return c;
  }
}
