package io.sessionstore.backend.file;

import io.sessionstore.api.SessionKey;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Locks shared by threads and processes. A file lock alone does not exclude threads of one JVM (a
 * second lock on the same file throws there), so each lock file is paired with an in-JVM lock held
 * first. Lock files are never deleted: a lock on a file that another process deleted would exclude
 * nobody. Sessions map to a fixed set of stripes.
 */
final class FileLocks {
  private static final int STRIPES = 64;
  // Static: two backends of one JVM on the same directory must exclude each other too.
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  /** The stripes' lock files and the index's, as keys of {@link #JVM_LOCKS}. */
  private final Path[] stripes = new Path[STRIPES];

  private final Path index;

  FileLocks(Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = absolute.resolve((i < 10 ? "s0" : "s") + i + ".lock");
    }
    index = absolute.resolve("index.lock");
  }

  /** Holds a lock until closed. */
  interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  Held session(SessionKey key) throws IOException {
    return acquire(stripes[stripe(key)]);
  }

  /**
   * Holds the locks of all these sessions. Their stripes are taken in ascending order, each once (a
   * second lock on a file this JVM holds would throw), and before the index's lock, as a thread
   * that holds one session's lock takes no other but the index's: no two threads wait for each
   * other.
   */
  Held sessions(Collection<SessionKey> keys) throws IOException {
    TreeSet<Integer> wanted = new TreeSet<>();
    keys.forEach(k -> wanted.add(stripe(k)));
    ArrayDeque<Held> held = new ArrayDeque<>(wanted.size());
    Held all =
        () -> {
          IOException failure = null;
          while (!held.isEmpty()) {
            try {
              held.pop().close();
            } catch (IOException e) {
              if (failure == null) {
                failure = e;
              } else {
                failure.addSuppressed(e);
              }
            }
          }
          if (failure != null) {
            throw failure;
          }
        };
    try {
      for (int stripe : wanted) {
        held.push(acquire(stripes[stripe]));
      }
      return all;
    } catch (IOException | RuntimeException e) {
      try {
        all.close();
      } catch (IOException released) {
        e.addSuppressed(released);
      }
      throw e;
    }
  }

  private static int stripe(SessionKey key) {
    SessionKey main = key.main();
    // String.hashCode is specified, so every process picks the same stripe.
    return Math.floorMod((main.project() + "/" + main.sessionId()).hashCode(), STRIPES);
  }

  Held index() throws IOException {
    return acquire(index);
  }

  private static Held acquire(Path file) throws IOException {
    ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file, p -> new ReentrantLock());
    jvm.lock();
    FileChannel ch = null;
    try {
      ch = SecureFiles.open(file, StandardOpenOption.WRITE);
      FileLock lock = ch.lock();
      FileChannel channel = ch;
      return () -> {
        try {
          lock.release();
          channel.close();
        } finally {
          jvm.unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      jvm.unlock();
      throw e;
    }
  }
}
