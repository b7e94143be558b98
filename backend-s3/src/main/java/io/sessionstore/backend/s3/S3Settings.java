package io.sessionstore.backend.s3;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.spi.BackendConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;

/**
 * The S3 backend's checked configuration ({@code sessionstore.s3.*}).
 *
 * @param prefix normalised: empty, or ending in exactly one {@code /}
 * @param checksumWhenRequired compute and validate checksums only when an operation requires them
 *     (for S3-compatible stores that reject the SDK's default flexible checksums)
 */
record S3Settings(
    String bucket,
    String prefix,
    String region,
    URI endpoint,
    boolean pathStyle,
    String accessKey,
    String secretKey,
    boolean checksumWhenRequired,
    String sse,
    String kmsKeyId,
    boolean createBucket,
    Duration commitTimeout) {

  static S3Settings of(BackendConfig c) {
    String bucket = c.require("bucket");
    if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new ConfigurationException(
          "Invalid "
              + c.fullKey("bucket")
              + " '"
              + bucket
              + "': a bucket name has 3 to 63 lower-case letters, digits, '.' and '-'");
    }
    URI endpoint = c.get("endpoint").map(e -> uri(c.fullKey("endpoint"), e)).orElse(null);
    String accessKey = c.get("access-key").orElse(null);
    String secretKey = c.get("secret-key").orElse(null);
    if ((accessKey == null) != (secretKey == null)) {
      throw new ConfigurationException(
          "Incomplete credentials: set both "
              + c.fullKey("access-key")
              + " and "
              + c.fullKey("secret-key")
              + ", or neither to use the AWS default credential chain");
    }
    String sse = c.oneOf("sse", List.of("AES256", "aws:kms")).orElse(null);
    String kms = c.get("kms-key-id").orElse(null);
    if (kms != null && !"aws:kms".equals(sse)) {
      throw new ConfigurationException(
          c.fullKey("kms-key-id") + " needs " + c.fullKey("sse") + "=aws:kms");
    }
    String checksum = c.oneOf("checksum", List.of("when-supported", "when-required")).orElseThrow();
    return new S3Settings(
        bucket,
        normalisePrefix(c.get("prefix").orElse("")),
        c.get("region").orElse(null),
        endpoint,
        c.bool("path-style").orElseThrow(),
        accessKey,
        secretKey,
        checksum.equals("when-required"),
        sse,
        kms,
        c.bool("create-bucket").orElseThrow(),
        c.duration("commit-timeout").orElseThrow());
  }

  static String normalisePrefix(String prefix) {
    String p = prefix.strip();
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.isEmpty() ? "" : p + "/";
  }

  private static URI uri(String key, String value) {
    try {
      URI u = new URI(value);
      if (u.getScheme() == null || u.getHost() == null) {
        throw new URISyntaxException(value, "expected http(s)://host[:port]");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new ConfigurationException(
          "Invalid " + key + " '" + value + "': expected a URL such as " + "http://127.0.0.1:9000");
    }
  }

  @Override
  public String toString() {
    return "S3Settings[bucket="
        + bucket
        + ", prefix="
        + prefix
        + ", region="
        + region
        + ", endpoint="
        + endpoint
        + ", credentials="
        + (accessKey == null ? "default chain" : "****")
        + "]";
  }
}
