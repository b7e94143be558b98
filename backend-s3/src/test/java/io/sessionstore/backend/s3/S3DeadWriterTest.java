package io.sessionstore.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A writer that dies right after its commit marker: simulated exactly, by removing what the commit
 * writes after the marker (its index entry, its part in the SDK's layout). Later readers and
 * writers must complete it, so that listings, searches and exports agree with loads and the SDK's
 * reader sees the messages.
 */
class S3DeadWriterTest {
  private Map<String, String> config;
  private S3Client raw;
  private final List<SessionStore> stores = new ArrayList<>();

  @BeforeEach
  void setUp() {
    config = S3TestServer.freshStorage();
    raw = S3TestServer.rawClient(config);
    // Another session first, so that removing the last index entry never leaves an index that must
    // be rebuilt.
    store().appendMessages(SessionKey.of("p", "other"), List.of(message("o1")));
  }

  @AfterEach
  void tearDown() {
    stores.forEach(SessionStore::close);
    raw.close();
  }

  @Test
  void aNewSessionWhoseWriterDiedAfterItsMarkerIsListedSearchedExportedAndGetsItsPart() {
    SessionKey key = SessionKey.of("p", "new");
    store().appendMessages(key, List.of(message("n1"), message("n2")));
    killAfterMarker(key);
    assertTrue(parts(key).isEmpty());

    SessionStore fresh = store();
    assertEquals(Set.of("other", "new"), listed(fresh));
    assertEquals(
        Set.of("other", "new"),
        Set.copyOf(
            fresh.search(SearchQuery.in(Scope.project("p")).build()).items().stream()
                .map(SessionMetadata::sessionId)
                .toList()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        2, fresh.exportSessions(SearchQuery.in(Scope.allProjects()).build(), out).sessions());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"n2\""));
    assertEquals(List.of(message("n1").json(), message("n2").json()), sdkRead(key));
    assertEquals(Set.of("other", "new"), listed(store()));
  }

  @Test
  void anAppendWhoseWriterDiedAfterItsMarkerIsCompletedByTheNextReader() {
    SessionKey key = SessionKey.of("p", "old");
    store().appendMessages(key, List.of(message("a1")));
    store().appendMessages(key, List.of(message("a2")));
    killAfterMarker(key);

    assertEquals(2, store().getMetadata(key).orElseThrow().messageCount());
    assertEquals(List.of(message("a1").json(), message("a2").json()), sdkRead(key));
    assertEquals(
        2,
        store().search(SearchQuery.in(Scope.project("p")).build()).items().stream()
            .filter(m -> m.sessionId().equals("old"))
            .findFirst()
            .orElseThrow()
            .messageCount());
  }

  @Test
  void theNextWriterCompletesADeadWritersCommitBeforeItsOwn() {
    SessionKey key = SessionKey.of("p", "old");
    store().appendMessages(key, List.of(message("a1")));
    store().appendMessages(key, List.of(message("a2")));
    killAfterMarker(key);

    store().appendMessages(key, List.of(message("a3")));
    assertEquals(
        List.of(message("a1").json(), message("a2").json(), message("a3").json()), sdkRead(key));
    assertEquals(
        3,
        store().search(SearchQuery.in(Scope.project("p")).build()).items().stream()
            .filter(m -> m.sessionId().equals("old"))
            .findFirst()
            .orElseThrow()
            .messageCount());
  }

  @Test
  void aMetadataUpdateWhoseWriterDiedBeforeItsIndexEntryReachesListingsOnceRead() {
    SessionKey key = SessionKey.of("p", "tagged");
    store().appendMessages(key, List.of(message("t1")));
    store().updateMetadata(key, MetadataUpdate.tags(Set.of("red"), Set.of()));
    removeLastIndexEntry();

    SessionStore fresh = store();
    listed(fresh);
    assertEquals(List.of("red"), fresh.getMetadata(key).orElseThrow().tags());
    assertEquals(
        List.of("tagged"),
        store().search(SearchQuery.in(Scope.project("p")).tags("red").build()).items().stream()
            .map(SessionMetadata::sessionId)
            .toList());
  }

  @Test
  void aDeleteWhoseWriterDiedBeforeItsIndexEntryLeavesListingsOnceRead() {
    SessionKey key = SessionKey.of("p", "gone");
    store().appendMessages(key, List.of(message("g1")));
    store().deleteSession(key);
    removeLastIndexEntry();

    SessionStore fresh = store();
    listed(fresh);
    assertTrue(fresh.getMetadata(key).isEmpty());
    assertEquals(Set.of("other"), listed(store()));
  }

  @Test
  void metadataThatWouldNotReadBackIsRefusedAsBadInputOrStoredReadably() {
    SessionKey key = SessionKey.of("p", "poison");
    Message poison = Message.of("{\"type\":\"result\",\"uuid\":\"c1\",\"total_cost_usd\":1e1000}");
    try {
      store().appendMessages(key, List.of(poison));
      // The core bounds derived values: then the session must read back and list like any other.
      assertEquals(1, store().getMetadata(key).orElseThrow().messageCount());
      assertTrue(listed(store()).contains("poison"));
    } catch (InvalidInputException e) {
      assertTrue(store().getMetadata(key).isEmpty(), "nothing stored");
      assertEquals(Set.of("other"), listed(store()));
    }
    store().appendMessages(SessionKey.of("p", "after"), List.of(message("x")));
    assertTrue(listed(store()).contains("after"));
  }

  @Test
  void aDamagedMarkerIsOneClearErrorForItsSessionAndListingsStillWork() {
    SessionKey key = SessionKey.of("p", "damaged");
    store().appendMessages(key, List.of(message("d1")));
    String marker = ".sessionstore/log/p/damaged/.sessionstore/000000000002";
    raw.putObject(
        b -> b.bucket(bucket()).key(marker),
        RequestBody.fromString("{\"kind\":\"APPEND\",\"head\":{"));
    BackendUnavailableException e =
        assertThrows(BackendUnavailableException.class, () -> store().getMetadata(key));
    assertTrue(e.getMessage().startsWith("Damaged commit marker " + marker), e.getMessage());
    assertTrue(e.getMessage().contains("retrying will not help"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertEquals(Set.of("other", "damaged"), listed(store()));
  }

  @Test
  void aDamagedIndexEntryDoesNotFailListings() {
    String next = String.format(".sessionstore/index/log/%012d", indexEntries().size() + 1);
    raw.putObject(
        b -> b.bucket(bucket()).key(next), RequestBody.fromString("P 7 {\"project\":\"p\","));
    store().appendMessages(SessionKey.of("p", "later"), List.of(message("l1")));
    assertEquals(Set.of("other", "later"), listed(store()));
  }

  // ---- helpers
  // ------------------------------------------------------------------------------------------------

  /**
   * Removes what a commit writes after its marker: the transcript's newest part and the newest
   * index entry.
   */
  private void killAfterMarker(SessionKey key) {
    List<String> parts = parts(key);
    raw.deleteObject(b -> b.bucket(bucket()).key(parts.get(parts.size() - 1)));
    removeLastIndexEntry();
  }

  private void removeLastIndexEntry() {
    List<String> entries = indexEntries();
    raw.deleteObject(b -> b.bucket(bucket()).key(entries.get(entries.size() - 1)));
  }

  private List<String> indexEntries() {
    return keys(".sessionstore/index/log/");
  }

  private List<String> parts(SessionKey key) {
    String folder = key.project() + "/" + key.sessionId() + "/";
    return keys(folder).stream()
        .filter(k -> S3Layout.isPart(k.substring(folder.length())))
        .toList();
  }

  private List<String> keys(String prefix) {
    return raw.listObjectsV2Paginator(b -> b.bucket(bucket()).prefix(prefix)).contents().stream()
        .map(S3Object::key)
        .sorted()
        .toList();
  }

  /** The SDK's reader: the parts in lexical order, line by line. */
  private List<String> sdkRead(SessionKey key) {
    List<String> lines = new ArrayList<>();
    for (String part : parts(key)) {
      raw.getObjectAsBytes(b -> b.bucket(bucket()).key(part))
          .asString(StandardCharsets.UTF_8)
          .lines()
          .filter(l -> !l.isBlank())
          .forEach(lines::add);
    }
    return lines;
  }

  private static Set<String> listed(SessionStore s) {
    return Set.copyOf(
        s.listSessions(Scope.project("p"), 1000, null).items().stream()
            .map(SessionMetadata::sessionId)
            .toList());
  }

  private String bucket() {
    return config.get("sessionstore.s3.bucket");
  }

  private SessionStore store() {
    SessionStore s =
        SessionStore.builder()
            .config(SessionStoreConfig.of(config).with("sessionstore.cache.enabled", "false"))
            .build();
    stores.add(s);
    return s;
  }

  private static Message message(String uuid) {
    return Message.of("{\"type\":\"user\",\"uuid\":\"" + uuid + "\"}");
  }
}
