package io.sessionstore.internal;

import io.sessionstore.api.SessionKey;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises this process's writers of one session (all its transcripts share a lock), so that they queue here
 * rather than racing and retrying against the backend. Striped: unrelated sessions may share a lock.
 */
final class KeyLocks {
  private final ReentrantLock[] stripes;

  KeyLocks(int count) {
    stripes = new ReentrantLock[count];
    for (int i = 0; i < count; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  ReentrantLock of(SessionKey key) {
    SessionKey main = key.main();
    int h = main.project().hashCode() * 31 + main.sessionId().hashCode();
    return stripes[Math.floorMod(h ^ (h >>> 16), stripes.length)];
  }
}
