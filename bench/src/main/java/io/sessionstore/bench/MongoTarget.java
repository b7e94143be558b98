package io.sessionstore.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.bson.Document;

/**
 * The MongoDB backend on mongo-java-server running in this process (in memory), each namespace a
 * database. The floor uses the official driver on the same server.
 */
final class MongoTarget implements Target {
  private final MongoServer server;
  private final String uri;
  private final MongoClient client;
  private final MongoCollection<Document> floor;
  private int namespaces;

  private MongoTarget(MongoServer server, String uri) {
    this.server = server;
    this.uri = uri;
    this.client = MongoClients.create(uri);
    this.floor = client.getDatabase("bench_floor").getCollection("objects");
  }

  static MongoTarget start() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    MongoServer server = new MongoServer(new MemoryBackend());
    server.bind(new InetSocketAddress("127.0.0.1", port));
    return new MongoTarget(server, "mongodb://127.0.0.1:" + port);
  }

  /** The server's connection string, for the peer that runs on the same server. */
  String uri() {
    return uri;
  }

  @Override
  public String name() {
    return "mongo";
  }

  @Override
  public Map<String, String> freshConfig() {
    return Map.of(
        "sessionstore.backend",
        "mongo",
        "sessionstore.project",
        "bench",
        "sessionstore.mongo.uri",
        uri,
        "sessionstore.mongo.database",
        "bench_" + ++namespaces);
  }

  @Override
  public void release(Map<String, String> config) {
    client.getDatabase(config.get("sessionstore.mongo.database")).drop();
  }

  @Override
  public Floor floor() {
    return new Floor() {
      @Override
      public void write(String name, byte[] data) {
        floor.insertOne(
            new Document("_id", name).append("t", new String(data, StandardCharsets.UTF_8)));
      }

      @Override
      public byte[] read(String name) {
        return floor
            .find(Filters.eq("_id", name))
            .first()
            .getString("t")
            .getBytes(StandardCharsets.UTF_8);
      }
    };
  }

  @Override
  public void close() {
    client.close();
    server.shutdownNow();
  }
}
