package io.sessionstore.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.sessionstore.spi.Json;
import io.sessionstore.spi.Utf8Lines;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reading messages from text: JSON Lines, or one JSON array of messages. */
public final class Messages {
  private Messages() {}

  /**
   * Reads every message of a stream: one JSON array of objects when its first character is {@code
   * [}, else JSON Lines (one object per line; blank lines ignored; a UTF-8 byte-order mark at the
   * start ignored). Each message of JSON Lines keeps its line's exact text; an array element keeps
   * its text with the whitespace between tokens removed when it spans lines. The stream is not
   * closed.
   *
   * @throws InvalidInputException naming the first bad line (or element); then no message is
   *     returned
   */
  public static List<Message> read(InputStream in) {
    BufferedInputStream buffered = new BufferedInputStream(in, 64 * 1024);
    if (startsWithArray(buffered)) {
      return readArray(buffered);
    }
    Utf8Lines lines = new Utf8Lines(buffered);
    List<Message> out = new ArrayList<>();
    String line;
    while ((line = lines.next()) != null) {
      if (line.isBlank()) {
        continue;
      }
      out.add(Message.parseDecoded(line, "line " + lines.number()));
    }
    return out;
  }

  private static boolean startsWithArray(BufferedInputStream in) {
    try {
      in.mark(1024);
      int b;
      int read = 0;
      do {
        b = in.read();
        read++;
      } while ((b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0xef || b == 0xbb
              || b == 0xbf)
          && read < 1000);
      in.reset();
      return b == '[';
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot read input: " + e.getMessage(), e);
    }
  }

  private static List<Message> readArray(InputStream in) {
    String text;
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      in.transferTo(bytes);
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes.toByteArray()))
              .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException("Invalid input: it is not valid UTF-8");
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot read input: " + e.getMessage(), e);
    }
    if (text.startsWith("\ufeff")) {
      text = text.substring(1);
    }
    List<Message> out = new ArrayList<>();
    try (JsonParser p = Json.parser(text)) {
      p.nextToken();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
          throw new InvalidInputException(
              "Invalid element "
                  + (out.size() + 1)
                  + " of the array: a message must "
                  + "be a JSON object");
        }
        int start = (int) p.currentTokenLocation().getCharOffset();
        p.skipChildren();
        int end = (int) p.currentLocation().getCharOffset();
        out.add(Message.of(Json.oneLine(text.substring(start, end))));
      }
      if (p.nextToken() != null) {
        throw new InvalidInputException("Invalid input: text after the closing ']' of the array");
      }
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(
          "Invalid input: not a valid JSON array (" + Json.describe(e) + ")");
    } catch (IOException e) {
      throw new InvalidInputException("Invalid input: " + e.getMessage());
    }
    return out;
  }
}
