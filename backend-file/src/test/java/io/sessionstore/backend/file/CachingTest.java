package io.sessionstore.backend.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import io.sessionstore.api.Message;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.StoredHead;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache layer, observed with a Mockito spy on a real file backend. */
class CachingTest {
  @TempDir Path dir;

  private FileBackend backend;

  private SessionStore store(Map<String, String> extra) {
    backend = spy(new FileBackend(dir));
    Map<String, String> config = new HashMap<>(Map.of("sessionstore.cache.enabled", "true"));
    config.putAll(extra);
    return SessionStore.builder().backend(backend).config(SessionStoreConfig.of(config)).build();
  }

  private static List<Message> one(String uuid) {
    return List.of(Message.of("{\"type\":\"user\",\"uuid\":\"" + uuid + "\"}"));
  }

  @Test
  void aHitReturnsWithoutTouchingTheBackend() {
    try (SessionStore store = store(Map.of())) {
      SessionKey key = store.key("s");
      store.appendMessages(key, one("a"));
      store.loadSession(key);
      clearInvocations(backend);
      for (int i = 0; i < 5; i++) {
        assertEquals(1, store.loadSession(key).orElseThrow().messages().size());
        assertEquals(1, store.getMetadata(key).orElseThrow().messageCount());
      }
      verify(backend, never()).head(any());
      verify(backend, never()).messages(any(), anyLong());
    }
  }

  @Test
  void aWriteThroughTheStoreInvalidatesWhatItChanged() {
    try (SessionStore store = store(Map.of())) {
      SessionKey key = store.key("s");
      store.appendMessages(key, one("a"));
      store.loadSession(key);
      store.appendMessages(key, one("b"));
      clearInvocations(backend);
      assertEquals(2, store.loadSession(key).orElseThrow().messages().size());
      verify(backend, times(1)).messages(any(StoredHead.class), anyLong());
      assertEquals(2, store.loadSession(key).orElseThrow().messages().size());
      verify(backend, times(1)).messages(any(StoredHead.class), anyLong());
    }
  }

  @Test
  void anotherProcessesWriteIsSeenOnceTheTimeToLiveHasPassed() throws InterruptedException {
    try (SessionStore store = store(Map.of("sessionstore.cache.ttl", "50ms"));
        SessionStore other =
            SessionStore.builder()
                .backend(new FileBackend(dir))
                .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
                .build()) {
      SessionKey key = store.key("s");
      store.appendMessages(key, one("a"));
      assertEquals(1, store.loadSession(key).orElseThrow().messages().size());
      other.appendMessages(key, one("b"));
      Thread.sleep(400);
      assertEquals(2, store.loadSession(key).orElseThrow().messages().size());
    }
  }

  @Test
  void anAppendWithoutUuidsDoesNotReadTheTranscript() {
    try (SessionStore writer = store(Map.of())) {
      writer.appendMessages(writer.key("s"), one("a"));
    }
    try (SessionStore store = store(Map.of())) {
      store.appendMessages(store.key("s"), List.of(Message.of("{\"type\":\"user\"}")));
      verify(backend, never()).messages(any(), anyLong());
      store.appendMessages(store.key("s"), one("a"));
      verify(backend, times(1)).messages(any(), anyLong());
      assertEquals(
          2, store.getMetadata(store.key("s")).orElseThrow().messageCount(), "'a' was skipped");
    }
  }

  @Test
  void anAppendReadsOnlyTheStoredMessagesWhoseUuidItRepeats() {
    try (SessionStore store = store(Map.of())) {
      SessionKey key = store.key("s");
      store.saveSession(
          key, List.of(one("a").get(0), one("b").get(0), one("c").get(0), one("d").get(0)));
      clearInvocations(backend);
      store.appendMessages(key, one("e"));
      verify(backend, never()).messages(any(), anyLong());
      Message otherBytes = Message.of("{\"type\":\"user\",\"uuid\":\"c\",\"x\":1}");
      assertEquals(1, store.appendMessages(key, List.of(otherBytes, one("c").get(0))).skipped());
      verify(backend, times(1)).messages(any(), eq(2L));
      verify(backend, times(1)).messages(any(), anyLong());
      assertEquals(6, store.getMetadata(key).orElseThrow().messageCount(), "c was skipped");
    }
  }

  @Test
  void aPlaceholderUuidWithOtherBytesIsStoredWithoutARead() {
    try (SessionStore store = store(Map.of())) {
      SessionKey key = store.key("s");
      store.saveSession(key, List.of(placeholder(1), placeholder(2), placeholder(3)));
      clearInvocations(backend);
      for (int i = 4; i <= 6; i++) {
        assertEquals(1, store.appendMessages(key, List.of(placeholder(i))).stored());
      }
      verify(backend, never()).messages(any(), anyLong());
      assertEquals(1, store.appendMessages(key, List.of(placeholder(5))).skipped());
      verify(backend, times(1)).messages(any(), eq(4L));
      assertEquals(6, store.getMetadata(key).orElseThrow().messageCount());
    }
  }

  private static Message placeholder(int n) {
    return Message.of(
        "{\"type\":\"progress\",\"uuid\":\"00000000-0000-0000-0000-000000000000\",\"n\":"
            + n
            + "}");
  }

  @Test
  void anOffHeapTierServesHitsToo() {
    try (SessionStore store =
        store(
            Map.of("sessionstore.cache.offheap", "16MB", "sessionstore.cache.heap-entries", "1"))) {
      for (int i = 0; i < 5; i++) {
        store.appendMessages(store.key("s" + i), one("u" + i));
        store.loadSession(store.key("s" + i));
      }
      clearInvocations(backend);
      for (int i = 0; i < 5; i++) {
        List<Message> messages = store.loadSession(store.key("s" + i)).orElseThrow().messages();
        assertEquals(one("u" + i), messages);
      }
      verify(backend, never()).messages(any(), anyLong());
      assertTrue(store.getMetadata(store.key("s3")).isPresent());
    }
  }
}
