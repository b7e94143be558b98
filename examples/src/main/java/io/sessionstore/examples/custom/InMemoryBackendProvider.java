package io.sessionstore.examples.custom;

import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import java.util.List;

/**
 * Registers {@link InMemoryBackend} as {@code sessionstore.backend=memory}: listed in {@code
 * META-INF/services/io.sessionstore.spi.StorageBackendProvider}. Each backend it creates has its
 * own storage.
 */
public final class InMemoryBackendProvider implements StorageBackendProvider {
  @Override
  public String name() {
    return "memory";
  }

  @Override
  public List<ConfigKey> configKeys() {
    return List.of();
  }

  @Override
  public StorageBackend create(BackendConfig config) {
    return new InMemoryBackend(new InMemoryBackend.Storage());
  }
}
