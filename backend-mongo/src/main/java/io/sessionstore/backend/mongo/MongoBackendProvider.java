package io.sessionstore.backend.mongo;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import java.time.Duration;
import java.util.List;

/**
 * Provides the {@code mongo} backend: {@code sessionstore.backend=mongo}, keys {@code
 * sessionstore.mongo.*}.
 */
public final class MongoBackendProvider implements StorageBackendProvider {
  public static final String NAME = "mongo";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ConfigKey> configKeys() {
    return List.of(
        ConfigKey.secret(
            "uri",
            "connection string, e.g. mongodb://host:27017 (required; credentials inside stay "
                + "out of logs and errors)"),
        ConfigKey.of("database", "sessionstore", "the database"),
        ConfigKey.of("collection-prefix", "sessionstore_", "prefix of the collection names"),
        ConfigKey.of("write-concern", "majority", "majority, w1, journaled or acknowledged"),
        ConfigKey.of(
            "ttl",
            null,
            "also expire sessions not updated for this long with a TTL index (e.g. 90d)"),
        ConfigKey.of("timeout", "10s", "how long start-up waits for the server before it fails"));
  }

  @Override
  public StorageBackend create(BackendConfig config) {
    String uri = config.require("uri");
    if (!uri.startsWith("mongodb://") && !uri.startsWith("mongodb+srv://")) {
      throw new ConfigurationException(
          "Invalid "
              + config.fullKey("uri")
              + ": expected a connection string starting with mongodb:// or mongodb+srv://");
    }
    String writeConcern =
        config
            .oneOf("write-concern", List.of("majority", "w1", "journaled", "acknowledged"))
            .orElseThrow();
    Duration ttl = config.duration("ttl").orElse(null);
    if (ttl != null && ttl.toSeconds() < 1) {
      throw new ConfigurationException(
          "Invalid " + config.fullKey("ttl") + ": at least one second");
    }
    String database = config.get("database").orElseThrow();
    if (database.isEmpty()
        || database.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= 64
        || database.chars().anyMatch(c -> DATABASE_NAME_FORBIDDEN.indexOf(c) >= 0)) {
      throw new ConfigurationException(
          "Invalid "
              + config.fullKey("database")
              + ": a MongoDB database name has 1 to "
              + "63 bytes and none of / \\ . \" $ * < > : | ? or NUL");
    }
    String prefix = config.get("collection-prefix").orElseThrow();
    if (prefix.chars().anyMatch(c -> c == '$' || c == 0) || prefix.startsWith("system.")) {
      throw new ConfigurationException(
          "Invalid "
              + config.fullKey("collection-prefix")
              + ": a MongoDB collection "
              + "name holds no $ or NUL and does not start with 'system.'");
    }
    return new MongoBackend(
        uri, database, prefix, writeConcern, ttl, config.duration("timeout").orElseThrow());
  }

  /** What MongoDB refuses in a database name, on any operating system it runs on. */
  private static final String DATABASE_NAME_FORBIDDEN = "/\\. \"$*<>:|?\0";
}
