package io.sessionstore.backend.s3;

import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import java.time.Clock;
import java.util.List;

/**
 * Provides the {@code s3} backend: {@code sessionstore.backend=s3}, keys {@code sessionstore.s3.*}.
 */
public final class S3BackendProvider implements StorageBackendProvider {
  public static final String NAME = "s3";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<ConfigKey> configKeys() {
    return List.of(
        ConfigKey.of("bucket", null, "the bucket (required)"),
        ConfigKey.of("prefix", "", "key prefix, so that several stores share a bucket"),
        ConfigKey.of(
            "region",
            null,
            "the region (default: the AWS default chain; us-east-1 with an endpoint)"),
        ConfigKey.of(
            "endpoint", null, "endpoint of an S3-compatible store, e.g. http://127.0.0.1:9000"),
        ConfigKey.of(
            "path-style", "false", "path-style requests (most S3-compatible stores need them)"),
        ConfigKey.secret("access-key", "access key id (default: the AWS default credential chain)"),
        ConfigKey.secret("secret-key", "secret access key"),
        ConfigKey.of(
            "checksum",
            "when-supported",
            "when-supported or when-required (for stores that reject the SDK's default checksums)"),
        ConfigKey.of("sse", null, "server-side encryption: AES256 or aws:kms"),
        ConfigKey.of("kms-key-id", null, "the KMS key of sse=aws:kms"),
        ConfigKey.of("create-bucket", "false", "create the bucket at start-up when it is missing"),
        ConfigKey.of(
            "commit-timeout",
            "30s",
            "how long a reader waits for a commit's messages before it takes the writer for dead and "
                + "drops the commit (plus a second per MB of the commit)"));
  }

  @Override
  public StorageBackend create(BackendConfig config) {
    return new S3Backend(S3Settings.of(config), Clock.systemUTC());
  }
}
