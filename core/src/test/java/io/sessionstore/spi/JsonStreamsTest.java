package io.sessionstore.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonStreamsTest {
  /**
   * The tree read without the mapper is the mapper's: the same node types and values (decimals
   * exact and without trailing zeros, the last of two equal keys), the same failures.
   */
  @Test
  void treesAreTheMappers() throws IOException {
    List<String> texts =
        new ArrayList<>(
            List.of(
                "{\"a\":1,\"b\":[true,false,null,\"x\"],\"c\":{\"d\":-0.0}}",
                "{\"cost\":0.30,\"zero\":0.000,\"e\":1E+3,\"e2\":1.50e-3,\"big\":123456789012345678901234567890}",
                "{\"n\":2147483648,\"m\":-2147483649,\"i\":2147483647,\"z\":0,\"neg\":-0}",
                "{\"dup\":1,\"dup\":\"two\",\"k\":{\"dup\":[1],\"dup\":{}}}",
                "[1,[2,[3,[4]]],{},[]]",
                "\"just a string\"",
                "42",
                "3.14000",
                "null",
                "{\"s\":\"\\u001b\\n\\\"\\/\",\"unicode\":\"é€😀\"}",
                "{\"deep\":" + "[".repeat(300) + "]".repeat(300) + "}",
                "{\"x\":1e999999999}",
                "{\"broken\":",
                "[1,2",
                "{\"a\" 1}"));
    Random random = new Random(16);
    for (int i = 0; i < 2_000; i++) {
      texts.add(randomJson(random, 0));
    }
    for (String text : texts) {
      assertEquals(mappers(text), ours(text), text);
    }
  }

  /**
   * A whole text read as the mapper reads it: its value, nothing after it, a missing node for none.
   */
  @Test
  void aWholeTextIsReadAsTheMapperReadsIt() throws IOException {
    String text = "{\"a\":[1,2.50,\"é\"],\"b\":{\"c\":null}}";
    assertEquals(Json.mapper().readTree(text), JsonStreams.readTree(text));
    assertEquals(
        Json.mapper().readTree(text),
        JsonStreams.readTree(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertEquals(Json.mapper().readTree("  "), JsonStreams.readTree("  "));
    assertTrue(JsonStreams.readTree(new byte[0]).isMissingNode());
    for (String bad : List.of("{} {}", "{} x", "{\"a\":", "{\"x\":1e999999999999999999}")) {
      assertThrows(IOException.class, () -> JsonStreams.readTree(bad), bad);
    }
  }

  /** A tree is written as the mapper writes it, whatever its nodes. */
  @Test
  void treesAreWrittenAsTheMapperWritesThem() throws IOException {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    List<JsonNode> trees = new ArrayList<>();
    Random random = new Random(30);
    while (trees.size() < 2_000) {
      try {
        trees.add(Json.mapper().readTree(randomJson(random, 0)));
      } catch (JsonProcessingException | NumberFormatException e) {
        // randomJson makes some texts the store refuses, for the test of failures
      }
    }
    ObjectNode made = nodes.objectNode();
    made.put("exponent", new BigDecimal("1E+3"))
        .put("double", 0.1)
        .put("float", 1.5f)
        .put("short", (short) 7)
        .put("long", Long.MIN_VALUE)
        .put("big", new BigInteger("123456789012345678901234567890"))
        .put("escapes", "\u0000\u001b\t\"\\/\u2028é😀")
        .putNull("null");
    made.putArray("array").add(true).addObject();
    trees.add(made);
    for (JsonNode tree : trees) {
      assertEquals(Json.mapper().writeValueAsString(tree), JsonStreams.write(tree));
    }
  }

  @Test
  void aNodeThatIsNotJsonIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> JsonStreams.write(JsonNodeFactory.instance.pojoNode(new Object())));
  }

  @Test
  void theEndOfTheInputIsNoTree() throws IOException {
    try (JsonParser p = JsonStreams.parser("  ")) {
      assertNull(JsonStreams.readTree(p));
    }
  }

  private static Object mappers(String text) {
    try {
      return describe(Json.mapper().readTree(text));
    } catch (IOException | RuntimeException e) {
      return "fails";
    }
  }

  private static Object ours(String text) {
    try (JsonParser p = JsonStreams.parser(text)) {
      JsonNode n = JsonStreams.readTree(p);
      return p.nextToken() == null ? describe(n) : "fails";
    } catch (IOException | RuntimeException e) {
      return "fails";
    }
  }

  /** The tree's text with each node's type, so that 1 and 1.0, or 0.30 and 0.3, differ. */
  private static String describe(JsonNode n) {
    if (n == null) {
      return "null tree";
    }
    StringBuilder out = new StringBuilder(n.getNodeType() + ":" + n.getClass().getSimpleName());
    if (n.isContainerNode()) {
      out.append('{');
      n.properties()
          .forEach(e -> out.append(e.getKey()).append('=').append(describe(e.getValue())));
      n.elements().forEachRemaining(e -> out.append(describe(e)).append(','));
      out.append('}');
    } else if (n.isBigDecimal()) {
      out.append(n.decimalValue().unscaledValue()).append('e').append(-n.decimalValue().scale());
    } else {
      out.append(n.asText());
    }
    return out.toString();
  }

  private static String randomJson(Random r, int depth) {
    int kind = depth > 4 ? r.nextInt(5) : r.nextInt(7);
    return switch (kind) {
      case 0 -> "\"" + "abc\\u00e9\\\"".substring(0, r.nextInt(10)).replaceAll("\\\\$", "") + "\"";
      case 1 -> number(r);
      case 2 -> r.nextBoolean() ? "true" : "false";
      case 3 -> "null";
      case 4 -> number(r);
      case 5 -> {
        StringBuilder a = new StringBuilder("[");
        for (int i = r.nextInt(4); i > 0; i--) {
          a.append(randomJson(r, depth + 1)).append(i > 1 ? "," : "");
        }
        yield a.append(']').toString();
      }
      default -> {
        StringBuilder o = new StringBuilder("{");
        for (int i = r.nextInt(4); i > 0; i--) {
          o.append("\"k").append(r.nextInt(3)).append("\":").append(randomJson(r, depth + 1));
          o.append(i > 1 ? "," : "");
        }
        yield o.append('}').toString();
      }
    };
  }

  private static String number(Random r) {
    String digits = Long.toString(r.nextLong() >>> r.nextInt(64));
    String n = (r.nextBoolean() ? "-" : "") + digits;
    if (r.nextBoolean()) {
      n += "." + "0".repeat(r.nextInt(3)) + r.nextInt(1000) + "0".repeat(r.nextInt(3));
    }
    if (r.nextInt(4) == 0) {
      n += (r.nextBoolean() ? "e" : "E") + (r.nextBoolean() ? "-" : "+") + r.nextInt(40);
    }
    if (r.nextInt(10) == 0) {
      n += "9".repeat(25);
    }
    return n;
  }
}
