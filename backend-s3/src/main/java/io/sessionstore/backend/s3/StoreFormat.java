package io.sessionstore.backend.s3;

import io.sessionstore.api.ConfigurationException;
import java.nio.charset.StandardCharsets;

/**
 * The format marker {@code {prefix}.sessionstore/format}: written when the store is new, checked otherwise, so
 * that a prefix holding something else, or a newer layout, is refused before anything is written.
 */
final class StoreFormat {
  private StoreFormat() {}

  static void check(ObjectStore store, S3Layout layout, S3Settings settings) {
    String format = "{\"layout\":\"sessionstore-s3\",\"version\":1}\n";
    if (store.putIfAbsent(layout.formatMarker(), format.getBytes(StandardCharsets.UTF_8))) {
      return;
    }
    String found = store.get(layout.formatMarker()).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
    if (!found.contains("\"layout\":\"sessionstore-s3\"")) {
      throw new ConfigurationException("Cannot use s3://" + settings.bucket() + "/" + layout.root() + ": its format "
          + "marker is not one sessionstore wrote");
    }
    if (!found.contains("\"version\":1}")) {
      throw new ConfigurationException("Cannot use s3://" + settings.bucket() + "/" + settings.prefix() + ": it was "
          + "written by a newer sessionstore; upgrade sessionstore");
    }
  }
}
