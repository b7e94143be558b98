package io.sessionstore.backend.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What is particular to the MongoDB backend: its indexes, sessions past 16 MB, leftovers, start-up
 * errors.
 */
class MongoBackendTest {
  private Map<String, String> config;
  private MongoClient raw;
  private final List<SessionStore> stores = new ArrayList<>();

  @BeforeEach
  void setUp() {
    config = MongoTestServer.freshStorage();
    raw = MongoClients.create(config.get("sessionstore.mongo.uri"));
  }

  @AfterEach
  void tearDown() {
    stores.forEach(SessionStore::close);
    raw.close();
  }

  private SessionStore store(Map<String, String> extra) {
    Map<String, String> c = new HashMap<>(config);
    c.put("sessionstore.cache.enabled", "false");
    c.putAll(extra);
    SessionStore s = SessionStore.builder().config(SessionStoreConfig.of(c)).build();
    stores.add(s);
    return s;
  }

  private MongoCollection<Document> collection(String name) {
    return raw.getDatabase(config.get("sessionstore.mongo.database"))
        .getCollection("sessionstore_" + name);
  }

  private static Set<String> indexNames(MongoCollection<Document> c) {
    Set<String> names = new HashSet<>();
    c.listIndexes().forEach(d -> names.add(d.getString("name")));
    return names;
  }

  @Test
  void theIndexesSearchAndAppendUseExistAfterStartUp() {
    store(Map.of("sessionstore.mongo.ttl", "90d"));
    assertTrue(
        indexNames(collection("heads"))
            .containsAll(Set.of("tags_updated", "updated", "session", "ttl_updated")),
        indexNames(collection("heads")).toString());
    assertTrue(
        indexNames(collection("messages")).contains("session_seq"),
        indexNames(collection("messages")).toString());
    Document ttl =
        new ArrayList<Document>() {
          {
            collection("heads").listIndexes().into(this);
          }
        }.stream().filter(d -> "ttl_updated".equals(d.getString("name"))).findFirst().orElseThrow();
    assertEquals(90L * 24 * 3600, ((Number) ttl.get("expireAfterSeconds")).longValue());
  }

  @Test
  void aSessionWellAboveSixteenMegabytesRoundTrips() {
    SessionStore store = store(Map.of());
    SessionKey key = store.key("big");
    String huge =
        "{\"type\":\"user\",\"uuid\":\"huge\",\"content\":\"" + "é".repeat(9_000_000) + "🎉\"}";
    List<Message> messages = new ArrayList<>();
    messages.add(Message.of(huge));
    for (int i = 0; i < 4000; i++) {
      messages.add(
          Message.of(
              "{\"type\":\"assistant\",\"n\":" + i + ",\"text\":\"" + "x".repeat(1500) + "\"}"));
    }
    store.saveSession(key, messages);
    store.appendMessages(key, List.of(Message.of("{\"type\":\"user\",\"uuid\":\"tail\"}")));
    try (Stream<Message> s = store.streamMessages(key)) {
      List<String> loaded = s.map(Message::json).toList();
      assertEquals(4002, loaded.size());
      assertEquals(huge, loaded.get(0), "a message over 15 MB comes back whole, byte for byte");
      assertEquals(messages.get(4000).json(), loaded.get(4000));
      assertTrue(
          loaded.stream()
                  .mapToLong(l -> l.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                  .sum()
              > 20_000_000L,
          "well above the 16 MB document limit");
    }
    assertTrue(
        collection("messages")
                .countDocuments(new Document("k", MongoBackend.id(key)).append("s", 0L))
            > 1,
        "the huge message was split into chunks");
  }

  @Test
  void messagesACrashedWriterLeftAreNeverSeenAndGiveWayToTheNextWriter() {
    SessionStore store = store(Map.of());
    SessionKey key = store.key("s");
    store.appendMessages(key, List.of(Message.of("{\"type\":\"user\",\"n\":0}")));
    long generation =
        collection("heads")
            .find(new Document("_id", MongoBackend.id(key)))
            .first()
            .getLong("generation");
    // A writer inserted message 1 a moment ago and died (or stalled) before moving the head: the
    // next writer
    // fences it at once rather than waiting for its documents to age.
    collection("messages")
        .insertOne(
            new Document("_id", MongoBackend.messageId(key, generation, 1, 0))
                .append("k", MongoBackend.id(key))
                .append("g", generation)
                .append("s", 1L)
                .append("c", 0)
                .append("n", 1)
                .append("w", 42L)
                .append("at", System.currentTimeMillis())
                .append("t", "{\"orphan\":true}"));
    assertEquals(1, store.loadSession(key).orElseThrow().messages().size());
    store.appendMessages(key, List.of(Message.of("{\"type\":\"user\",\"n\":1}")));
    assertEquals(
        List.of("{\"type\":\"user\",\"n\":0}", "{\"type\":\"user\",\"n\":1}"),
        store.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList());
    store.deleteSession(key);
    assertEquals(0, collection("messages").countDocuments(new Document("k", MongoBackend.id(key))));
  }

  @Test
  void cleanupRemovesMessagesThatADeleteCutShortLeftBehind() {
    SessionStore store = store(Map.of());
    SessionKey kept = store.key("kept");
    store.appendMessages(kept, List.of(Message.of("{\"type\":\"user\",\"n\":0}")));
    long old = System.currentTimeMillis() - MongoBackend.LEFTOVER_AGE.toMillis() - 1000;
    // A delete that died after removing the head: its messages stay, unreachable.
    collection("messages")
        .insertOne(
            new Document(
                    "_id", "p\u001fgone\u001f\u001f0000000000000001\u001f000000000000\u001f0000")
                .append("k", "p\u001fgone\u001f")
                .append("g", 1L)
                .append("s", 0L)
                .append("c", 0)
                .append("n", 1)
                .append("w", 7L)
                .append("at", old)
                .append("t", "{}"));
    // A live writer's messages, inserted a moment ago and not committed yet, must survive.
    collection("messages")
        .insertOne(
            new Document(
                    "_id", "p\u001fbusy\u001f\u001f0000000000000001\u001f000000000000\u001f0000")
                .append("k", "p\u001fbusy\u001f")
                .append("g", 1L)
                .append("s", 0L)
                .append("c", 0)
                .append("n", 1)
                .append("w", 8L)
                .append("at", System.currentTimeMillis())
                .append("t", "{}"));
    collection("messages")
        .updateMany(
            new Document("k", MongoBackend.id(kept)),
            new Document("$set", new Document("at", old)));
    store.cleanupOldSessions(java.time.Duration.ofDays(30));
    assertEquals(0, collection("messages").countDocuments(new Document("k", "p\u001fgone\u001f")));
    assertEquals(1, collection("messages").countDocuments(new Document("k", "p\u001fbusy\u001f")));
    assertEquals(
        1, store.loadSession(kept).orElseThrow().messages().size(), "referenced messages stay");
  }

  @Test
  void anUnreachableServerFailsWithinTheTimeoutAndNeverShowsThePassword() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Map<String, String> c = new HashMap<>(config);
    c.put(
        "sessionstore.mongo.uri",
        "mongodb://alice:s3cret-pw@127.0.0.1:" + closed + "/?authSource=admin");
    c.put("sessionstore.mongo.timeout", "1s");
    long start = System.nanoTime();
    BackendUnavailableException e =
        assertThrows(
            BackendUnavailableException.class,
            () -> SessionStore.builder().config(SessionStoreConfig.of(c)).build().close());
    assertTrue(
        System.nanoTime() - start < 30_000_000_000L,
        "bounded by the configured timeout, not 30 s of silence");
    assertTrue(
        e.getMessage().contains("Cannot reach MongoDB at 127.0.0.1:" + closed), e.getMessage());
    assertFalse(e.getMessage().contains("s3cret-pw"), e.getMessage());
  }

