package io.sessionstore.backend.s3;

import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.StorageBackend;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;

/**
 * The S3 server tests run against: a real endpoint when {@code SESSIONSTORE_IT_S3_ENDPOINT} and
 * {@code SESSIONSTORE_IT_S3_BUCKET} are set (with {@code SESSIONSTORE_IT_S3_REGION}, {@code
 * SESSIONSTORE_IT_S3_ACCESS_KEY}, {@code SESSIONSTORE_IT_S3_SECRET_KEY}; each test then uses its
 * own key prefix), otherwise S3Proxy 4.0.0 started once in this JVM on 127.0.0.1 (each test then
 * uses its own bucket).
 */
final class S3TestServer {
  private static final String IDENTITY = "tck-identity";
  private static final String CREDENTIAL = "tck-credential";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static String endpoint;

  private S3TestServer() {}

  /** The configuration ({@code sessionstore.*} keys) of new, empty storage on the server. */
  static synchronized Map<String, String> freshStorage() {
    String run =
        Long.toString(System.currentTimeMillis() % 100_000_000L, 36)
            + "-"
            + COUNTER.incrementAndGet();
    Map<String, String> c = new HashMap<>();
    c.put("sessionstore.backend", "s3");
    String external = System.getenv("SESSIONSTORE_IT_S3_ENDPOINT");
    if (external != null && !external.isBlank()) {
      c.put("sessionstore.s3.endpoint", external);
      c.put("sessionstore.s3.bucket", System.getenv("SESSIONSTORE_IT_S3_BUCKET"));
      c.put("sessionstore.s3.prefix", "sessionstore-it/" + run);
      putIfSet(c, "sessionstore.s3.region", "SESSIONSTORE_IT_S3_REGION");
      putIfSet(c, "sessionstore.s3.access-key", "SESSIONSTORE_IT_S3_ACCESS_KEY");
      putIfSet(c, "sessionstore.s3.secret-key", "SESSIONSTORE_IT_S3_SECRET_KEY");
      return c;
    }
    c.put("sessionstore.s3.endpoint", local());
    c.put("sessionstore.s3.bucket", "tck-" + run);
    c.put("sessionstore.s3.region", "us-east-1");
    c.put("sessionstore.s3.path-style", "true");
    c.put("sessionstore.s3.access-key", IDENTITY);
    c.put("sessionstore.s3.secret-key", CREDENTIAL);
    c.put("sessionstore.s3.checksum", "when-required");
    c.put("sessionstore.s3.create-bucket", "true");
    return c;
  }

  /** A backend (not started) on the storage a configuration names. */
  static StorageBackend backend(Map<String, String> config) {
    S3BackendProvider provider = new S3BackendProvider();
    return provider.create(BackendConfig.of(provider, config));
  }

  /**
   * A plain S3 client on the storage a configuration names, to look at (or damage) its objects
   * directly.
   */
  static software.amazon.awssdk.services.s3.S3Client rawClient(Map<String, String> config) {
    return software.amazon.awssdk.services.s3.S3Client.builder()
        .endpointOverride(java.net.URI.create(config.get("sessionstore.s3.endpoint")))
        .region(
            software.amazon.awssdk.regions.Region.of(
                config.getOrDefault("sessionstore.s3.region", "us-east-1")))
        .forcePathStyle(
            Boolean.parseBoolean(config.getOrDefault("sessionstore.s3.path-style", "false")))
        .credentialsProvider(
            software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                    config.get("sessionstore.s3.access-key"),
                    config.get("sessionstore.s3.secret-key"))))
        .requestChecksumCalculation(
            software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(
            software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
        .build();
  }

  private static void putIfSet(Map<String, String> c, String key, String variable) {
    String v = System.getenv(variable);
    if (v != null && !v.isBlank()) {
      c.put(key, v);
    }
  }

  private static String local() {
    if (endpoint == null) {
      try (ServerSocket socket = new ServerSocket(0)) {
        endpoint = "http://127.0.0.1:" + socket.getLocalPort();
      } catch (java.io.IOException e) {
        throw new IllegalStateException("No free port for S3Proxy", e);
      }
      Properties p = new Properties();
      p.setProperty("jclouds.identity", IDENTITY);
      p.setProperty("jclouds.credential", CREDENTIAL);
      try {
        S3Proxy proxy =
            S3Proxy.builder()
                .blobStore(BlobStores.create("transient-nio2", p))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, IDENTITY, CREDENTIAL)
                .endpoint(java.net.URI.create(endpoint))
                .ignoreUnknownHeaders(true)
                .build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
          Thread.sleep(10);
        }
      } catch (Exception e) {
        throw new IllegalStateException("Cannot start S3Proxy: " + e, e);
      }
    }
    return endpoint;
  }
}
