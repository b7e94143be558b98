package io.sessionstore.backend.s3;

import io.sessionstore.spi.StorageBackend;
import io.sessionstore.tck.StorageBackendContractTest;
import java.util.Map;

/**
 * The S3 backend against the whole conformance kit, on a real S3 server (S3Proxy in-process, or an
 * endpoint).
 */
class S3BackendConformanceTest extends StorageBackendContractTest {
  private Map<String, String> storage;

  @Override
  protected StorageBackend createBackend() {
    storage = S3TestServer.freshStorage();
    return S3TestServer.backend(storage);
  }

  @Override
  protected StorageBackend openAnother() {
    return S3TestServer.backend(storage);
  }

  @Override
  protected Map<String, String> otherProcessConfig() {
    return storage;
  }
}