  @Test
  void databaseAndCollectionNamesMongoDbRefusesAreConfigurationErrors() {
    for (String[] bad :
        List.of(
            new String[] {"database", "bad/db.name$"},
            new String[] {"database", "x".repeat(64)},
            new String[] {"database", "a b"},
            new String[] {"collection-prefix", "a$"},
            new String[] {"collection-prefix", "system."})) {
      ConfigurationException e =
          assertThrows(
              ConfigurationException.class,
              () -> store(Map.of("sessionstore.mongo." + bad[0], bad[1])),
              bad[1]);
      assertTrue(e.getMessage().startsWith("Invalid sessionstore.mongo." + bad[0]), e.getMessage());
    }
  }

  @Test
  void metadataThatWouldNotReadBackIsRefusedAsBadInputOrStoredReadably() {
    SessionStore s = store(Map.of());
    s.appendMessages(SessionKey.of("p", "other"), List.of(Message.of("{\"uuid\":\"o\"}")));
    SessionKey key = SessionKey.of("p", "poison");
    Message poison = Message.of("{\"type\":\"result\",\"uuid\":\"c1\",\"total_cost_usd\":1e1000}");
    try {
      s.appendMessages(key, List.of(poison));
      // The core bounds derived values: then the session must read back and list like any other.
      assertEquals(1, s.getMetadata(key).orElseThrow().messageCount());
      assertEquals(Set.of("other", "poison"), listed(s));
    } catch (InvalidInputException e) {
      assertTrue(s.getMetadata(key).isEmpty(), "nothing stored");
      assertEquals(
          0,
          collection("messages")
              .countDocuments(new Document("k", new Document("$regex", "poison"))));
      assertEquals(Set.of("other"), listed(s));
    }
  }

  @Test
  void aDamagedStoredHeadIsOneClearErrorForItsSessionAndListingsLeaveItOut() {
    SessionStore s = store(Map.of());
    s.appendMessages(SessionKey.of("p", "good"), List.of(Message.of("{\"uuid\":\"g\"}")));
    s.appendMessages(SessionKey.of("p", "bad"), List.of(Message.of("{\"uuid\":\"b\"}")));
    Document bad = collection("heads").find(new Document("session", "bad")).first();
    collection("heads")
        .updateOne(
            new Document("_id", bad.get("_id")),
            new Document("$set", new Document("head", "{\"project\":\"p\",")));

    assertEquals(Set.of("good"), listed(s));
    assertEquals(
        List.of("good"),
        s.search(SearchQuery.in(Scope.project("p")).build()).items().stream()
            .map(SessionMetadata::sessionId)
            .toList());
    BackendUnavailableException e =
        assertThrows(
            BackendUnavailableException.class, () -> s.getMetadata(SessionKey.of("p", "bad")));
    assertTrue(e.getMessage().startsWith("Damaged stored head"), e.getMessage());
    assertTrue(e.getMessage().contains("retrying will not help"), e.getMessage());
  }

  private static Set<String> listed(SessionStore s) {
    return Set.copyOf(
        s.listSessions(Scope.project("p"), 100, null).items().stream()
            .map(SessionMetadata::sessionId)
            .toList());
  }
}
