package io.sessionstore.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A writer that dies after its commit marker: simulated exactly, by removing what the commit writes
 * after the marker (its part in the SDK's layout, its index entry). A commit without its part is
 * dropped by the next reader after the commit timeout; one without its index entry is completed.
 * Listings, searches and exports then agree with loads, and the SDK's reader sees what we load.
 */
class S3DeadWriterTest {
  /** How long a reader waits for a commit's part here: short, as the writers are dead for sure. */
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

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
  void aNewSessionWhoseWriterDiedBetweenMarkerAndPartIsDroppedEverywhere() {
    SessionKey key = SessionKey.of("p", "new");
    store().appendMessages(key, List.of(message("n1"), message("n2")));
    killAfterMarker(key);
    assertTrue(parts(key).isEmpty());

    SessionStore fresh = store();
    // The project's listing finds the marker, waits out the commit timeout, and drops the commit.
    assertEquals(Set.of("other"), listed(fresh));
    assertTrue(fresh.getMetadata(key).isEmpty());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        1, fresh.exportSessions(SearchQuery.in(Scope.allProjects()).build(), out).sessions());
    assertEquals(List.of(), sdkRead(key), "the SDK's reader sees no message of a dropped commit");
    // The session can be written anew.
    assertEquals(1, store().appendMessages(key, List.of(message("n3"))).metadata().messageCount());
    assertEquals(List.of(message("n3").json()), sdkRead(key));
    assertEquals(Set.of("other", "new"), listed(store()));
  }

  @Test
  void anAppendWhoseWriterDiedBetweenMarkerAndPartIsDroppedByTheNextReader() {
    SessionKey key = SessionKey.of("p", "old");
    store().appendMessages(key, List.of(message("a1")));
    store().appendMessages(key, List.of(message("a2")));
    killAfterMarker(key);

    SessionMetadata m = store().getMetadata(key).orElseThrow();
    assertEquals(1, m.messageCount());
    assertEquals(3, m.version(), "the head before the dropped commit, one version on");
    assertEquals(List.of(message("a1").json()), sdkRead(key));
    assertEquals(
        1,
        store().search(SearchQuery.in(Scope.project("p")).build()).items().stream()
            .filter(x -> x.sessionId().equals("old"))
            .findFirst()
            .orElseThrow()
            .messageCount());
  }

  @Test
  void theNextWriterDropsADeadWritersCommitBeforeItsOwn() {
    SessionKey key = SessionKey.of("p", "old");
    store().appendMessages(key, List.of(message("a1")));
    store().appendMessages(key, List.of(message("a2")));
    killAfterMarker(key);

    store().appendMessages(key, List.of(message("a3")));
    assertEquals(List.of(message("a1").json(), message("a3").json()), sdkRead(key));
    assertEquals(
        List.of(message("a1").json(), message("a3").json()),
        store().loadSession(key).orElseThrow().messages().stream().map(Message::json).toList());
  }

  @Test
  void aDropWhoseProcessDiedAfterTheVoidIsFinishedByTheNextReaderWithoutWaiting() {
    SessionKey key = SessionKey.of("p", "old");
    store().appendMessages(key, List.of(message("a1")));
    store().appendMessages(key, List.of(message("a2")));
    killAfterMarker(key);
    // What a reader that voided the part and then died leaves: an empty part, no VOID marker.
    raw.putObject(
        b -> b.bucket(bucket()).key("p/old/" + newestMarkerPart(key)), RequestBody.empty());

    // With a commit timeout of an hour, a reader that waited for it would never finish the test.
    SessionStore patient = store(Duration.ofHours(1));
    assertEquals(
        1,
        assertTimeoutPreemptively(
                Duration.ofMinutes(5),
                () -> patient.getMetadata(key).orElseThrow().messageCount(),
                "an empty part needs no commit timeout")
            .longValue());
    assertEquals(
        List.of(message("a1").json()),
        store().loadSession(key).orElseThrow().messages().stream().map(Message::json).toList());
  }

  @Test
  void anAppendWhoseWriterDiedBeforeItsIndexEntryReachesListingsOnceRead() {
    SessionKey key = SessionKey.of("p", "old");
    store().appendMessages(key, List.of(message("a1")));
    store().appendMessages(key, List.of(message("a2")));
    removeLastIndexEntry();

    SessionStore fresh = store();
    assertEquals(2, fresh.getMetadata(key).orElseThrow().messageCount());
    assertEquals(
        2,
        fresh.search(SearchQuery.in(Scope.project("p")).build()).items().stream()
            .filter(x -> x.sessionId().equals("old"))
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
   * Removes what a commit writes after its marker, as a writer that died right after it leaves the
   * bucket: the transcript's newest part and the newest index entry.
   */
  private void killAfterMarker(SessionKey key) {
    List<String> parts = parts(key);
    raw.deleteObject(b -> b.bucket(bucket()).key(parts.get(parts.size() - 1)));
    removeLastIndexEntry();
  }

  /** The part the transcript's newest commit marker names. */
  private String newestMarkerPart(SessionKey key) {
    List<String> markers = keys(".sessionstore/log/p/" + key.sessionId() + "/.sessionstore/");
    String body =
        raw.getObjectAsBytes(b -> b.bucket(bucket()).key(markers.get(markers.size() - 1)))
            .asString(StandardCharsets.UTF_8);
    return Marker.control(body.lines().findFirst().orElseThrow(), "test").part();
  }

  private void removeLastIndexEntry() {
    List<String> entries = indexEntries();
    raw.deleteObject(b -> b.bucket(bucket()).key(entries.get(entries.size() - 1)));
  }

  private List<String> indexEntries() {
    return keys(".sessionstore/index/log/");
  }

  private List<String> parts(SessionKey key) {
    return new RawBucket(raw, config).parts(key);
  }

  private List<String> keys(String prefix) {
    return new RawBucket(raw, config).keys(prefix);
  }

  private List<String> sdkRead(SessionKey key) {
    return new RawBucket(raw, config).sdkRead(key);
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
    return store(TIMEOUT);
  }

  private SessionStore store(Duration commitTimeout) {
    SessionStore s =
        SessionStore.builder()
            .config(
                SessionStoreConfig.of(config)
                    .with("sessionstore.cache.enabled", "false")
                    .with("sessionstore.s3.commit-timeout", commitTimeout.toMillis() + "ms"))
            .build();
    stores.add(s);
    return s;
  }

  private static Message message(String uuid) {
    return Message.of("{\"type\":\"user\",\"uuid\":\"" + uuid + "\"}");
  }
}
