package io.sessionstore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.spi.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * What metadata derivation needs of one message, read once when the message is written.
 *
 * @param text the exact one-line text to store
 * @param uuid the {@code uuid} when it is a non-empty string, else null
 * @param cost the cost it reports, or null
 * @param numTurns the {@code num_turns} of a {@code result} message, or null
 * @param assistant whether it is an {@code assistant} message
 * @param assistantMessageId the {@code message.id} of an assistant message, or null
 */
public record MessageFacts(
    String text,
    String uuid,
    BigDecimal cost,
    Long numTurns,
    boolean assistant,
    String assistantMessageId) {
  /** The largest cost in USD one message may report and still count. */
  static final BigDecimal MAX_COST = BigDecimal.valueOf(1_000_000_000L);

  /** The most decimal places a counted cost may have (a double printed in full has about 20). */
  static final int MAX_COST_SCALE = 100;

  /** The largest {@code num_turns} one result may report and still count. */
  static final long MAX_TURNS = 1_000_000_000L;

  /**
   * Validates every message and reads its facts; the first invalid one fails the whole list.
   *
   * @throws InvalidInputException naming the message's position (from 1)
   */
  public static List<MessageFacts> of(List<Message> messages) {
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i) == null) {
        throw new InvalidInputException("Invalid message " + (i + 1) + ": it is null");
      }
    }
    return ofTexts(messages.stream().map(Message::json).toList());
  }

  /** As {@link #of(List)}, for message texts. */
  public static List<MessageFacts> ofTexts(List<String> texts) {
    List<MessageFacts> out = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      out.add(of(texts.get(i), "message " + (i + 1)));
    }
    return out;
  }

  /** The facts of one message text. */
  public static MessageFacts of(String json, String what) {
    String text = Json.oneLine(json);
    int bad = MessageText.unpairedSurrogate(text);
    if (bad >= 0) {
      throw new InvalidInputException(
          "Invalid "
              + what
              + ": it holds an unpaired surrogate (U+"
              + Integer.toHexString(text.charAt(bad)).toUpperCase(java.util.Locale.ROOT)
              + " at "
              + (bad + 1)
              + "), which has no UTF-8 form");
    }
    ObjectNode tree = Json.parseObject(text, what);
    String type = textOf(tree.get("type"));
    JsonNode u = tree.get("uuid");
    String uuid = u != null && u.isTextual() && !u.textValue().isEmpty() ? u.textValue() : null;
    BigDecimal cost = null;
    Long numTurns = null;
    String messageId = null;
    boolean assistant = "assistant".equals(type);
    if ("result".equals(type)) {
      cost = cost(tree.get("total_cost_usd"));
      if (cost == null) {
        cost = cost(tree.get("cost_usd"));
      }
      JsonNode turns = tree.get("num_turns");
      if (turns != null
          && turns.isIntegralNumber()
          && turns.canConvertToLong()
          && turns.longValue() >= 0
          && turns.longValue() <= MAX_TURNS) {
        numTurns = turns.longValue();
      }
    } else if (assistant) {
      cost = cost(tree.get("costUSD"));
      JsonNode message = tree.get("message");
      messageId = message != null && message.isObject() ? textOf(message.get("id")) : null;
    }
    return new MessageFacts(text, uuid, cost, numTurns, assistant, messageId);
  }

  private static String textOf(JsonNode n) {
    return n != null && n.isTextual() ? n.textValue() : null;
  }

  /**
   * A reported cost, when it is a number a session could have cost: at most {@link #MAX_COST} in
   * magnitude and {@link #MAX_COST_SCALE} decimal places. Anything else is ignored like a
   * non-number: summing {@code 1e1000} or {@code 1e-999999999} would make metadata no reader can
   * parse, or take minutes to add up.
   */
  private static BigDecimal cost(JsonNode n) {
    if (n == null || !n.isNumber()) {
      return null;
    }
    BigDecimal value = n.decimalValue();
    if (value.abs().compareTo(MAX_COST) > 0) {
      return null;
    }
    value = value.stripTrailingZeros();
    return value.scale() <= MAX_COST_SCALE ? value : null;
  }
}
