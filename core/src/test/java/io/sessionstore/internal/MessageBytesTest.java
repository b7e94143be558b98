package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StoredHead;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Messages read as UTF-8 (an archive's lines, a transcript's lines) reach the backend as the bytes
 * they were read as, neither decoded nor encoded again, and are stored exactly as they were.
 */
class MessageBytesTest {
  private static final SessionKey KEY = SessionKey.of("bytes", "s1");
  // Not ASCII, beyond the BMP, and with the whitespace an archive's writer may leave around it.
  private static final List<String> TEXTS =
      List.of(
          "{\"type\":\"user\",\"uuid\":\"u1\",\"text\":\"caf\u00e9 \ud83d\ude00\"}",
          " {\"type\":\"assistant\",\"uuid\":\"u2\",\"n\":1e2}\t",
          "{\"type\":\"user\",\"uuid\":\"u3\"}");

  /** A backend that keeps every commit it is given. */
  private static final class Recording extends MemoryBackend {
    final List<Commit> commits = new ArrayList<>();

    @Override
    public synchronized void commit(Commit commit) {
      commits.add(commit);
      super.commit(commit);
    }
  }

  private static SessionStore open(MemoryBackend backend) {
    return SessionStore.builder()
        .backend(backend)
        .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
        .build();
  }

  private static List<String> stored(SessionStore store) {
    return store.loadSession(KEY).orElseThrow().messages().stream().map(Message::json).toList();
  }

  private static void assertBytesOf(List<String> texts, Commit commit) {
    assertEquals(texts.size(), commit.messagesUtf8().size(), "the commit carries bytes");
    assertEquals(texts, commit.messages());
    for (int i = 0; i < texts.size(); i++) {
      assertArrayEquals(texts.get(i).getBytes(StandardCharsets.UTF_8), commit.utf8(i));
    }
  }

  @Test
  void anArchivesMessagesReachTheBackendAsTheirBytes() {
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    try (SessionStore source = open(new MemoryBackend())) {
      source.saveSession(KEY, TEXTS.stream().map(Message::of).toList());
      source.exportSessions(SearchQuery.in(Scope.project(KEY.project())).build(), archive);
    }
    Recording backend = new Recording();
    try (SessionStore store = open(backend)) {
      store.importSessions(new ByteArrayInputStream(archive.toByteArray()), ImportOptions.DEFAULTS);
      assertEquals(1, backend.commits.size());
      assertBytesOf(TEXTS, backend.commits.get(0));
      assertEquals(TEXTS, stored(store));
    }
  }

  @Test
  void aMessageParsedFromBytesReachesTheBackendAsACopyOfThem() {
    List<byte[]> lines = TEXTS.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    List<Message> messages =
        lines.stream().map(b -> Message.parse(b, tree -> null).message()).toList();
    // The caller's arrays are its own: changing them changes no message.
    lines.forEach(b -> b[b.length - 1] = 'X');
    Recording backend = new Recording();
    try (SessionStore store = open(backend)) {
      store.saveSession(KEY, messages);
      assertBytesOf(TEXTS, backend.commits.get(0));
      assertEquals(TEXTS, stored(store));
      assertEquals(TEXTS, messages.stream().map(Message::json).toList());
    }
  }

  @Test
  void anAppendOfMessagesParsedFromBytesSkipsThoseStoredAlready() {
    MemoryBackend backend = new MemoryBackend();
    try (SessionStore store = open(backend)) {
      store.saveSession(KEY, parsedFromBytes(TEXTS.subList(0, 2)));
      // Again, and one more: only the new one is stored, for uuids and bytes that are the same.
      store.appendMessages(KEY, parsedFromBytes(TEXTS));
      assertEquals(TEXTS, stored(store));
      store.appendMessages(KEY, parsedFromBytes(TEXTS));
      assertEquals(TEXTS, stored(store));
    }
  }

  private static List<Message> parsedFromBytes(List<String> texts) {
    return texts.stream()
        .map(t -> Message.parse(t.getBytes(StandardCharsets.UTF_8), tree -> null).message())
        .toList();
  }

  @Test
  void bytesOnSeveralLinesAreStoredOnOne() {
    String pretty = "{\n  \"type\": \"user\",\n  \"uuid\": \"u1\"\n}";
    Message m = Message.parse(pretty.getBytes(StandardCharsets.UTF_8), tree -> null).message();
    assertEquals(pretty, m.json());
    Recording backend = new Recording();
    try (SessionStore store = open(backend)) {
      store.saveSession(KEY, List.of(m));
      assertEquals(
          List.of("{\"type\":\"user\",\"uuid\":\"u1\"}"), backend.commits.get(0).messages());
      assertEquals(List.of("{\"type\":\"user\",\"uuid\":\"u1\"}"), stored(store));
    }
  }

  @Test
  void aCommitOfBytesDecodesItsMessagesAndOneOfTextEncodesThem() {
    MemoryBackend backend = new MemoryBackend();
    try (SessionStore store = open(backend)) {
      store.saveSession(KEY, List.of(Message.of(TEXTS.get(2))));
    }
    StoredHead head = backend.head(KEY).orElseThrow();
    long expected = head.version() - 1;
    List<byte[]> utf8 = TEXTS.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();

    Commit ofBytes = Commit.ofUtf8(Commit.Kind.APPEND, expected, utf8, head);
    assertEquals(TEXTS, ofBytes.messages());
    assertSame(utf8.get(0), ofBytes.utf8(0), "the bytes are not copied");
    assertBytesOf(TEXTS, ofBytes);

    Commit ofText = new Commit(Commit.Kind.APPEND, expected, TEXTS, head);
    assertEquals(List.of(), ofText.messagesUtf8());
    assertArrayEquals(utf8.get(0), ofText.utf8(0));
    assertEquals(ofText, ofBytes, "commits of the same texts are equal, as bytes or as text");
    assertEquals(ofText.hashCode(), ofBytes.hashCode());

    assertThrows(
        IllegalArgumentException.class,
        () -> new Commit(Commit.Kind.APPEND, expected, TEXTS, utf8.subList(0, 2), head));
  }
}
