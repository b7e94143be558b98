package io.sessionstore.hardening.fuzz;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;

/** In-process S3 (S3Proxy 4) and MongoDB (mongo-java-server) for the cross-backend name checks; one each per JVM. */
final class Servers {
  private static final String ID = "fuzz-id";
  private static final String SECRET = "fuzz-secret";
  private static final AtomicInteger RUN = new AtomicInteger();
  private static String s3;
  private static String mongo;

  private Servers() {}

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  /** Configuration of a new bucket on the in-process S3 server. */
  static synchronized Map<String, String> s3() {
    if (s3 == null) {
      String endpoint = "http://127.0.0.1:" + freePort();
      Properties p = new Properties();
      p.setProperty("jclouds.identity", ID);
      p.setProperty("jclouds.credential", SECRET);
      try {
        S3Proxy proxy = S3Proxy.builder().blobStore(BlobStores.create("transient-nio2", p))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ID, SECRET).endpoint(URI.create(endpoint))
            .ignoreUnknownHeaders(true).build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"STARTED".equals(proxy.getState()) && System.currentTimeMillis() < deadline) {
          Thread.sleep(10);
        }
      } catch (Exception e) {
        throw new IllegalStateException("S3Proxy did not start: " + e, e);
      }
      s3 = endpoint;
    }
    Map<String, String> c = new HashMap<>();
    c.put("sessionstore.backend", "s3");
    c.put("sessionstore.s3.endpoint", s3);
    c.put("sessionstore.s3.bucket", "fuzz-names-" + RUN.incrementAndGet());
    c.put("sessionstore.s3.region", "us-east-1");
    c.put("sessionstore.s3.path-style", "true");
    c.put("sessionstore.s3.access-key", ID);
    c.put("sessionstore.s3.secret-key", SECRET);
    c.put("sessionstore.s3.checksum", "when-required");
    c.put("sessionstore.s3.create-bucket", "true");
    return c;
  }

  /** Configuration of a new database on the in-process MongoDB server. */
  static synchronized Map<String, String> mongo() {
    if (mongo == null) {
      int port = freePort();
      new MongoServer(new MemoryBackend()).bind(new InetSocketAddress("127.0.0.1", port));
      mongo = "mongodb://127.0.0.1:" + port;
    }
    Map<String, String> c = new HashMap<>();
    c.put("sessionstore.backend", "mongo");
    c.put("sessionstore.mongo.uri", mongo);
    c.put("sessionstore.mongo.database", "fuzz_names_" + RUN.incrementAndGet());
    return c;
  }
}
