package io.sessionstore.hardening;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;

/**
 * The real servers the S3 and MongoDB tests of the suite run against, started once in this JVM on
 * 127.0.0.1.
 */
public final class Servers {
  private static final String IDENTITY = "hardening-identity";
  private static final String CREDENTIAL = "hardening-credential";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static int s3Port;
  private static int mongoPort;

  private Servers() {}

  public static synchronized int s3Port() {
    if (s3Port == 0) {
      int port = freePort();
      Properties p = new Properties();
      p.setProperty("jclouds.identity", IDENTITY);
      p.setProperty("jclouds.credential", CREDENTIAL);
      try {
        S3Proxy proxy =
            S3Proxy.builder()
                .blobStore(BlobStores.create("transient-nio2", p))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, IDENTITY, CREDENTIAL)
                .endpoint(java.net.URI.create("http://127.0.0.1:" + port))
                .ignoreUnknownHeaders(true)
                .build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
          Thread.sleep(10);
        }
      } catch (Exception e) {
        throw new IllegalStateException("Cannot start S3Proxy: " + e, e);
      }
      s3Port = port;
    }
    return s3Port;
  }

  public static synchronized int mongoPort() {
    if (mongoPort == 0) {
      int port = freePort();
      new MongoServer(new MemoryBackend()).bind(new InetSocketAddress("127.0.0.1", port));
      mongoPort = port;
    }
    return mongoPort;
  }

  /**
   * A new, empty S3 store's configuration, reached through the given port (the server's or a
   * proxy's).
   */
  public static Map<String, String> s3(String bucket, int port) {
    Map<String, String> c = new HashMap<>();
    c.put("sessionstore.backend", "s3");
    c.put("sessionstore.s3.endpoint", "http://127.0.0.1:" + port);
    c.put("sessionstore.s3.bucket", bucket);
    c.put("sessionstore.s3.region", "us-east-1");
    c.put("sessionstore.s3.path-style", "true");
    c.put("sessionstore.s3.access-key", IDENTITY);
    c.put("sessionstore.s3.secret-key", CREDENTIAL);
    c.put("sessionstore.s3.checksum", "when-required");
    c.put("sessionstore.s3.create-bucket", "true");
    return c;
  }

  /**
   * A new, empty MongoDB store's configuration, reached through the given port (the server's or a
   * proxy's).
   */
  public static Map<String, String> mongo(String database, int port) {
    Map<String, String> c = new HashMap<>();
    c.put("sessionstore.backend", "mongo");
    c.put("sessionstore.mongo.uri", "mongodb://127.0.0.1:" + port);
    c.put("sessionstore.mongo.database", database);
    return c;
  }

  /** A name no other run of this JVM uses, for a bucket or a database. */
  public static String name(String what) {
    return what
        + "-"
        + Long.toString(System.currentTimeMillis() % 100_000_000L, 36)
        + "-"
        + COUNTER.incrementAndGet();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("No free port", e);
    }
  }
}
