package io.sessionstore.backend.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the store does at the edges of its life and of its arguments, on the default backend. */
class StoreLifecycleTest {
  @TempDir java.nio.file.Path dir;

  private SessionStore open() {
    return SessionStore.builder()
        .config(SessionStoreConfig.of(Map.of("sessionstore.file.dir", dir.toString())))
        .build();
  }

  @Test
  void closingTwiceIsHarmlessAndUseAfterCloseSaysSo() {
    SessionStore store = open();
    store.appendMessages(store.key("s"), List.of(Message.of("{\"type\":\"user\"}")));
    store.close();
    store.close();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> store.loadSession(store.key("s")));
    assertEquals("This session store is closed", e.getMessage());
    try (SessionStore again = open()) {
      assertEquals(1, again.loadSession(again.key("s")).orElseThrow().messages().size());
    }
  }

  @Test
  void missingArgumentsAreNamedBadInput() {
    try (SessionStore store = open()) {
      SessionKey key = store.key("s");
      List<Message> one = List.of(Message.of("{}"));
      assertEquals(
          "Invalid save options: it is missing",
          assertThrows(InvalidInputException.class, () -> store.saveSession(key, one, null))
              .getMessage());
      assertEquals(
          "Invalid messages: it is missing",
          assertThrows(InvalidInputException.class, () -> store.appendMessages(key, null))
              .getMessage());
      assertThrows(InvalidInputException.class, () -> store.updateMetadata(key, null));
      assertThrows(InvalidInputException.class, () -> store.search(null));
      assertThrows(InvalidInputException.class, () -> store.importSessions(null, null));
      assertEquals(0, store.findSessions("s").size(), "nothing was stored");
    }
  }
}
