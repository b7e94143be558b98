package io.sessionstore.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.Message;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StoredHead;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Housekeeping ({@code removeLeftovers}) against S3Proxy: what a writer that died right after a
 * replace, a compaction or a delete left is removed, the SDK's reader then sees each message once,
 * and no writer (a stale one on a deleted session, or one appending meanwhile) gains or loses a
 * commit. A writer that died is simulated exactly: what it would have removed after its commit is
 * put back.
 */
class S3HousekeepingTest {
  private Map<String, String> config;
  private S3Client raw;
  private RawBucket objects;
  private final List<SessionStore> stores = new ArrayList<>();

  @BeforeEach
  void setUp() {
    config = S3TestServer.freshStorage();
    // Writers here die for sure: a reader need not wait long to drop their commits.
    config.put("sessionstore.s3.commit-timeout", "1000ms");
    raw = S3TestServer.rawClient(config);
    objects = new RawBucket(raw, config);
  }

  @AfterEach
  void tearDown() {
    stores.forEach(SessionStore::close);
    raw.close();
  }

  @Test
  void theOlderPartsOfAReplaceWhoseWriterDiedGoAndTheSdkReaderSeesEachMessageOnce() {
    SessionKey key = SessionKey.of("p", "replaced");
    S3Backend backend = backend(later());
    SessionStore store = store(backend);
    store.appendMessages(key, List.of(message("a1")));
    store.appendMessages(key, List.of(message("a2"), message("a3")));
    replaceAndDie(store, key, List.of(message("b1"), message("b2")));
    assertEquals(
        lines("a1", "a2", "a3", "b1", "b2"), objects.sdkRead(key), "what the dead writer left");

    assertEquals(2, backend.removeLeftovers());
    assertEquals(lines("b1", "b2"), objects.sdkRead(key));
    assertEquals(lines("b1", "b2"), loaded(store(), key));
    assertEquals(0, backend.removeLeftovers(), "nothing left the second time");
    assertEquals(lines("b1", "b2"), objects.sdkRead(key));
  }

  @Test
  void noOlderPartGoesWhileTheReplaceThatWouldReplaceThemMayStillBeDropped() {
    SessionKey key = SessionKey.of("p", "pending");
    S3Backend backend = backend(later());
    SessionStore store = store(backend);
    appendEach(store, key, "a1", "a2");
    replaceAndDie(store, key, List.of(message("b1")));
    // ... and earlier still, between its marker and its part: nothing else of it is there.
    List<String> now = objects.parts(key);
    raw.deleteObject(b -> b.bucket(bucket()).key(now.get(now.size() - 1)));

    assertEquals(0, backend.removeLeftovers());
    assertEquals(lines("a1", "a2"), objects.sdkRead(key));
    // A reader drops the replace after the commit timeout: the older parts are the session again.
    assertEquals(lines("a1", "a2"), loaded(store(), key));
    assertEquals(0, backend.removeLeftovers());
    assertEquals(lines("a1", "a2"), objects.sdkRead(key));
    assertEquals(lines("a1", "a2"), loaded(store(), key));
  }

  @Test
  void aGenerationWithAPartTheSdkWroteAmongItsPartsIsLeftAlone() {
    SessionKey key = SessionKey.of("p", "mixed");
    S3Backend backend = backend(later());
    SessionStore store = store(backend);
    appendEach(store, key, "a1", "a2");
    String firstPart = objects.parts(key).get(0);
    replaceAndDie(store, key, List.of(message("b1")));
    // Named right after our first part, before our second: the SDK's writer's clock was behind.
    String foreign =
        firstPart.substring(0, firstPart.length() - "abcdef.jsonl".length()) + "zzzzzz.jsonl";
    raw.putObject(b -> b.bucket(bucket()).key(foreign), RequestBody.fromString(line("sdk") + "\n"));

    assertEquals(
        0, backend.removeLeftovers(), "its markers account for two parts, three are there");
    assertEquals(lines("a1", "sdk", "a2", "b1"), objects.sdkRead(key));
    assertEquals(lines("b1"), loaded(store(), key));
  }

