package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.Message;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.StoredHead;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A short-lived store (a command-line run) starts neither the cache layer nor the scheduled
 * cleanup, whatever the configuration says, and still rejects a bad value of either.
 */
class ShortLivedStoreTest {
  private static final Map<String, String> BOTH_ON =
      Map.of(
          "sessionstore.cache.enabled", "true",
          "sessionstore.cleanup.max-age", "30d",
          "sessionstore.cleanup.interval", "1h");

  /**
   * Reads of a head by the backend for two reads of a saved session's metadata, and cleanup threads
   * alive meanwhile.
   */
  private static List<Long> backgroundWork(boolean shortLived) {
    AtomicInteger headReads = new AtomicInteger();
    MemoryBackend backend =
        new MemoryBackend() {
          @Override
          public Optional<StoredHead> head(SessionKey key) {
            headReads.incrementAndGet();
            return super.head(key);
          }
        };
    try (SessionStore store =
        SessionStore.builder()
            .config(SessionStoreConfig.of(BOTH_ON))
            .backend(backend)
            .shortLived(shortLived)
            .build()) {
      SessionKey key = SessionKey.of("p", "s");
      store.saveSession(key, List.of(Message.of("{\"type\":\"user\"}")), SaveOptions.NONE);
      headReads.set(0);
      store.getMetadata(key);
      store.getMetadata(key);
      long cleanupThreads =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.isAlive() && t.getName().equals("sessionstore-cleanup"))
              .count();
      return List.of((long) headReads.get(), cleanupThreads);
    }
  }

  @Test
  void aShortLivedStoreReadsThroughAndSchedulesNothing() {
    assertEquals(List.of(2L, 0L), backgroundWork(true));
  }

  @Test
  void otherwiseTheConfiguredCacheAndCleanupStart() {
    // The save filled the cache: both reads come from it.
    assertEquals(List.of(0L, 1L), backgroundWork(false));
  }

  @Test
  void badValuesAreRejectedAllTheSame() {
    for (String key : List.of("sessionstore.cache.enabled", "sessionstore.cleanup.max-age")) {
      assertThrows(
          ConfigurationException.class,
          () ->
              SessionStore.builder()
                  .config(SessionStoreConfig.of(Map.of(key, "maybe")))
                  .backend(new MemoryBackend())
                  .shortLived(true)
                  .build(),
          key);
    }
  }
}
