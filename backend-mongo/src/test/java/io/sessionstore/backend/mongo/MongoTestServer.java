package io.sessionstore.backend.mongo;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.StorageBackend;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MongoDB server tests run against: a real one when {@code SESSIONSTORE_IT_MONGO_URI} is set
 * (each test then uses its own database), otherwise mongo-java-server, a MongoDB wire-protocol
 * server, started once in this JVM on 127.0.0.1.
 */
final class MongoTestServer {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static String uri;

  private MongoTestServer() {}

  static synchronized Map<String, String> freshStorage() {
    Map<String, String> c = new HashMap<>();
    c.put("sessionstore.backend", "mongo");
    c.put("sessionstore.mongo.uri", uri());
    c.put(
        "sessionstore.mongo.database",
        "tck_"
            + Long.toString(System.currentTimeMillis() % 100_000_000L, 36)
            + "_"
            + COUNTER.incrementAndGet());
    return c;
  }

  static StorageBackend backend(Map<String, String> config) {
    MongoBackendProvider provider = new MongoBackendProvider();
    return provider.create(BackendConfig.of(provider, config));
  }

  private static String uri() {
    String external = System.getenv("SESSIONSTORE_IT_MONGO_URI");
    if (external != null && !external.isBlank()) {
      return external;
    }
    if (uri == null) {
      int port;
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        port = socket.getLocalPort();
      } catch (java.io.IOException e) {
        throw new IllegalStateException("No free port for mongo-java-server", e);
      }
      MongoServer server = new MongoServer(new MemoryBackend());
      server.bind(new InetSocketAddress("127.0.0.1", port));
      uri = "mongodb://127.0.0.1:" + port;
    }
    return uri;
  }
}