  @Test
  void thePartsACompactionMergedGoWhenItsWriterDiedAndAPartTheSdkWroteBeforeStays() {
    SessionKey key = SessionKey.of("p", "long");
    S3Backend backend = backend(later());
    SessionStore store = store(backend);
    List<String> written = new ArrayList<>();
    Map<String, byte[]> before = Map.of();
    for (int i = 0; ; i++) {
      before = contents(objects.parts(key));
      store.appendMessages(key, List.of(message("m" + i)));
      written.add(message("m" + i).json());
      if (objects.parts(key).size() == 1 && i > 0) {
        break;
      }
      assertTrue(i < 200, "no compaction after " + i + " commits");
    }
    // The dead writer left every part it merged: those before this commit, and this commit's own.
    putBack(before);
    Marker last = marker(key, markers(key).size() - 2); // the commit before the compaction
    raw.putObject(
        b -> b.bucket(bucket()).key("p/long/" + last.part()),
        RequestBody.fromString(written.get(written.size() - 1) + "\n"));
    // A part the SDK named before ours, which our order never took in: not ours to remove.
    String foreign = "p/long/part-0000000000001-sdkaaa.jsonl";
    raw.putObject(b -> b.bucket(bucket()).key(foreign), RequestBody.fromString(line("sdk") + "\n"));
    assertEquals(2 * written.size() + 1, objects.sdkRead(key).size());

    assertEquals(written.size(), backend.removeLeftovers());
    List<String> expected = new ArrayList<>(List.of(line("sdk")));
    expected.addAll(written);
    assertEquals(expected, objects.sdkRead(key), "each message once, the SDK's part kept");
    assertEquals(written, loaded(store(), key));
    store.appendMessages(key, List.of(message("after")));
    written.add(message("after").json());
    assertEquals(written, loaded(store(), key));
  }

  @Test
  void aDeletedSessionsOlderMarkersGoAfterADayAndAStaleWriterStillCannotCommitOnIt() {
    SessionKey key = SessionKey.of("p", "gone");
    AtomicReference<Instant> now = new AtomicReference<>(later().instant());
    S3Backend housekeeper = backend(clock(now));
    SessionStore store = store(housekeeper);
    appendEach(store, key, "g1", "g2", "g3");
    // Another process read the head moments before the delete, and writes on it afterwards.
    S3Backend stale = backend(Clock.systemUTC());
    store(stale);
    StoredHead old = stale.head(key).orElseThrow();
    Map<String, byte[]> before = contents(objects.parts(key));
    store.deleteSession(key);
    putBack(before); // the deleting writer died before removing the parts
    assertEquals(4, markers(key).size());

    assertEquals(0, housekeeper.removeLeftovers(), "a fresh delete keeps everything");
    assertEquals(4, markers(key).size());
    // Until the day is over, runs do not read it again.
    now.set(now.get().plus(Duration.ofHours(3)));
    Map<String, Long> counts = housekeeper.requestCounts();
    assertEquals(0, housekeeper.removeLeftovers());
    assertEquals(
        Map.of("GET", 1L, "LIST", 1L, "PUT", 1L),
        RawBucket.difference(housekeeper.requestCounts(), counts));

    now.set(now.get().plus(Duration.ofDays(2)));
    assertEquals(3 + 3, housekeeper.removeLeftovers());
    assertEquals(List.of(String.format("%012d", 4)), markerNames(key));
    assertEquals(List.of(), objects.sdkRead(key));

    String line = line("late");
    assertThrows(
        ConflictException.class,
        () ->
            stale.commit(
                new Commit(
                    Commit.Kind.APPEND,
                    old.version(),
                    List.of(line),
                    old.extend(List.of(line), Instant.now()))));
    assertEquals(List.of(String.format("%012d", 4)), markerNames(key));
    assertTrue(store().getMetadata(key).isEmpty());
    assertEquals(List.of(), objects.sdkRead(key));

    // A new life numbers its markers on; the delete marker under it stays.
    assertEquals(1, store.appendMessages(key, List.of(message("n1"))).metadata().version());
    assertEquals(0, housekeeper.removeLeftovers());
    assertEquals(lines("n1"), loaded(store(), key));
    assertEquals(2, markers(key).size());
  }

  @Test
  void anAppendWhileHousekeepingRunsIsNeverLost() throws Exception {
    SessionKey key = SessionKey.of("p", "busy");
    SessionStore writer = store();
    S3Backend housekeeper = backend(later());
    store(housekeeper);
    List<String> written = new ArrayList<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    AtomicInteger runs = new AtomicInteger();
    Thread sweeping =
        new Thread(
            () -> {
              try {
                while (!done.get()) {
                  housekeeper.removeLeftovers();
                  runs.incrementAndGet();
                }
              } catch (Throwable t) {
                failed.set(t);
              }
            });
    sweeping.start();
    try {
      for (int i = 0; i < 40; i++) {
        if (i == 20) {
          writer.saveSession(key, List.of(message("r")));
          written.clear();
          written.add(message("r").json());
        }
        writer.appendMessages(key, List.of(message("w" + i)));
        written.add(message("w" + i).json());
      }
    } finally {
      done.set(true);
      sweeping.join();
    }
    assertEquals(null, failed.get());
    assertTrue(runs.get() > 0);
    assertEquals(written, loaded(store(), key));
    assertEquals(written, objects.sdkRead(key));
  }

