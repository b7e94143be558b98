package io.sessionstore.spi;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * {@link Json}'s settings for streaming, without its object mapper: parsers and generators of the
 * JSON the store reads and writes (no limit on the size of a string, nesting up to {@link
 * Json#MAX_MESSAGE_DEPTH}). Starting the object mapper costs a short-lived process much of its time
 * (it loads the JDK's calendar and locale data), so what every command does — reading a backend's
 * index and heads, writing metadata, cursors — streams with these. Thread-safe.
 */
public final class JsonStreams {
  private static final JsonFactory FACTORY = factory();

  private JsonStreams() {}

  /** A parser of the text. */
  public static JsonParser parser(String text) {
    try {
      return FACTORY.createParser(text);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read a string", e);
    }
  }

  /** A parser of the UTF-8 bytes. */
  public static JsonParser parser(byte[] utf8) {
    try {
      return FACTORY.createParser(utf8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read bytes", e);
    }
  }

  /**
   * The one JSON value of the text, as {@link Json#mapper()} reads it ({@code readTree}): a missing
   * node when the text holds none, a failure when anything follows the value.
   *
   * @throws IOException when the text is not one JSON value (a number out of range included)
   */
  public static JsonNode readTree(String text) throws IOException {
    try (JsonParser p = parser(text)) {
      return readWholeOrOutOfRange(p);
    }
  }

  /** As {@link #readTree(String)}, of UTF-8 bytes. */
  public static JsonNode readTree(byte[] utf8) throws IOException {
    try (JsonParser p = parser(utf8)) {
      return readWholeOrOutOfRange(p);
    }
  }

  private static JsonNode readWholeOrOutOfRange(JsonParser p) throws IOException {
    try {
      return readWhole(p, JsonStreams::readTree);
    } catch (NumberFormatException e) {
      throw new JsonParseException(p, "A number is out of range: " + e.getMessage());
    }
  }

  /**
   * Reads the value at a parser's current token (or its next one, at the start) as {@link
   * #readTree(JsonParser)} does, checking all of it, into a tree of all or part of it; leaves the
   * parser on the value's last token.
   */
  @FunctionalInterface
  public interface TreeReader {
    /**
     * @return null at the end of the input
     * @throws IOException when the value is not JSON
     * @throws NumberFormatException when a number in it is out of range
     */
    JsonNode read(JsonParser p) throws IOException;
  }

  /**
   * The parser's one value as {@code reader} reads it, a missing node when there is none.
   *
   * @throws IOException when it is not one JSON value
   * @throws NumberFormatException when a number in it is out of range
   */
  static JsonNode readWhole(JsonParser p, TreeReader reader) throws IOException {
    JsonNode tree = reader.read(p);
    if (tree == null) {
      return MissingNode.getInstance();
    }
    JsonToken after = p.nextToken();
    if (after != null) {
      throw new JsonParseException(
          p,
          "Trailing token (of type " + after + ") found after the value",
          p.currentTokenLocation());
    }
    return tree;
  }

  /** A generator writing UTF-8 to {@code out}. */
  public static JsonGenerator generator(OutputStream out) {
    try {
      return FACTORY.createGenerator(out, JsonEncoding.UTF8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write to a stream", e);
    }
  }

  /** A generator writing to {@code out}. */
  public static JsonGenerator generator(Writer out) {
    try {
      return FACTORY.createGenerator(out);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write to a writer", e);
    }
  }

  /**
   * The value at the parser's current token (or its next one, at the start) as a tree: the nodes
   * {@link Json#mapper()} makes of it (decimals exact, without trailing zeros; the last of two
   * equal keys wins), without starting the mapper. The parser is left on the value's last token.
   *
   * @return null at the end of the input
   */
  public static JsonNode readTree(JsonParser p) throws IOException {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    ArrayDeque<ContainerNode<?>> open = new ArrayDeque<>();
    String field = null;
    JsonToken t = p.currentToken() != null ? p.currentToken() : p.nextToken();
    while (t != null) {
      JsonNode value;
      switch (t) {
        case FIELD_NAME -> {
          field = p.currentName();
          t = p.nextToken();
          continue;
        }
        case END_OBJECT, END_ARRAY -> {
          ContainerNode<?> done = open.pop();
          if (open.isEmpty()) {
            return done;
          }
          t = p.nextToken();
          continue;
        }
        case START_OBJECT -> value = nodes.objectNode();
        case START_ARRAY -> value = nodes.arrayNode();
        case VALUE_STRING -> value = nodes.textNode(p.getText());
        case VALUE_NUMBER_INT ->
            value =
                switch (p.getNumberType()) {
                  case INT -> nodes.numberNode(p.getIntValue());
                  case LONG -> nodes.numberNode(p.getLongValue());
                  default -> nodes.numberNode(p.getBigIntegerValue());
                };
        case VALUE_NUMBER_FLOAT -> {
          BigDecimal d = p.getDecimalValue();
          try {
            d = d.stripTrailingZeros();
          } catch (ArithmeticException e) {
            // as the mapper does: such a number keeps its form
          }
          value = nodes.numberNode(d);
        }
        case VALUE_TRUE -> value = nodes.booleanNode(true);
        case VALUE_FALSE -> value = nodes.booleanNode(false);
        case VALUE_NULL -> value = nodes.nullNode();
        default -> throw new JsonParseException(p, "Unexpected token " + t);
      }
      if (open.isEmpty()) {
        if (!value.isContainerNode()) {
          return value;
        }
      } else if (open.peek() instanceof ObjectNode o) {
        o.replace(field, value);
      } else {
        ((ArrayNode) open.peek()).add(value);
      }
      if (value instanceof ContainerNode<?> c) {
        open.push(c);
      }
      t = p.nextToken();
    }
    return null;
  }

  /**
   * The tree as compact JSON, as {@link JsonNode#toString()} writes it (which starts an object
   * mapper of its own): numbers as their nodes hold them, strings escaped as the generator does.
   *
   * @throws IllegalArgumentException for a node that is not plain JSON (a POJO or binary node)
   */
  public static String write(JsonNode tree) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = generator(out)) {
      write(g, tree);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write to a string", e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, JsonNode tree) throws IOException {
    switch (tree.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> e : tree.properties()) {
          g.writeFieldName(e.getKey());
          write(g, e.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode element : tree) {
          write(g, element);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(tree.textValue());
      case NUMBER -> {
        switch (tree.numberType()) {
          case INT -> g.writeNumber(tree.intValue());
          case LONG -> g.writeNumber(tree.longValue());
          case BIG_INTEGER -> g.writeNumber(tree.bigIntegerValue());
          case BIG_DECIMAL -> g.writeNumber(tree.decimalValue());
          case FLOAT -> g.writeNumber(tree.floatValue());
          case DOUBLE -> g.writeNumber(tree.doubleValue());
        }
      }
      case BOOLEAN -> g.writeBoolean(tree.booleanValue());
      case NULL -> g.writeNull();
      default -> throw new IllegalArgumentException("Not a JSON node: " + tree.getNodeType());
    }
  }

  /** A new factory with these settings; {@link Json#mapper()} has one of its own. */
  static JsonFactory factory() {
    return JsonFactory.builder()
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE)
                .maxNestingDepth(Json.MAX_MESSAGE_DEPTH)
                .build())
        .build();
  }
}
