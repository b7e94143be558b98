package io.sessionstore.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.api.SessionStoreException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * At start-up, a missing bucket, refused credentials or an unreachable endpoint is one clear error
 * naming it.
 */
class S3StartupTest {
  private static SessionStoreException startWith(
      Map<String, String> changes, Class<? extends SessionStoreException> type) {
    Map<String, String> config = new HashMap<>(S3TestServer.freshStorage());
    config.putAll(changes);
    SessionStoreException e =
        assertThrows(
            type,
            () -> SessionStore.builder().config(SessionStoreConfig.of(config)).build().close());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    String secret = config.get("sessionstore.s3.secret-key");
    assertFalse(
        !secret.isEmpty() && e.getMessage().contains(secret), "no secret in: " + e.getMessage());
    return e;
  }

  @Test
  void aMissingBucketIsNamedWithTheWayToCreateIt() {
    SessionStoreException e =
        startWith(Map.of("sessionstore.s3.create-bucket", "false"), ConfigurationException.class);
    assertTrue(
        e.getMessage().contains("does not exist") && e.getMessage().contains("create-bucket"),
        e.getMessage());
  }

  @Test
  void refusedCredentialsSaySo() {
    SessionStoreException e =
        startWith(
            Map.of("sessionstore.s3.secret-key", "wrong-secret-value"),
            ConfigurationException.class);
    assertTrue(
        e.getMessage().contains("access denied") && e.getMessage().contains("credentials"),
        e.getMessage());
  }

  @Test
  void anUnreachableEndpointIsNamed() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + closed;
    SessionStoreException e =
        startWith(Map.of("sessionstore.s3.endpoint", endpoint), BackendUnavailableException.class);
    assertTrue(e.getMessage().contains("Cannot reach the S3 endpoint " + endpoint), e.getMessage());
  }

  @Test
  void thePrefixIsNormalisedToEndInOneSlash() {
    assertEquals("", S3Settings.normalisePrefix(""));
    assertEquals("", S3Settings.normalisePrefix("/"));
    assertEquals("team/", S3Settings.normalisePrefix("team"));
    assertEquals("a/b/", S3Settings.normalisePrefix("/a/b//"));
  }

  @Test
  void incompleteCredentialsAndBadValuesAreConfigurationErrors() {
    startWith(Map.of("sessionstore.s3.secret-key", ""), ConfigurationException.class);
    startWith(Map.of("sessionstore.s3.sse", "rot13"), ConfigurationException.class);
    startWith(Map.of("sessionstore.s3.bucket", "No_Such"), ConfigurationException.class);
    startWith(Map.of("sessionstore.s3.endpoint", "not a url"), ConfigurationException.class);
  }
}
