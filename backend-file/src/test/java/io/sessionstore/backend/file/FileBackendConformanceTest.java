package io.sessionstore.backend.file;

import io.sessionstore.spi.StorageBackend;
import io.sessionstore.tck.StorageBackendContractTest;
import java.nio.file.Path;
import java.util.Map;

/** The file backend against the whole conformance kit, on real files. */
class FileBackendConformanceTest extends StorageBackendContractTest {
  private Path dir;

  @Override
  protected StorageBackend createBackend() {
    dir = tempDir.resolve("store");
    return new FileBackend(dir);
  }

  @Override
  protected StorageBackend openAnother() {
    return new FileBackend(dir);
  }

  @Override
  protected Map<String, String> otherProcessConfig() {
    return Map.of("sessionstore.backend", "file", "sessionstore.file.dir", dir.toString());
  }
}
