package io.sessionstore.backend.file;

import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import java.util.List;

/**
 * Provides the {@code file} backend: {@code sessionstore.backend=file}, directory {@code
 * sessionstore.file.dir}.
 */
public final class FileBackendProvider implements StorageBackendProvider {
  public static final String NAME = "file";
  public static final String DIR = "dir";
  public static final String DEFAULT_DIR = "~/.sessionstore";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ConfigKey> configKeys() {
    return List.of(
        ConfigKey.of(DIR, DEFAULT_DIR, "directory of the store (created 0700 when missing)"));
  }

  @Override
  public StorageBackend create(BackendConfig config) {
    return new FileBackend(config.path(DIR).orElseThrow());
  }
}
