package com.example.sessionstore;

import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import java.util.List;

/**
 * Makes {@link MyBackend} selectable as {@code sessionstore.backend=mybackend}: the store finds it through
 * {@code META-INF/services/io.sessionstore.spi.StorageBackendProvider}, which names this class.
 */
public final class MyBackendProvider implements StorageBackendProvider {
  @Override
  public String name() {
    return "mybackend";
  }

  /**
   * The keys {@code sessionstore.mybackend.*} that {@link #create} reads, e.g.
   * {@code ConfigKey.of("url", null, "where the storage is")} or {@code ConfigKey.secret("password", "...")}.
   */
  @Override
  public List<ConfigKey> configKeys() {
    return List.of();
  }

  /** Reads the configuration ({@code config.require("url")}) and does no I/O: the store calls start() next. */
  @Override
  public StorageBackend create(BackendConfig config) {
    return new MyBackend(new MyBackend.Storage());
  }
}
