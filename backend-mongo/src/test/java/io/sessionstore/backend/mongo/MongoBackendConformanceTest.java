package io.sessionstore.backend.mongo;

import io.sessionstore.spi.StorageBackend;
import io.sessionstore.tck.StorageBackendContractTest;
import java.util.Map;

/**
 * The MongoDB backend against the whole conformance kit (mongo-java-server in-process, or a real
 * server).
 */
class MongoBackendConformanceTest extends StorageBackendContractTest {
  private Map<String, String> storage;

  @Override
  protected StorageBackend createBackend() {
    storage = MongoTestServer.freshStorage();
    return MongoTestServer.backend(storage);
  }

  @Override
  protected StorageBackend openAnother() {
    return MongoTestServer.backend(storage);
  }

  @Override
  protected Map<String, String> otherProcessConfig() {
    return storage;
  }
}