  @Test
  void housekeepingCostsAListingOfTheMarkersAndAFewRequestsPerChangedTranscript() {
    S3Backend writerBackend = backend(Clock.systemUTC());
    SessionStore store = store(writerBackend);
    store.appendMessages(SessionKey.of("p", "kept"), List.of(message("k1")));
    store.appendMessages(SessionKey.of("p", "kept"), List.of(message("k2")));
    SessionKey replaced = SessionKey.of("p", "replaced");
    store.appendMessages(replaced, List.of(message("a1")));
    replaceAndDie(store, replaced, List.of(message("b1")));
    store.appendMessages(SessionKey.of("p", "gone"), List.of(message("g1")));
    store.deleteSession(SessionKey.of("p", "gone"));

    // Right after the writes (as the run after a cleanup's deletes): only the listing is read, as
    // the writers are taken to be at work still.
    S3Backend justAfter = backend(Clock.systemUTC());
    store(justAfter);
    Map<String, Long> first = justAfter.requestCounts();
    assertEquals(0, justAfter.removeLeftovers());
    assertEquals(
        Map.of("GET", 1L, "LIST", 1L, "PUT", 1L),
        RawBucket.difference(justAfter.requestCounts(), first));

    // A fresh process, a day and more after all this.
    S3Backend fresh = backend(Clock.offset(Clock.systemUTC(), Duration.ofDays(2)));
    store(fresh);
    Map<String, Long> start = fresh.requestCounts();
    assertEquals(2, fresh.removeLeftovers()); // the replaced part, the deleted marker
    // The progress (a GET), the markers (a LIST), each transcript's newest marker (3 GETs); the
    // replaced one's parts (a LIST) and the marker before its replace (a GET); the deleted one's
    // parts (a LIST); one DeleteObjects; the progress saved (a PUT).
    assertEquals(
        Map.of("GET", 5L, "LIST", 3L, "DELETE", 1L, "PUT", 1L),
        RawBucket.difference(fresh.requestCounts(), start));
    assertEquals(lines("b1"), objects.sdkRead(replaced));

    start = fresh.requestCounts();
    assertEquals(0, fresh.removeLeftovers());
    // Nothing written since: the progress, the markers, the progress saved.
    assertEquals(
        Map.of("GET", 1L, "LIST", 1L, "PUT", 1L),
        RawBucket.difference(fresh.requestCounts(), start));
  }

  @Test
  void aRunCutShortGoesOnWhereItStopped() {
    List<SessionKey> keys = new ArrayList<>();
    SessionStore store = store();
    for (int i = 0; i < 4; i++) {
      SessionKey key = SessionKey.of("p", "s" + i);
      keys.add(key);
      store.appendMessages(key, List.of(message("a" + i)));
      replaceAndDie(store, key, List.of(message("b" + i)));
    }
    S3Settings settings = S3Settings.of(BackendConfig.of(new S3BackendProvider(), config));
    S3Layout layout = new S3Layout(settings.prefix());
    AtomicInteger deletes = new AtomicInteger();
    try (ObjectStore failing =
        new ObjectStore(
            failingSecondDelete(S3Clients.build(settings, new RequestCounter()), deletes),
            settings)) {
      Housekeeping cut = new Housekeeping(failing, layout, later(), 1);
      assertThrows(BackendUnavailableException.class, cut::removeLeftovers);
    }
    assertEquals(2, deletes.get());
    String progress =
        new String(
            raw.getObjectAsBytes(b -> b.bucket(bucket()).key(layout.housekeepingState()))
                .asByteArray(),
            StandardCharsets.UTF_8);
    assertTrue(progress.contains("\"after\""), progress);
    assertEquals(lines("b0"), objects.sdkRead(keys.get(0)), "done before the cut");
    assertEquals(2, objects.sdkRead(keys.get(3)).size(), "not yet");

    RequestCounter counted = new RequestCounter();
    try (ObjectStore again = new ObjectStore(S3Clients.build(settings, counted), settings)) {
      // Only the transcript cut short and those after it are looked at again.
      assertEquals(3, new Housekeeping(again, layout, later(), 1).removeLeftovers());
    }
    // The progress, then for each of the three transcripts left its newest marker and the marker
    // before its replace.
    assertEquals(1 + 3 * 2L, (long) counted.snapshot().get("GET"));
    for (int i = 0; i < 4; i++) {
      assertEquals(lines("b" + i), objects.sdkRead(keys.get(i)));
    }
    progress =
        new String(
            raw.getObjectAsBytes(b -> b.bucket(bucket()).key(layout.housekeepingState()))
                .asByteArray(),
            StandardCharsets.UTF_8);
    assertFalse(progress.contains("\"after\""), progress);
  }

