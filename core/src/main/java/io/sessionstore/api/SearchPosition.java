package io.sessionstore.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.spi.JsonStreams;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * A place in the search order (updated time descending, then project, then session id ascending):
 * the last session of a page. The next page holds only the sessions strictly after it, so sessions
 * added meanwhile neither repeat nor push others out. {@link SearchQuery#after()} gives it to a
 * backend that searches natively; the opaque cursor of {@link Page#nextCursor()} is this position
 * encoded, and only the store encodes and decodes it.
 *
 * @param updatedAt the session's {@link SessionMetadata#updatedAt()}
 * @param project the session's project
 * @param sessionId the session's id
 */
public record SearchPosition(Instant updatedAt, String project, String sessionId) {
  public SearchPosition {
    Objects.requireNonNull(updatedAt, "updatedAt is null");
    Objects.requireNonNull(project, "project is null");
    Objects.requireNonNull(sessionId, "sessionId is null");
  }

  /** The position of this session in the search order. */
  public static SearchPosition of(SessionMetadata session) {
    return new SearchPosition(session.updatedAt(), session.project(), session.sessionId());
  }

  /**
   * Whether the session comes strictly after this position in the search order, i.e. belongs to the
   * next page.
   */
  public boolean precedes(SessionMetadata session) {
    int c = session.updatedAt().compareTo(updatedAt);
    if (c != 0) {
      return c < 0;
    }
    c = session.project().compareTo(project);
    return c != 0 ? c > 0 : session.sessionId().compareTo(sessionId) > 0;
  }

  /**
   * The opaque cursor naming this position, as {@link Page#nextCursor()} carries it. The encoding
   * (URL-safe base64 of a JSON array of the three fields) is stable: cursors handed out earlier
   * stay valid.
   */
  public String toCursor() {
    StringWriter json = new StringWriter();
    try (JsonGenerator g = JsonStreams.generator(json)) {
      g.writeStartArray();
      g.writeString(updatedAt.toString());
      g.writeString(project);
      g.writeString(sessionId);
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @throws InvalidInputException when the text is not a cursor that {@link #toCursor()} made
   */
  static SearchPosition fromCursor(String cursor) {
    // A cursor holds three strings: strict plain JSON, nothing after the array.
    try (JsonParser p =
        JsonStreams.parser(
            StandardCharsets.UTF_8
                .newDecoder()
                .decode(ByteBuffer.wrap(Base64.getUrlDecoder().decode(cursor)))
                .toString())) {
      JsonNode a = JsonStreams.readTree(p);
      if (a != null && a.isArray() && a.size() == 3 && p.nextToken() == null) {
        return new SearchPosition(
            Instant.parse(a.get(0).asText()), a.get(1).asText(), a.get(2).asText());
      }
    } catch (IllegalArgumentException | DateTimeException | java.io.IOException e) {
      // reported below, as for any text that is not a cursor
    }
    throw new InvalidInputException(
        "Invalid cursor '" + cursor + "': pass the cursor a previous page returned");
  }
}
