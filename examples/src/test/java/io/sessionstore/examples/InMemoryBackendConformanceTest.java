package io.sessionstore.examples;

import io.sessionstore.examples.custom.InMemoryBackend;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.tck.StorageBackendContractTest;

/**
 * A custom backend runs the conformance kit in a few lines; in-memory storage cannot be shared by
 * processes.
 */
class InMemoryBackendConformanceTest extends StorageBackendContractTest {
  private InMemoryBackend.Storage storage;

  @Override
  protected StorageBackend createBackend() {
    storage = new InMemoryBackend.Storage();
    return new InMemoryBackend(storage);
  }

  @Override
  protected StorageBackend openAnother() {
    return new InMemoryBackend(storage);
  }
}