  // ---- helpers

  /** A client that fails its second DeleteObjects, as a process that dies there stops. */
  private static S3Client failingSecondDelete(S3Client real, AtomicInteger deletes) {
    InvocationHandler h =
        (proxy, method, args) -> {
          if (method.getName().equals("deleteObjects") && deletes.incrementAndGet() == 2) {
            throw software.amazon.awssdk.core.exception.SdkClientException.create("cut short");
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    return (S3Client)
        Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, h);
  }

  private S3Backend backend(Clock clock) {
    return new S3Backend(S3Settings.of(BackendConfig.of(new S3BackendProvider(), config)), clock);
  }

  private SessionStore store() {
    return store(backend(Clock.systemUTC()));
  }

  private SessionStore store(S3Backend backend) {
    SessionStore s =
        SessionStore.builder()
            .config(SessionStoreConfig.of(config).with("sessionstore.cache.enabled", "false"))
            .backend(backend)
            .build();
    stores.add(s);
    return s;
  }

  /** A clock at which what a test just wrote has settled: housekeeping looks at it. */
  private static Clock later() {
    return Clock.offset(Clock.systemUTC(), Housekeeping.SETTLE.plusHours(1));
  }

  private static Clock clock(AtomicReference<Instant> now) {
    return new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now.get();
      }
    };
  }

  private List<String> loaded(SessionStore s, SessionKey key) {
    return s.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList();
  }

  private Map<String, byte[]> contents(List<String> keys) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String k : keys) {
      out.put(k, raw.getObjectAsBytes(b -> b.bucket(bucket()).key(k)).asByteArray());
    }
    return out;
  }

  /** Appends each message as a commit of its own (a part each). */
  private static void appendEach(SessionStore store, SessionKey key, String... uuids) {
    for (String uuid : uuids) {
      store.appendMessages(key, List.of(message(uuid)));
    }
  }

  /**
   * Replaces the transcript's messages as a writer that dies right after its commit does: the parts
   * it would have removed next are still there.
   */
  private void replaceAndDie(SessionStore store, SessionKey key, List<Message> messages) {
    Map<String, byte[]> before = contents(objects.parts(key));
    store.saveSession(key, messages);
    putBack(before);
  }

  /** Puts objects back as they were (what a writer that died before removing them leaves). */
  private void putBack(Map<String, byte[]> saved) {
    saved.forEach(
        (k, body) -> raw.putObject(b -> b.bucket(bucket()).key(k), RequestBody.fromBytes(body)));
  }

  private List<String> markers(SessionKey key) {
    return objects.keys(
        ".sessionstore/log/" + key.project() + "/" + key.sessionId() + "/.sessionstore/");
  }

  private List<String> markerNames(SessionKey key) {
    return markers(key).stream().map(k -> k.substring(k.lastIndexOf('/') + 1)).toList();
  }

  /** The control data of the transcript's marker at {@code index} in the listing. */
  private Marker marker(SessionKey key, int index) {
    String k = markers(key).get(index);
    String body =
        raw.getObjectAsBytes(b -> b.bucket(bucket()).key(k)).asString(StandardCharsets.UTF_8);
    return Marker.control(body.lines().findFirst().orElseThrow(), k);
  }

  private String bucket() {
    return config.get("sessionstore.s3.bucket");
  }

  private static String line(String uuid) {
    return "{\"type\":\"user\",\"uuid\":\"" + uuid + "\"}";
  }

  private static List<String> lines(String... uuids) {
    return java.util.Arrays.stream(uuids).map(S3HousekeepingTest::line).toList();
  }

  private static Message message(String uuid) {
    return Message.of(line(uuid));
  }
}
