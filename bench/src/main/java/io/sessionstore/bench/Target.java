package io.sessionstore.bench;

import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.BackendRegistry;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * One backend the bench runs on: the store's configuration for a new, empty namespace of it (a
 * directory, a key prefix, a database), and the plain driver on the same storage for the floor.
 */
interface Target extends AutoCloseable {
  /** The backend's name, as in the report's {@code backend} column. */
  String name();

  /**
   * A store configuration, with the defaults a user gets, on a namespace no other call returned.
   */
  Map<String, String> freshConfig() throws Exception;

  /** Frees what a namespace holds, once no store uses it any more. */
  void release(Map<String, String> config) throws Exception;

  /** The bytes a namespace holds in the storage, or -1 where the bench does not measure them. */
  default long storedBytes(Map<String, String> config) throws Exception {
    return -1;
  }

  /** The plain driver: the same bytes written and read with no framework. */
  Floor floor();

  @Override
  void close() throws Exception;

  static SessionStore open(Map<String, String> config) {
    return open(config, Clock.systemUTC());
  }

  static SessionStore open(Map<String, String> config, Clock clock) {
    return SessionStore.builder().config(SessionStoreConfig.of(config)).clock(clock).build();
  }

  /**
   * A new, unstarted backend on the configuration's storage (the store built with it starts it).
   */
  static StorageBackend backend(Map<String, String> config) {
    StorageBackendProvider provider =
        BackendRegistry.discover().provider(config.get(BackendRegistry.BACKEND_KEY));
    return provider.create(BackendConfig.of(provider, config));
  }

  /** The same namespace with one setting changed. */
  static Map<String, String> with(Map<String, String> config, String key, String value) {
    Map<String, String> out = new HashMap<>(config);
    out.put(key, value);
    return Map.copyOf(out);
  }
}
