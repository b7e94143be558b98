package com.example.sessionstore;

import io.sessionstore.spi.StorageBackend;
import io.sessionstore.tck.StorageBackendContractTest;

/**
 * The conformance kit on {@link MyBackend}: every contract the store relies on. A backend whose storage other
 * processes can reach also overrides {@code otherProcessConfig()}, and the kit then appends from a second process.
 */
class MyBackendConformanceTest extends StorageBackendContractTest {
  private MyBackend.Storage storage;

  @Override
  protected StorageBackend createBackend() {
    storage = new MyBackend.Storage();
    return new MyBackend(storage);
  }

  @Override
  protected StorageBackend openAnother() {
    return new MyBackend(storage);
  }
}
