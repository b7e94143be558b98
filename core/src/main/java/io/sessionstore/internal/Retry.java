package io.sessionstore.internal;

import io.sessionstore.api.ConflictException;
import io.sessionstore.api.SessionKey;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The one policy for a change that lost a race with another process's writer (a {@link
 * ConflictException} from a compare-and-set): it is recomputed from what is stored now and tried
 * again after a short random pause that grows with the attempts, up to {@link #MAX_ATTEMPTS}.
 */
final class Retry {
  static final int MAX_ATTEMPTS = 200;

  private Retry() {}

  /**
   * Runs {@code attempt} until it does not lose a race. A {@link StaleVersion} (the caller's own
   * expected version is not the stored one) is never retried.
   */
  static <T> T onConflict(SessionKey key, Supplier<T> attempt) {
    for (int n = 1; ; n++) {
      try {
        return attempt.get();
      } catch (StaleVersion e) {
        throw e;
      } catch (ConflictException e) {
        backOff(n, key, e);
      }
    }
  }

  /** Waits a little before attempt {@code attempt + 1}; gives up after {@link #MAX_ATTEMPTS}. */
  static void backOff(int attempt, SessionKey key, ConflictException cause) {
    if (attempt >= MAX_ATTEMPTS) {
      throw new ConflictException(
          "Cannot write "
              + key
              + ": it kept changing under other writers ("
              + attempt
              + " attempts)",
          cause);
    }
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 2 + Math.min(attempt, 20) * 2L));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConflictException("Cannot write " + key + ": interrupted while retrying", cause);
    }
  }

  /**
   * A change whose caller named the version it expected, and another is stored: the caller's
   * conflict.
   */
  static final class StaleVersion extends ConflictException {
    private static final long serialVersionUID = 1L;

    StaleVersion(String message) {
      super(message);
    }
  }
}
