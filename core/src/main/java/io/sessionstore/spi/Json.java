package io.sessionstore.spi;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one Jackson set-up of the store (and {@link JsonStreams} its streaming side): strict JSON
 * (nothing after the value), exact decimals (a cost read back is the cost written), no limit on the
 * size of a string, nesting up to {@link #MAX_MESSAGE_DEPTH}. A backend that keeps its own JSON (an
 * index, a marker) uses it, so that whatever the store accepts it can read back. Only {@link
 * #mapper()} starts Jackson's object mapper, which costs a short-lived process tens of
 * milliseconds: validating and writing messages and heads does without it. Thread-safe.
 */
public final class Json {
  /** How deeply a message may nest arrays and objects. */
  public static final int MAX_MESSAGE_DEPTH = 5_000;

  private Json() {}

  /**
   * The shared object mapper with these settings, made on first use; never reconfigure it (copy it
   * for other settings).
   */
  public static ObjectMapper mapper() {
    return Mapper.INSTANCE;
  }

  private static final class Mapper {
    static final ObjectMapper INSTANCE =
        JsonMapper.builder(JsonStreams.factory())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
  }

  /**
   * Parses text that must be exactly one JSON object.
   *
   * @param what names the text in the error, e.g. "message" or "line 3"
   * @throws InvalidInputException when it is not valid JSON or not an object
   */
  public static ObjectNode parseObject(String text, String what) {
    try (JsonParser p = JsonStreams.parser(text)) {
      return parseObject(p, what);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read a string", e);
    }
  }

  /**
   * The parser's whole input as one JSON object, checked as {@link #parseObject(String, String)}
   * checks a text. The parser is left at the input's end, where its location tells how many lines
   * the text spans.
   *
   * @throws InvalidInputException when it is not valid JSON or not an object
   */
  public static ObjectNode parseObject(JsonParser p, String what) {
    return parseObject(p, what, JsonStreams::readTree);
  }

  /**
   * As {@link #parseObject(JsonParser, String)}, with the object read by {@code reader}: one that
   * keeps only some of its fields still checks all of it.
   */
  public static ObjectNode parseObject(JsonParser p, String what, JsonStreams.TreeReader reader) {
    JsonNode node;
    try {
      node = JsonStreams.readWhole(p, reader);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("Invalid " + what + ": not valid JSON (" + describe(e) + ")");
    } catch (NumberFormatException e) {
      throw numberOutOfRange(what, e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + what, e);
    }
    if (node.isMissingNode()) {
      throw new InvalidInputException("Invalid " + what + ": it is empty");
    }
    if (!node.isObject()) {
      throw new InvalidInputException(
          "Invalid " + what + ": a message must be a JSON object, this is " + kind(node));
    }
    return (ObjectNode) node;
  }

  /**
   * For a number Jackson cannot hold as a {@link java.math.BigDecimal} ({@code
   * 1e99999999999999999999}): the text is JSON, but not JSON the store can read back, so it is bad
   * input.
   */
  public static InvalidInputException numberOutOfRange(String what, NumberFormatException e) {
    return new InvalidInputException(
        "Invalid "
            + what
            + ": a number in it is out of range ("
            + shortLine(String.valueOf(e.getMessage()))
            + ")");
  }

  /**
   * One line describing a parse failure: Jackson's reason and where, without its multi-line source
   * excerpt.
   */
  public static String describe(JsonProcessingException e) {
    String reason = shortLine(e.getOriginalMessage());
    JsonLocation at = e.getLocation();
    if (at == null) {
      return reason;
    }
    return at.getLineNr() > 1
        ? reason + " at line " + at.getLineNr() + ", column " + at.getColumnNr()
        : reason + " at column " + at.getColumnNr();
  }

  /** A parser's reason on one line, cut to 160 characters. */
  private static String shortLine(String reason) {
    String line = reason.replaceAll("\\s+", " ").trim();
    return line.length() > 160 ? line.substring(0, 160) + "…" : line;
  }

  /** A streaming parser of the text with these settings: {@link JsonStreams#parser}. */
  public static JsonParser parser(String text) {
    return JsonStreams.parser(text);
  }

  /**
   * A message's JSON text on one line, without re-encoding it: whitespace between tokens is removed
   * when the text spans several lines (a pretty-printed message); text without a line feed is
   * returned as it is, a lone {@code \r} included. Strings, numbers and escapes keep their exact
   * spelling.
   */
  public static String oneLine(String json) {
    if (json.indexOf('\n') < 0) {
      return json;
    }
    StringBuilder out = new StringBuilder(json.length());
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        out.append(c);
        if (c == '\\' && i + 1 < json.length()) {
          out.append(json.charAt(++i));
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
        out.append(c);
      } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String kind(JsonNode node) {
    if (node.isArray()) {
      return "an array";
    }
    if (node.isTextual()) {
      return "a string";
    }
    if (node.isNumber()) {
      return "a number";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    return "null";
  }
}
