package io.sessionstore.backend.s3;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.api.ConfigurationException;
import io.sessionstore.spi.JsonStreams;
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

  /**
   * 2: commit markers no longer carry their messages, and are no longer removed when a later commit
   * replaces or deletes their transcript. Processes of version 1 removed them, which writers of
   * version 2 do not expect, so a bucket once written by version 2 refuses version 1 at start-up.
   * 3: the metadata index's objects are gzip-compressed (and read either way).
   */
  private static final int VERSION = 3;

  private StoreFormat() {}

  /**
   * Checks the marker, or writes it when the store is new.
   *
   * @return whether this call made the store: nothing of sessionstore's is in it yet
   */
  static boolean check(ObjectStore store, S3Layout layout, S3Settings settings) {
    Optional<byte[]> found = store.readAtStartUp(layout.formatMarker());
    byte[] format =
        ("{\"layout\":\"" + LAYOUT + "\",\"version\":" + VERSION + "}\n")
            .getBytes(StandardCharsets.UTF_8);
    if (found.isEmpty()) {
      if (store.putIfAbsent(layout.formatMarker(), format)) {
        return true;
      }
      // Another process made the store at the same moment: check what it wrote.
      found = store.get(layout.formatMarker());
    }
    JsonNode marker;
    try {
      marker = JsonStreams.readTree(found.orElse(new byte[0]));
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
    int version = marker.path("version").canConvertToInt() ? marker.path("version").intValue() : -1;
    if (version >= 1 && version < VERSION) {
      // What older versions wrote still reads; from now on they refuse the store.
      store.put(layout.formatMarker(), format);
      return false;
    }
    if (version != VERSION) {
      throw new ConfigurationException(
          "Cannot use s3://"
              + settings.bucket()
              + "/"
              + settings.prefix()
              + ": it was "
              + "written by a newer sessionstore; upgrade sessionstore");
    }
    return false;
  }
}
