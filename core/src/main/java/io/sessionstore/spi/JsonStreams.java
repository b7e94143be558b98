package io.sessionstore.spi;

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
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.HashMap;
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
   * {@link Json#MAPPER} makes of it (decimals exact, without trailing zeros; the last of two equal
   * keys wins), without starting the mapper. The parser is left on the value's last token.
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
   * Which fields of a JSON object {@link #parseObject(String, String, Fields)} keeps: some whole,
   * some (objects, or arrays of objects) with only some of their own fields. Immutable.
   */
  public static final class Fields {
    private static final Fields WHOLE = new Fields(Map.of());
    private final Map<String, Fields> kept;

    private Fields(Map<String, Fields> kept) {
      this.kept = kept;
    }

    /** These fields, whole. */
    public static Fields of(String... names) {
      Map<String, Fields> kept = new HashMap<>();
      for (String name : names) {
        kept.put(name, WHOLE);
      }
      return new Fields(Map.copyOf(kept));
    }

    /**
     * These fields and {@code name} with only {@code nested}'s fields when its value is an object,
     * or in each object of an array; any other value is kept whole.
     */
    public Fields and(String name, Fields nested) {
      Map<String, Fields> kept = new HashMap<>(this.kept);
      kept.put(name, nested);
      return new Fields(Map.copyOf(kept));
    }

    /** What a full tree holds of these fields. */
    ObjectNode of(ObjectNode full) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      full.properties()
          .forEach(
              e -> {
                Fields nested = kept.get(e.getKey());
                if (nested != null) {
                  out.replace(e.getKey(), nested.of(e.getValue()));
                }
              });
      return out;
    }

    private JsonNode of(JsonNode value) {
      if (this == WHOLE) {
        return value;
      }
      if (value instanceof ObjectNode o) {
        return of(o);
      }
      if (value instanceof ArrayNode a) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode(a.size());
        a.forEach(e -> out.add(e instanceof ObjectNode o ? of(o) : e));
        return out;
      }
      return value;
    }
  }

  /**
   * Parses text that must be exactly one JSON object, as {@link Json#parseObject(String, String)}
   * does (the same text is accepted, with the same error otherwise), and keeps only some of its
   * fields. The rest is checked without being built, which makes reading a few fields of a long
   * message several times faster than reading its tree.
   *
   * @throws io.sessionstore.api.InvalidInputException when it is not one valid JSON object
   */
  public static ObjectNode parseObject(String text, String what, Fields keep) {
    ObjectNode sparse;
    try (JsonParser p = parser(text)) {
      sparse = p.nextToken() == JsonToken.START_OBJECT ? readFields(p, keep) : null;
      if (sparse != null && p.nextToken() != null) {
        sparse = null;
      }
    } catch (IOException | NumberFormatException e) {
      sparse = null;
    }
    // What is not valid is parsed again in full, so that its error is the one it always was.
    return sparse != null ? sparse : keep.of(Json.parseObject(text, what));
  }

  /** The kept fields of the object whose start the parser is on; it is left on the object's end. */
  private static ObjectNode readFields(JsonParser p, Fields keep) throws IOException {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      Fields nested = keep.kept.get(name);
      if (nested == null) {
        skipValue(p, t);
      } else if (nested != Fields.WHOLE && t == JsonToken.START_OBJECT) {
        out.replace(name, readFields(p, nested));
      } else if (nested != Fields.WHOLE && t == JsonToken.START_ARRAY) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          array.add(
              p.currentToken() == JsonToken.START_OBJECT ? readFields(p, nested) : readTree(p));
        }
        out.replace(name, array);
      } else {
        out.replace(name, readTree(p));
      }
    }
    return out;
  }

  /**
   * Passes over the value at the parser's token, checking it as {@link #readTree} would: every
   * decimal is read, since one {@link BigDecimal} cannot hold ({@code 1e99999999999}) fails it.
   */
  private static void skipValue(JsonParser p, JsonToken t) throws IOException {
    int depth = 0;
    do {
      switch (t) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case VALUE_NUMBER_FLOAT -> p.getDecimalValue();
        default -> {}
      }
    } while (depth > 0 && (t = p.nextToken()) != null);
  }

  /** A new factory with these settings; {@link Json#MAPPER} has one of its own. */
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
