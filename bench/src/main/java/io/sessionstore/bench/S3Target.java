package io.sessionstore.bench;

import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 backend on S3Proxy 4 running in this process (blobs in memory), each namespace a bucket of
 * its own: S3Proxy lists a bucket by walking all of it, so namespaces sharing one would make each
 * workload's listings slower than the last. The floor uses the AWS SDK on the same server.
 */
final class S3Target implements Target {
  private static final String ID = "bench";
  private static final String SECRET = "bench-secret";
  private static final String FLOOR_BUCKET = "bench-floor";

  private final S3Proxy proxy;
  private final String endpoint;
  private final S3Client client;
  private int namespaces;

  private S3Target(S3Proxy proxy, String endpoint, S3Client client) {
    this.proxy = proxy;
    this.endpoint = endpoint;
    this.client = client;
  }

  static S3Target start() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port;
    Properties p = new Properties();
    p.setProperty("jclouds.identity", ID);
    p.setProperty("jclouds.credential", SECRET);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("transient-nio2", p))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ID, SECRET)
            .endpoint(URI.create(endpoint))
            .ignoreUnknownHeaders(true)
            .build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.sleep(10);
    }
    // Configured as the backend configures its own client for S3Proxy (path style, checksums only
    // when required).
    S3Client client =
        S3Client.builder()
            .endpointOverride(URI.create(endpoint))
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create(ID, SECRET)))
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .httpClientBuilder(ApacheHttpClient.builder())
            .build();
    client.createBucket(b -> b.bucket(FLOOR_BUCKET));
    return new S3Target(proxy, endpoint, client);
  }

  @Override
  public String name() {
    return "s3";
  }

  @Override
  public Map<String, String> freshConfig() {
    return Map.ofEntries(
        Map.entry("sessionstore.backend", "s3"),
        Map.entry("sessionstore.project", "bench"),
        Map.entry("sessionstore.s3.bucket", "bench-ns-" + ++namespaces),
        Map.entry("sessionstore.s3.endpoint", endpoint),
        Map.entry("sessionstore.s3.path-style", "true"),
        Map.entry("sessionstore.s3.access-key", ID),
        Map.entry("sessionstore.s3.secret-key", SECRET),
        Map.entry("sessionstore.s3.checksum", "when-required"),
        Map.entry("sessionstore.s3.create-bucket", "true"));
  }

  @Override
  public void release(Map<String, String> config) {
    String bucket = config.get("sessionstore.s3.bucket");
    client
        .listObjectsV2Paginator(b -> b.bucket(bucket))
        .contents()
        .forEach(o -> client.deleteObject(b -> b.bucket(bucket).key(o.key())));
    client.deleteBucket(b -> b.bucket(bucket));
  }

  @Override
  public long storedBytes(Map<String, String> config) {
    String bucket = config.get("sessionstore.s3.bucket");
    return client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
        .mapToLong(o -> o.size())
        .sum();
  }

  @Override
  public Floor floor() {
    return new Floor() {
      @Override
      public void write(String name, byte[] data) {
        client.putObject(b -> b.bucket(FLOOR_BUCKET).key(name), RequestBody.fromBytes(data));
      }

      @Override
      public byte[] read(String name) {
        return client.getObjectAsBytes(b -> b.bucket(FLOOR_BUCKET).key(name)).asByteArray();
      }
    };
  }

  @Override
  public void close() throws Exception {
    client.close();
    proxy.stop();
  }
}
