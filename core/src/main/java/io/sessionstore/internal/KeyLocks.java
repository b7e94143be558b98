package io.sessionstore.internal;

import io.sessionstore.api.SessionKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises this process's writers of one session (all its transcripts share a lock), so that they
 * queue here rather than racing and retrying against the backend. Striped: unrelated sessions may
 * share a lock.
 */
final class KeyLocks {
  private final ReentrantLock[] stripes;
  // Bumped at the end of every write of a stripe's sessions: a reader that saw no change may fill
  // the cache.
  private final AtomicLongArray epochs;

  KeyLocks(int count) {
    stripes = new ReentrantLock[count];
    for (int i = 0; i < count; i++) {
      stripes[i] = new ReentrantLock();
    }
    epochs = new AtomicLongArray(count);
  }

  ReentrantLock of(SessionKey key) {
    return stripes[stripe(key)];
  }

  /**
   * Locks the stripes of all these sessions, each once, in ascending order (as every thread that
   * holds more than one does); returns them in the order taken.
   */
  List<ReentrantLock> lockAll(Collection<SessionKey> keys) {
    TreeSet<Integer> wanted = new TreeSet<>();
    keys.forEach(k -> wanted.add(stripe(k)));
    List<ReentrantLock> held = new ArrayList<>(wanted.size());
    for (int stripe : wanted) {
      stripes[stripe].lock();
      held.add(stripes[stripe]);
    }
    return held;
  }

  long epoch(SessionKey key) {
    return epochs.get(stripe(key));
  }

  /** Called by a writer, holding the lock, when its write is done. */
  void written(SessionKey key) {
    epochs.incrementAndGet(stripe(key));
  }

  private int stripe(SessionKey key) {
    SessionKey main = key.main();
    int h = main.project().hashCode() * 31 + main.sessionId().hashCode();
    return Math.floorMod(h ^ (h >>> 16), stripes.length);
  }
}
