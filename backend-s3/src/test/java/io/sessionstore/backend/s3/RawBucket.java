package io.sessionstore.backend.s3;

import io.sessionstore.api.SessionKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A test's direct view of the bucket through a plain S3 client: what the Claude Agent SDK's reader
 * sees, and the objects a test removes or puts back to act out a writer that died.
 */
final class RawBucket {
  private final S3Client raw;
  private final String bucket;

  RawBucket(S3Client raw, Map<String, String> config) {
    this.raw = raw;
    this.bucket = config.get("sessionstore.s3.bucket");
  }

  /** Every key under a prefix, in lexical order. */
  List<String> keys(String prefix) {
    return raw.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
        .map(S3Object::key)
        .sorted()
        .toList();
  }

  /** The keys of a transcript's parts in the SDK's layout (with no prefix), in lexical order. */
  List<String> parts(SessionKey key) {
    String folder = key.project() + "/" + key.sessionId() + "/";
    return keys(folder).stream()
        .filter(k -> S3Layout.isPart(k.substring(folder.length())))
        .toList();
  }

  /** The SDK's reader: the parts in lexical order, line by line. */
  List<String> sdkRead(SessionKey key) {
    List<String> lines = new ArrayList<>();
    for (String part : parts(key)) {
      raw.getObjectAsBytes(b -> b.bucket(bucket).key(part))
          .asString(StandardCharsets.UTF_8)
          .lines()
          .filter(l -> !l.isBlank())
          .forEach(lines::add);
    }
    return lines;
  }

  /** The requests of each kind sent between two snapshots of a backend's counts. */
  static Map<String, Long> difference(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> out = new TreeMap<>();
    after.forEach(
        (kind, n) -> {
          long d = n - before.getOrDefault(kind, 0L);
          if (d != 0) {
            out.put(kind, d);
          }
        });
    return out;
  }
}
