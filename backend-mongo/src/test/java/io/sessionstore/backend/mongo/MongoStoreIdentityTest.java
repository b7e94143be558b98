package io.sessionstore.backend.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.BackendRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What tells MongoDB stores apart for the caches on this machine (the full-text index, the import
 * state): their servers and database, never their credentials.
 */
class MongoStoreIdentityTest {
  private static String identity(String uri) {
    return BackendRegistry.storeIdentity(
        SessionStoreConfig.of(
            Map.of("sessionstore.backend", "mongo", "sessionstore.mongo.uri", uri)));
  }

  @Test
  void serversTellStoresApartAndCredentialsNeverShow() {
    String local = identity("mongodb://localhost:27017");
    String cluster = identity("mongodb+srv://alice:s3cret@cluster0.example.net/?retryWrites=true");
    assertNotEquals(local, cluster, "two servers, two stores");
    assertTrue(cluster.contains("uri=mongodb+srv://cluster0.example.net/"), cluster);
    assertFalse(cluster.contains("s3cret") || cluster.contains("alice"), cluster);
    assertEquals(
        cluster,
        identity("mongodb+srv://bob:other@cluster0.example.net/?w=majority"),
        "the same servers with other credentials or options are the same store");
  }
}
