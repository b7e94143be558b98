package io.sessionstore.hardening.crash;

import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.Message;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.backend.file.FileBackend;
import io.sessionstore.backend.file.FileFaults;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * One write of the file backend, run in a JVM of its own that halts (as {@code kill -9} would end
 * it) just before its Nth force, truncate, rename or delete: {@code FileCrashChild <dir> <scenario>
 * <size> <compactAfter> <N>}. Exits 0 when the write completed without reaching N. The scenarios
 * are shared with {@link FileCrashTest}, which sets each one up in its own JVM.
 */
public final class FileCrashChild {
  static final String PROJECT = "p";
  static final SessionKey S = new SessionKey(PROJECT, "s", null);
  static final SessionKey T = new SessionKey(PROJECT, "t", null);
  static final SessionKey N = new SessionKey(PROJECT, "n", null);
  static final SessionKey SUB_A = S.withSubpath("subagents/a");
  static final SessionKey SUB_B = S.withSubpath("subagents/b");
  static final SessionKey N_SUB = N.withSubpath("subagents/a");

  /** Every transcript any scenario touches: each is checked after every kill. */
  static final List<SessionKey> KEYS = List.of(S, T, N, SUB_A, SUB_B, N_SUB);

  /** A write to crash: how the store looks before it, and the write itself. */
  enum Scenario {
    SAVE_NEW {
      void act(SessionStore store, Path work, int size) {
        store.saveSession(N, messages("new", size), SaveOptions.tags("x"));
      }
    },
    SAVE_REPLACE {
      void act(SessionStore store, Path work, int size) {
        store.saveSession(S, messages("replaced", size), SaveOptions.tags("y"));
      }
    },
    APPEND_NEW_MAIN {
      void act(SessionStore store, Path work, int size) {
        store.appendMessages(N, messages("new", size));
      }
    },
    APPEND_EXISTING_MAIN {
      void act(SessionStore store, Path work, int size) {
        store.appendMessages(S, messages("more", size));
      }
    },
    APPEND_NEW_SUB {
      void act(SessionStore store, Path work, int size) {
        store.appendMessages(SUB_B, messages("b", size));
      }
    },
    APPEND_EXISTING_SUB {
      void act(SessionStore store, Path work, int size) {
        store.appendMessages(SUB_A, messages("more-a", size));
      }
    },
    UPDATE_METADATA {
      void act(SessionStore store, Path work, int size) {
        store.updateMetadata(S, MetadataUpdate.summary("a summary"));
      }
    },
    DELETE {
      void act(SessionStore store, Path work, int size) {
        store.deleteSession(S);
      }
    },
    IMPORT {
      void act(SessionStore store, Path work, int size) throws Exception {
        try (InputStream in = Files.newInputStream(work.resolve("archive.jsonl"))) {
          store.importSessions(in, ImportOptions.DEFAULTS);
        }
      }
    },
    COMPACTION {
      @Override
      void setUp(SessionStore store, int size) {
        super.setUp(store, size);
        // Dead records, so that the next write's record makes the index worth compacting.
        for (int i = 0; i < 12; i++) {
          store.updateTags(T, Set.of("t" + i), Set.of());
        }
      }

      void act(SessionStore store, Path work, int size) {
        store.appendMessages(S, messages("more", size));
      }
    };

    /** Two sessions, one with a sub-transcript. */
    void setUp(SessionStore store, int size) {
      store.saveSession(S, messages("s", size), SaveOptions.tags("old"));
      store.appendMessages(SUB_A, messages("a", size));
      store.saveSession(T, messages("t", size));
    }

    abstract void act(SessionStore store, Path work, int size) throws Exception;
  }

  private FileCrashChild() {}

  /** Messages without a uuid, {@code size} of them, each a few hundred bytes. */
  static List<Message> messages(String prefix, int size) {
    String pad = "x".repeat(300);
    return IntStream.range(0, size)
        .mapToObj(
            i ->
                Message.of(
                    "{\"type\":\"user\",\"message\":{\"content\":\""
                        + prefix
                        + " "
                        + i
                        + " "
                        + pad
                        + "\"}}"))
        .toList();
  }

  /**
   * A store on the directory whose index is compacted past {@code compactAfter} records (a
   * test-sized limit).
   */
  static SessionStore open(Path dir, long compactAfter) throws ReflectiveOperationException {
    Constructor<FileBackend> c = FileBackend.class.getDeclaredConstructor(Path.class, long.class);
    c.setAccessible(true);
    return SessionStore.builder()
        .backend(c.newInstance(dir, compactAfter))
        .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
        .build();
  }

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    Scenario scenario = Scenario.valueOf(args[1]);
    int size = Integer.parseInt(args[2]);
    long compactAfter = Long.parseLong(args[3]);
    int killAt = Integer.parseInt(args[4]);
    AtomicInteger calls = new AtomicInteger();
    try (SessionStore store = open(work.resolve("store"), compactAfter)) {
      FileFaults.install(
          (op, file) -> {
            if (op != FileFaults.Op.WRITE && calls.incrementAndGet() == killAt) {
              Runtime.getRuntime().halt(137);
            }
          });
      scenario.act(store, work, size);
    }
    System.exit(0);
  }
}
