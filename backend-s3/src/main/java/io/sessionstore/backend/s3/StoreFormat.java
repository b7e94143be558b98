package io.sessionstore.backend.s3;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.api.ConfigurationException;
import io.sessionstore.spi.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The format marker {@code {prefix}.sessionstore/format}: written when the store is new, checked
 * otherwise, so that a prefix holding something else, or a newer layout, is refused before anything
 * is written.
 */
final class StoreFormat {
  private static final String LAYOUT = "sessionstore-s3";
  private static final int VERSION = 1;

  private StoreFormat() {}

  static void check(ObjectStore store, S3Layout layout, S3Settings settings) {
    Optional<byte[]> found = store.readAtStartUp(layout.formatMarker());
    if (found.isEmpty()) {
      String format = "{\"layout\":\"" + LAYOUT + "\",\"version\":" + VERSION + "}\n";
      if (store.putIfAbsent(layout.formatMarker(), format.getBytes(StandardCharsets.UTF_8))) {
        return;
      }
      // Another process made the store at the same moment: check what it wrote.
      found = store.get(layout.formatMarker());
    }
    JsonNode marker;
    try {
      marker = Json.MAPPER.readTree(found.orElse(new byte[0]));
    } catch (IOException e) {
      marker = null;
    }
    if (marker == null || !LAYOUT.equals(marker.path("layout").asText(null))) {
      throw new ConfigurationException(
          "Cannot use s3://"
              + settings.bucket()
              + "/"
              + layout.root()
              + ": its format "
              + "marker is not one sessionstore wrote");
    }
    if (!marker.path("version").canConvertToInt() || marker.path("version").intValue() != VERSION) {
      throw new ConfigurationException(
          "Cannot use s3://"
              + settings.bucket()
              + "/"
              + settings.prefix()
              + ": it was "
              + "written by a newer sessionstore; upgrade sessionstore");
    }
  }
}
