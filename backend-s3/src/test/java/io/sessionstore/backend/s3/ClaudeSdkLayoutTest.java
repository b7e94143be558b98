package io.sessionstore.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.Message;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.BackendConfig;
import io.sessionstore.tck.Fixtures;
import io.sessionstore.tck.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Interoperability with the Claude Agent SDK's S3 session store, whose reference adapter writes
 * each append as {@code {prefix}{project}/{session}/part-{epochMs13}-{rand6}.jsonl} and reads a
 * session by listing its parts and reading them in lexical order. The reader and writer here follow
 * that description with the plain S3 client.
 */
class ClaudeSdkLayoutTest {
  private static final String PROJECT = "-Users-Me-Repo-A";
  private Map<String, String> config;
  private S3Client raw;
  private final List<SessionStore> stores = new ArrayList<>();

  @BeforeEach
  void setUp() {
    config = new HashMap<>(S3TestServer.freshStorage());
    config.put("sessionstore.s3.prefix", "team/");
    store(Clock.systemUTC()).close();
    raw =
        S3Client.builder()
            .endpointOverride(URI.create(config.get("sessionstore.s3.endpoint")))
            .region(Region.of(config.getOrDefault("sessionstore.s3.region", "us-east-1")))
            .forcePathStyle(
                Boolean.parseBoolean(config.getOrDefault("sessionstore.s3.path-style", "false")))
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(
                        config.get("sessionstore.s3.access-key"),
                        config.get("sessionstore.s3.secret-key"))))
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .build();
  }

  @AfterEach
  void tearDown() {
    stores.forEach(SessionStore::close);
    raw.close();
  }

  private SessionStore store(Clock clock) {
    S3Backend backend =
        new S3Backend(S3Settings.of(BackendConfig.of(new S3BackendProvider(), config)), clock);
    SessionStore s =
        SessionStore.builder()
            .backend(backend)
            .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
            .build();
    stores.add(s);
    return s;
  }

  private String bucket() {
    return config.get("sessionstore.s3.bucket");
  }

  /**
   * Reads a session as the SDK's reference reader does: its parts, in lexical order, line by line.
   */
  private List<String> sdkRead(String project, String session) {
    String folder = "team/" + project + "/" + session + "/";
    List<String> parts = new ArrayList<>();
    raw.listObjectsV2Paginator(b -> b.bucket(bucket()).prefix(folder)).contents().stream()
        .map(S3Object::key)
        .filter(
            k ->
                k.substring(folder.length()).startsWith("part-")
                    && !k.substring(folder.length()).contains("/"))
        .forEach(parts::add);
    List<String> lines = new ArrayList<>();
    parts.stream()
        .sorted()
        .forEach(
            k -> {
              String body =
                  raw.getObjectAsBytes(b -> b.bucket(bucket()).key(k))
                      .asString(StandardCharsets.UTF_8);
              body.lines().filter(l -> !l.isBlank()).forEach(lines::add);
            });
    return lines;
  }

  /**
   * Writes a session as the SDK's reference writer does: one part per batch, named by the writer's
   * clock.
   */
  private void sdkWrite(String project, String session, List<String> lines, long startMillis) {
    for (int i = 0; i < lines.size(); i += 3) {
      String body = String.join("\n", lines.subList(i, Math.min(lines.size(), i + 3))) + "\n";
      String key = "team/" + project + "/" + session + "/" + S3Layout.partName(startMillis + i);
      raw.putObject(
          b -> b.bucket(bucket()).key(key), RequestBody.fromString(body, StandardCharsets.UTF_8));
    }
  }

  @Test
  void aSessionTheSdkWroteLoadsHereAndIsSearchableAfterwards() {
    String transcript =
        Fixtures.jsonLinesFiles().stream()
            .filter(f -> f.startsWith("claude-projects/"))
            .filter(f -> Fixtures.lines(f).size() >= 7)
            .findFirst()
            .orElseThrow();
    List<String> lines = Fixtures.lines(transcript);
    long start = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
    sdkWrite(PROJECT, "sdk-sess", lines, start);
    SessionStore store = store(Clock.systemUTC());
    SessionKey key = SessionKey.of(PROJECT, "sdk-sess");
    assertEquals(
        lines,
        store.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList());
    SessionMetadata m = store.getMetadata(key).orElseThrow();
    assertEquals(lines.size(), m.messageCount());
    assertEquals(Instant.ofEpochMilli(start), m.createdAt());
    assertEquals(
        SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT,
        m.attributes().get(SessionMetadata.FORMAT),
        "the SDK layout holds Claude Code transcripts, so pull and resume treat it as one");
    store.updateTags(key, Set.of("from-sdk"), Set.of());
    assertEquals(
        List.of("sdk-sess"),
        store
            .search(
                io.sessionstore.api.SearchQuery.in(Scope.project(PROJECT)).tags("from-sdk").build())
            .items()
            .stream()
            .map(SessionMetadata::sessionId)
            .toList());
    store.appendMessages(key, List.of(Message.of("{\"type\":\"user\",\"uuid\":\"after\"}")));
    List<String> expected = new ArrayList<>(lines);
    expected.add("{\"type\":\"user\",\"uuid\":\"after\"}");
    assertEquals(
        expected,
        sdkRead(PROJECT, "sdk-sess"),
        "the SDK reads the adopted session with our append");
    // The SDK's agent goes on appending after we adopted the session: we pick that up too.
    List<String> more =
        List.of(
            "{\"type\":\"assistant\",\"uuid\":\"sdk-more-1\"}",
            "{\"type\":\"user\",\"uuid\":\"sdk-more-2\"}");
    sdkWrite(PROJECT, "sdk-sess", more, System.currentTimeMillis() + 5);
    expected.addAll(more);
    assertEquals(
        expected,
        store.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList());
    assertEquals(expected.size(), store.getMetadata(key).orElseThrow().messageCount());
    assertEquals(expected, sdkRead(PROJECT, "sdk-sess"));
  }

  @Test
  void anSdkPartNamedAmongOursIsNeitherReadAsOursNorRemovedByACompaction() throws Exception {
    SessionKey key = SessionKey.of(PROJECT, "shared");
    List<String> ours = new ArrayList<>();
    // The default cache: the writer appends on the head it has, without listing the parts.
    try (SessionStore writer =
        SessionStore.builder()
            .backend(
                new S3Backend(
                    S3Settings.of(BackendConfig.of(new S3BackendProvider(), config)),
                    Clock.systemUTC()))
            .build()) {
      for (int i = 0; i < 2; i++) {
        ours.add("{\"type\":\"user\",\"uuid\":\"ours-" + i + "\"}");
        writer.appendMessages(key, List.of(Message.of(ours.get(i))));
      }
      Thread.sleep(5);
      // An SDK agent's part, named after our latest part and before our next one.
      sdkWrite(
          PROJECT,
          "shared",
          List.of("{\"type\":\"user\",\"uuid\":\"sdk\"}"),
          System.currentTimeMillis() - 2);
      Thread.sleep(5);
      for (int i = 2; i < 2 + Compaction.MIN_PARTS + 2; i++) {
        ours.add("{\"type\":\"user\",\"uuid\":\"ours-" + i + "\"}");
        writer.appendMessages(key, List.of(Message.of(ours.get(i))));
      }
    }
    assertEquals(
        ours,
        store(Clock.systemUTC()).loadSession(key).orElseThrow().messages().stream()
            .map(Message::json)
            .toList());
    assertTrue(
        sdkRead(PROJECT, "shared").contains("{\"type\":\"user\",\"uuid\":\"sdk\"}"),
        "the SDK's part is still there");
  }

  @Test
  void anAdoptionScanCutShortGoesOnFromTheLastProjectItFinished() {
    List<String> lines = Fixtures.lines(Fixtures.jsonLinesFiles().get(1));
    long start = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
    sdkWrite("-a", "first", lines, start);
    sdkWrite("-b", "second", lines, start);
    sdkWrite("-c", "third", lines, start);
    // As a scan that finished project -a and was then killed leaves the bucket.
    raw.putObject(
        b -> b.bucket(bucket()).key("team/.sessionstore/adoption"),
        RequestBody.fromString("-a", StandardCharsets.UTF_8));
    List<long[]> progress = new ArrayList<>();
    SessionStore store = store(Clock.systemUTC());
    assertEquals(
        2,
        store.adoptSessions(
            Scope.allProjects(), (done, total) -> progress.add(new long[] {done, total})));
    assertEquals(
        List.of("[2, 3]", "[3, 3]"), progress.stream().map(java.util.Arrays::toString).toList());
    assertEquals(
        List.of("second", "third"),
        store.listSessions(Scope.allProjects(), 10, null).items().stream()
            .map(SessionMetadata::sessionId)
            .sorted()
            .toList());
    // The finished scan leaves no progress behind: the next one looks at every project again.
    assertEquals(1, store.adoptSessions(Scope.allProjects(), ProgressListener.NONE));
    assertEquals(3, store.listSessions(Scope.allProjects(), 10, null).items().size());
  }

  @Test
  void sessionsTheSdkWroteShowInTheirProjectsListingsAndInEveryProjectsAfterAdoption() {
    List<String> lines = Fixtures.lines(Fixtures.jsonLinesFiles().get(1));
    sdkWrite(PROJECT, "listed-1", lines, Instant.parse("2026-03-01T10:00:00Z").toEpochMilli());
    sdkWrite(
        "-other-project", "listed-2", lines, Instant.parse("2026-03-02T10:00:00Z").toEpochMilli());
    SessionStore store = store(Clock.systemUTC());
    // A listing of one project looks for its sessions the index lacks; one of every project does
    // not scan.
    assertEquals(
        List.of("listed-1"),
        store
            .search(io.sessionstore.api.SearchQuery.in(Scope.project(PROJECT)).build())
            .items()
            .stream()
            .map(SessionMetadata::sessionId)
            .toList());
    assertEquals(
        List.of("listed-1"),
        store.listSessions(Scope.allProjects(), 10, null).items().stream()
            .map(SessionMetadata::sessionId)
            .toList());
    assertEquals(1, store.adoptSessions(Scope.allProjects(), ProgressListener.NONE));
    assertEquals(
        List.of("listed-2", "listed-1"),
        store(Clock.systemUTC()).listSessions(Scope.allProjects(), 10, null).items().stream()
            .map(SessionMetadata::sessionId)
            .toList());
    assertEquals(
        0,
        store.adoptSessions(Scope.allProjects(), ProgressListener.NONE),
        "nothing left to adopt");
    assertEquals(
        lines.size(),
        store
            .getMetadata(SessionKey.of("-other-project", "listed-2"))
            .orElseThrow()
            .messageCount());
  }

  @Test
  void subTranscriptsTheSdkWroteAreListedAndLoad() {
    String transcript = Fixtures.transcriptWithSubagents();
    long start = Instant.parse("2026-03-03T10:00:00Z").toEpochMilli();
    sdkWrite(PROJECT, "with-agents", Fixtures.lines(transcript), start);
    List<String> subpaths = new ArrayList<>();
    for (String[] sub : Fixtures.subagentsOf(transcript)) {
      sdkWrite(PROJECT, "with-agents/" + sub[0], Fixtures.lines(sub[1]), start + 100);
      subpaths.add(sub[0]);
    }
    SessionStore store = store(Clock.systemUTC());
    SessionKey key = SessionKey.of(PROJECT, "with-agents");
    assertEquals(subpaths.stream().sorted().toList(), store.listSubpaths(key));
    for (String[] sub : Fixtures.subagentsOf(transcript)) {
      assertEquals(
          Fixtures.lines(sub[1]),
          store.loadSession(key.withSubpath(sub[0])).orElseThrow().messages().stream()
              .map(Message::json)
              .toList());
    }
  }

  @Test
  void aLostIndexIsRebuiltFromTheSessions() {
    SessionStore store = store(Clock.systemUTC());
    for (int i = 0; i < 3; i++) {
      store.saveSession(
          SessionKey.of(PROJECT, "s" + i),
          List.of(Message.of("{\"type\":\"user\",\"n\":" + i + "}")),
          SaveOptions.tags("t" + i));
    }
    store.deleteSession(SessionKey.of(PROJECT, "s1"));
    List<String> index = new ArrayList<>();
    raw.listObjectsV2Paginator(b -> b.bucket(bucket()).prefix("team/.sessionstore/index/"))
        .contents()
        .forEach(o -> index.add(o.key()));
    assertTrue(!index.isEmpty());
    index.forEach(k -> raw.deleteObject(b -> b.bucket(bucket()).key(k)));
    SessionStore fresh = store(Clock.systemUTC());
    assertEquals(
        List.of("s0", "s2"),
        fresh.listSessions(Scope.project(PROJECT), 10, null).items().stream()
            .map(SessionMetadata::sessionId)
            .sorted()
            .toList());
    assertEquals(
        List.of("t2"), fresh.getMetadata(SessionKey.of(PROJECT, "s2")).orElseThrow().tags());
  }

  @Test
  void whatIsWrittenHereLoadsThroughTheSdkLayoutInTheSameOrder() {
    SessionStore store = store(Clock.systemUTC());
    SessionKey key = SessionKey.of(PROJECT, "ours");
    List<String> first = Fixtures.lines(Fixtures.jsonLinesFiles().get(0));
    store.saveSession(key, first.stream().map(Message::of).toList(), SaveOptions.tags("x"));
    store.updateTags(key, Set.of("y"), Set.of());
    List<String> all = new ArrayList<>(first);
    for (int i = 0; i < 5; i++) {
      String m = "{\"type\":\"user\",\"uuid\":\"u" + i + "\"}";
      store.appendMessages(key, List.of(Message.of(m)));
      all.add(m);
    }
    assertEquals(all, sdkRead(PROJECT, "ours"));
    store.saveSession(key, List.of(Message.of("{\"type\":\"user\",\"uuid\":\"replaced\"}")));
    assertEquals(
        List.of("{\"type\":\"user\",\"uuid\":\"replaced\"}"),
        sdkRead(PROJECT, "ours"),
        "a replaced session's old parts are gone");
  }

  @Test
  void writersWithSkewedClocksStillKeepThePartsInCommitOrder() {
    MutableClock behind = new MutableClock(Instant.now().minus(Duration.ofHours(3)));
    MutableClock ahead = new MutableClock(Instant.now().plus(Duration.ofHours(1)));
    SessionStore slow = store(behind);
    SessionStore fast = store(ahead);
    SessionKey key = SessionKey.of(PROJECT, "skewed");
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String m = "{\"type\":\"user\",\"uuid\":\"w" + i + "\"}";
      (i % 3 == 0 ? fast : slow).appendMessages(key, List.of(Message.of(m)));
      written.add(m);
    }
    assertEquals(
        written,
        slow.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList());
    assertEquals(
        written,
        sdkRead(PROJECT, "skewed"),
        "the SDK's lexical order of parts is the commit order");
    assertTrue(fast.getMetadata(key).isPresent());
  }
}
