package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A message no one reads the tree of is parsed into only the fields its facts come from: it must be
 * accepted and refused exactly as the whole tree's reading does, with the same facts and the same
 * error, whatever the rest of it holds.
 */
class MessageFactFieldsTest {
  /** What a parse gave: its facts, or the message of its refusal. */
  private static Object outcome(Supplier<MessageFacts> parse) {
    try {
      return parse.get();
    } catch (InvalidInputException e) {
      return "refused: " + e.getMessage();
    }
  }

  /** Facts kept as bytes, as facts of their text: the same bytes are two arrays. */
  private static Object asText(Object outcome) {
    return outcome instanceof MessageFacts f && f.utf8() != null
        ? new MessageFacts(
            f.text(),
            null,
            f.uuid(),
            f.cost(),
            f.numTurns(),
            f.type(),
            f.assistantMessageId(),
            f.usage(),
            f.runUsage(),
            f.timestamp())
        : outcome;
  }

  /** Checks both parses of the text and of its bytes; returns whether the message was refused. */
  private static boolean sameAsWholeTree(String json) {
    Object whole = outcome(() -> MessageFacts.of(json, "message", tree -> {}));
    assertEquals(whole, outcome(() -> MessageFacts.of(json, "message")), json);
    byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
    assertEquals(
        asText(outcome(() -> MessageFacts.ofUtf8(utf8, "message", tree -> {}))),
        asText(outcome(() -> MessageFacts.ofUtf8(utf8, "message", null))),
        json);
    return whole instanceof String;
  }

  @Test
  void anAssistantLineHasTheFactsOfItsWholeTree() {
    String line =
        "{\"parentUuid\":\"38de8ad0\",\"isSidechain\":false,\"message\":{\"model\":"
            + "\"claude-haiku-4-5-20251001\",\"id\":\"msg_01\",\"content\":[{\"type\":\"thinking\","
            + "\"thinking\":\"run `touch`\"}],\"usage\":{\"input_tokens\":10,"
            + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":7756},"
            + "\"output_tokens\":8}},\"requestId\":\"req_01\",\"type\":\"assistant\","
            + "\"uuid\":\"0b281a80\",\"timestamp\":\"2026-02-01T04:11:54.891Z\"}";
    MessageFacts facts = MessageFacts.of(line, "message");
    assertEquals(7756, facts.usage().cacheWrite1h());
    assertEquals("msg_01", facts.assistantMessageId());
    assertEquals("0b281a80", facts.uuid());
    sameAsWholeTree(line);
  }

  @Test
  void theLastOfRepeatedKeysCountsAsInAWholeTree() {
    List<String> cases =
        List.of(
            "{\"type\":\"assistant\",\"message\":{\"id\":\"a\",\"model\":\"m\",\"usage\":"
                + "{\"input_tokens\":5}},\"requestId\":\"r\",\"message\":\"gone\"}",
            "{\"type\":\"user\",\"type\":\"assistant\",\"costUSD\":1,\"costUSD\":\"no\"}",
            "{\"message\":{\"usage\":{\"input_tokens\":1},\"id\":\"x\",\"usage\":null},"
                + "\"type\":\"assistant\",\"requestId\":\"r\"}",
            "{\"type\":\"result\",\"num_turns\":3,\"num_turns\":4,\"modelUsage\":{\"m\":"
                + "{\"inputTokens\":2,\"costUSD\":0.5}},\"modelUsage\":{}}");
    for (String json : cases) {
      sameAsWholeTree(json);
    }
    assertEquals(
        null,
        MessageFacts.of(cases.get(0), "message").usage(),
        "a message key that comes again as a string leaves no usage");
  }

  @Test
  void whatIsPassedOverIsCheckedAsAWholeTreeChecksIt() {
    String[] content = {
      "[1e99999999999999999999]",
      "{\"deep\":[1.5e-3,-0.0,1E+2]}",
      "\"bad escape \\x\"",
      "\"raw \u0001 control\"",
      "\"fine \\u00e9 \\ud83d\\ude00\"",
      "[1,]",
      "{\"a\" 1}",
      "[" + "[".repeat(6_000) + "]".repeat(6_000) + "]",
      "[" + "[".repeat(100) + "]".repeat(100) + "]",
      "0123",
      "NaN",
      "tru",
      "[\n1,\n2\n]",
    };
    for (String c : content) {
      sameAsWholeTree("{\"type\":\"assistant\",\"message\":{\"content\":" + c + ",\"id\":\"i\"}}");
      sameAsWholeTree("{\"type\":\"user\",\"toolUseResult\":" + c + "}");
    }
    sameAsWholeTree("{\"type\":\"user\"");
    sameAsWholeTree("{\"type\":\"user\"} {}");
    sameAsWholeTree("[{\"type\":\"user\"}]");
    sameAsWholeTree("");
  }

  @Test
  void generatedAndDamagedMessagesGetTheWholeTreesOutcome() {
    Random random = new Random(20261202);
    List<String> seeds = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      seeds.add(object(random, 0));
    }
    int refused = 0;
    for (int i = 0; i < 20_000; i++) {
      String seed = seeds.get(random.nextInt(seeds.size()));
      if (sameAsWholeTree(i % 2 == 1 ? damaged(seed, random) : seed)) {
        refused++;
      }
    }
    assertTrue(refused > 1_000, "the damage refused only " + refused + " messages");
  }

  /** The fields the facts come from, where they are and elsewhere, and some others. */
  private static final String[] KEYS =
      ("type uuid timestamp costUSD requestId isSidechain total_cost_usd cost_usd num_turns usage"
              + " modelUsage message id model content input_tokens output_tokens cache_creation"
              + " ephemeral_1h_input_tokens speed x")
          .split(" ");

  private static final String[] SCALARS = {
    "\"assistant\"",
    "\"result\"",
    "\"user\"",
    "\"2026-02-01T04:11:54.891Z\"",
    "\"fast\"",
    "\"\"",
    "12",
    "-3",
    "0.25",
    "1e2",
    "99999999999999999999999",
    "true",
    "false",
    "null",
    "\"caf\\u00e9\""
  };

  private static String value(Random random, int depth) {
    int pick = random.nextInt(depth > 3 ? 1 : 4);
    if (pick == 1) {
      return object(random, depth + 1);
    }
    if (pick == 2) {
      StringBuilder a = new StringBuilder("[");
      for (int n = random.nextInt(4); n > 0; n--) {
        a.append(value(random, depth + 1)).append(n > 1 ? "," : "");
      }
      return a.append(']').toString();
    }
    return SCALARS[random.nextInt(SCALARS.length)];
  }

  private static String object(Random random, int depth) {
    StringBuilder o = new StringBuilder("{");
    for (int n = random.nextInt(6) + (depth == 0 ? 2 : 0); n > 0; n--) {
      o.append('"').append(KEYS[random.nextInt(KEYS.length)]).append("\":");
      o.append(value(random, depth)).append(n > 1 ? "," : "");
    }
    return o.append('}').toString();
  }

  private static final String DAMAGE = "{}[]\",:\\ \n1eE-.\u0001";

  private static String damaged(String json, Random random) {
    StringBuilder s = new StringBuilder(json);
    int at = random.nextInt(s.length());
    switch (random.nextInt(4)) {
      case 0 -> s.deleteCharAt(at);
      case 1 -> s.insert(at, DAMAGE.charAt(random.nextInt(DAMAGE.length())));
      case 2 -> s.setLength(at);
      default -> s.replace(at, at + 1, "1e9999999999");
    }
    return s.toString();
  }
}
