package io.sessionstore.examples;

import io.sessionstore.api.MigrationResult;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;

/**
 * Archives a laptop's sessions from its file store to S3 ({@link SessionStore#migrateTo}:
 * idempotent, verified) and reads them from a second store instance, as another machine would. With
 * {@code SESSIONSTORE_S3_BUCKET} (and the other {@code SESSIONSTORE_S3_*} variables) set, it uses
 * that bucket; otherwise it starts a local S3 server (S3Proxy) in this process.
 */
public final class S3Archive {
  private S3Archive() {}

  public static void main(String[] args) throws Exception {
    S3Proxy local = null;
    Map<String, String> s3 = new HashMap<>(Map.of("sessionstore.backend", "s3"));
    if (System.getenv("SESSIONSTORE_S3_BUCKET") == null) {
      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      Properties p = new Properties();
      p.setProperty("jclouds.identity", "example");
      p.setProperty("jclouds.credential", "example-secret");
      local =
          S3Proxy.builder()
              .blobStore(BlobStores.create("transient-nio2", p))
              .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "example", "example-secret")
              .endpoint(URI.create("http://127.0.0.1:" + port))
              .ignoreUnknownHeaders(true)
              .build();
      local.start();
      while (!"STARTED".equals(local.getState())) {
        Thread.sleep(10);
      }
      s3.putAll(
          Map.of(
              "sessionstore.s3.bucket",
              "team-sessions",
              "sessionstore.s3.endpoint",
              "http://127.0.0.1:" + port,
              "sessionstore.s3.path-style",
              "true",
              "sessionstore.s3.access-key",
              "example",
              "sessionstore.s3.secret-key",
              "example-secret",
              "sessionstore.s3.checksum",
              "when-required",
              "sessionstore.s3.create-bucket",
              "true"));
      System.out.println("started a local S3 (S3Proxy) at http://127.0.0.1:" + port);
    }
    // Configuration from the environment (SESSIONSTORE_S3_*) wins over the local defaults above.
    Map<String, String> team = new HashMap<>(s3);
    team.putAll(SessionStoreConfig.load().asMap());
    team.put("sessionstore.backend", "s3");
    team.put("sessionstore.project", "team");
    try {
      // The laptop: sessions in its local file store, archived to the team's bucket with a verified
      // migration.
      Path laptopDir = Files.createTempDirectory("sessionstore-laptop");
      try (SessionStore laptop =
              SessionStore.builder()
                  .config(
                      SessionStoreConfig.of(
                          Map.of(
                              "sessionstore.file.dir",
                              laptopDir.toString(),
                              "sessionstore.project",
                              "team")))
                  .build();
          SessionStore bucket =
              SessionStore.builder().config(SessionStoreConfig.of(team)).build()) {
        laptop.saveSession(
            laptop.key("review-42"),
            Samples.messages("stream-json-session.jsonl"),
            SaveOptions.tags("review").withSummary("List the files of a repository"));
        laptop.saveSession(
            laptop.key("transcript-7"),
            Samples.messages("transcript.jsonl"),
            SaveOptions.tags("ops"));
        MigrationResult r =
            laptop.migrateTo(
                bucket, SearchQuery.in(Scope.project("team")).build(), ProgressListener.NONE);
        System.out.println(
            "archived to S3: "
                + r.copied()
                + " copied and verified, "
                + r.skipped()
                + " already there, "
                + r.failed().size()
                + " failed");
      }
      // Another machine: a second store instance on the same bucket finds and reads them.
      try (SessionStore other =
          SessionStore.builder().config(SessionStoreConfig.of(team)).build()) {
        for (SessionMetadata m :
            other.search(SearchQuery.in(Scope.project("team")).tags("review").build()).items()) {
          System.out.printf(
              "another machine found %s: %d messages, $%s%n",
              m.sessionId(), m.messageCount(), m.totalCostUsd().toPlainString());
        }
        System.out.println(
            "another machine read transcript-7: "
                + other.loadSession(other.key("transcript-7")).orElseThrow().messages().size()
                + " messages");
      }
    } finally {
      if (local != null) {
        local.stop();
      }
    }
  }
}
