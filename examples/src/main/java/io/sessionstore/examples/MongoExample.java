package io.sessionstore.examples;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.sessionstore.api.Message;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

/**
 * The store on MongoDB: record a session message by message, search it with a query MongoDB answers
 * from its indexes. Uses {@code SESSIONSTORE_MONGO_URI} when set; otherwise starts a MongoDB
 * wire-protocol server (mongo-java-server) in this process.
 */
public final class MongoExample {
  private MongoExample() {}

  public static void main(String[] args) throws Exception {
    String uri = System.getenv("SESSIONSTORE_MONGO_URI");
    MongoServer local = null;
    if (uri == null || uri.isBlank()) {
      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      local = new MongoServer(new MemoryBackend());
      local.bind(new InetSocketAddress("127.0.0.1", port));
      uri = "mongodb://127.0.0.1:" + port;
      System.out.println("started an in-process MongoDB (mongo-java-server) at " + uri);
    }
    try (SessionStore store =
        SessionStore.builder()
            .config(
                SessionStoreConfig.of(
                    Map.of(
                        "sessionstore.backend",
                        "mongo",
                        "sessionstore.mongo.uri",
                        uri,
                        "sessionstore.project",
                        "agents")))
            .build()) {
      // Recording: each message is appended as it arrives; an append inserts, it never rewrites the
      // session.
      for (Message m : Samples.messages("stream-json-session.jsonl")) {
        store.appendMessages(store.key("run-1"), List.of(m));
      }
      store.updateMetadata(
          store.key("run-1"),
          new io.sessionstore.api.MetadataUpdate(
              java.util.Set.of("nightly"),
              null,
              "Nightly repository check",
              false,
              null,
              null,
              null));
      store.saveSession(
          store.key("run-2"), Samples.messages("transcript.jsonl"), SaveOptions.tags("manual"));
      for (SessionMetadata m :
          store.search(SearchQuery.in(Scope.project("agents")).tags("nightly").build()).items()) {
        System.out.printf(
            "found %s: %d messages, %d turns, $%s%n",
            m.sessionId(), m.messageCount(), m.turns(), m.totalCostUsd().toPlainString());
      }
    } finally {
      if (local != null) {
        local.shutdownNow();
      }
    }
  }
}
