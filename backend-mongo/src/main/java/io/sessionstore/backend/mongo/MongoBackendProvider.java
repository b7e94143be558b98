package io.sessionstore.backend.mongo;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import java.time.Duration;
import java.util.List;

/** Provides the {@code mongo} backend: {@code sessionstore.backend=mongo}, keys {@code sessionstore.mongo.*}. */
public final class MongoBackendProvider implements StorageBackendProvider {
  public static final String NAME = "mongo";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ConfigKey> configKeys() {
    return List.of(
        ConfigKey.secret("uri", "connection string, e.g. mongodb://host:27017 (required; credentials inside stay "
            + "out of logs and errors)"),
        ConfigKey.of("database", "sessionstore", "the database"),
        ConfigKey.of("collection-prefix", "sessionstore_", "prefix of the collection names"),
        ConfigKey.of("write-concern", "majority", "majority, w1, journaled or acknowledged"),
        ConfigKey.of("ttl", null, "also expire sessions not updated for this long with a TTL index (e.g. 90d)"),
        ConfigKey.of("timeout", "10s", "how long start-up waits for the server before it fails"));
  }

  @Override
  public StorageBackend create(BackendConfig config) {
    String uri = config.require("uri");
    if (!uri.startsWith("mongodb://") && !uri.startsWith("mongodb+srv://")) {
      throw new ConfigurationException("Invalid " + config.fullKey("uri")
          + ": expected a connection string starting with mongodb:// or mongodb+srv://");
    }
    String writeConcern = config.oneOf("write-concern", List.of("majority", "w1", "journaled", "acknowledged"))
        .orElseThrow();
    Duration ttl = config.duration("ttl").orElse(null);
    if (ttl != null && ttl.toSeconds() < 1) {
      throw new ConfigurationException("Invalid " + config.fullKey("ttl") + ": at least one second");
    }
    return new MongoBackend(uri, config.get("database").orElseThrow(), config.get("collection-prefix").orElseThrow(),
        writeConcern, ttl, config.duration("timeout").orElseThrow());
  }
}
