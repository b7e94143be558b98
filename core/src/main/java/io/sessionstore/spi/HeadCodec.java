package io.sessionstore.spi;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.SessionKey;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * One line of JSON for a {@link StoredHead}, for backends that store heads as text. {@code
 * decode(encode(h))} equals {@code h}. The format is stable: a field may be added, none removed.
 */
public final class HeadCodec {
  private HeadCodec() {}

  public static String encode(StoredHead head) {
    StringWriter out = new StringWriter(512);
    try (JsonGenerator g = JsonStreams.generator(out)) {
      g.writeStartObject();
      g.writeStringField("project", head.key().project());
      g.writeStringField("sessionId", head.key().sessionId());
      g.writeStringField("subpath", head.key().subpath());
      g.writeNumberField("generation", head.generation());
      g.writeStringField("derivation", head.derivation());
      g.writeFieldName("metadata");
      MetadataJson.write(g, head.metadata());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * @throws BackendUnavailableException when the text is not a head written by {@link #encode}:
   *     what a backend stored is damaged, which is no fault of the caller's input
   */
  public static StoredHead decode(String line) {
    try (JsonParser p = JsonStreams.parser(line)) {
      JsonNode n = JsonStreams.readTree(p);
      if (n != null && p.nextToken() != null) {
        throw damaged("text after the head object");
      }
      if (n == null || !n.isObject() || !n.path("metadata").isObject()) {
        throw damaged("not a head object");
      }
      JsonNode sub = n.get("subpath");
      SessionKey key =
          new SessionKey(
              n.path("project").asText(),
              n.path("sessionId").asText(),
              sub == null || sub.isNull() ? null : sub.asText());
      return new StoredHead(
          key,
          MetadataJson.read(n.get("metadata")),
          n.path("generation").asLong(),
          n.path("derivation").asText());
    } catch (JsonProcessingException e) {
      throw damaged(Json.describe(e));
    } catch (InvalidInputException | NumberFormatException e) {
      throw damaged(e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static BackendUnavailableException damaged(String reason) {
    return new BackendUnavailableException(
        "Damaged stored head: "
            + reason
            + " (the storage was changed by "
            + "something other than sessionstore, or is damaged)");
  }
}
