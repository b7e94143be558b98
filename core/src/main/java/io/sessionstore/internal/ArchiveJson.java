package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.spi.Json;
import io.sessionstore.spi.JsonStreams;
import java.io.IOException;

/**
 * Streaming reads of archive lines with the store's JSON settings, and room for the nesting an
 * archive line adds around a message (the session object, {@code subpaths}, its array), so that any
 * message the store accepts can be archived and imported again.
 */
final class ArchiveJson {
  private static final int WRAPPING_DEPTH = 3;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxStringLength(Integer.MAX_VALUE)
                  .maxNestingDepth(Json.MAX_MESSAGE_DEPTH + WRAPPING_DEPTH)
                  .build())
          .build();

  private ArchiveJson() {}

  static JsonParser parser(String line) throws IOException {
    return FACTORY.createParser(line);
  }

  static JsonParser parser(byte[] line) throws IOException {
    return FACTORY.createParser(line);
  }

  /** Reads the value at the parser's current token, leaving the parser after it. */
  static JsonNode readValue(JsonParser p) throws IOException {
    return JsonStreams.readTree(p);
  }
}
