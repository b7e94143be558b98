package io.sessionstore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
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
public record MessageFacts(String text, String uuid, BigDecimal cost, Long numTurns, boolean assistant,
    String assistantMessageId) {

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
    String text = MessageText.oneLine(json);
    ObjectNode tree = Json.parseObject(text, what);
    String type = textOf(tree.get("type"));
    JsonNode u = tree.get("uuid");
    String uuid = u != null && u.isTextual() && !u.textValue().isEmpty() ? u.textValue() : null;
    BigDecimal cost = null;
    Long numTurns = null;
    String messageId = null;
    boolean assistant = "assistant".equals(type);
    if ("result".equals(type)) {
      cost = number(tree.get("total_cost_usd"));
      if (cost == null) {
        cost = number(tree.get("cost_usd"));
      }
      JsonNode turns = tree.get("num_turns");
      if (turns != null && turns.isIntegralNumber()) {
        numTurns = turns.longValue();
      }
    } else if (assistant) {
      cost = number(tree.get("costUSD"));
      JsonNode message = tree.get("message");
      messageId = message != null && message.isObject() ? textOf(message.get("id")) : null;
    }
    return new MessageFacts(text, uuid, cost, numTurns, assistant, messageId);
  }

  private static String textOf(JsonNode n) {
    return n != null && n.isTextual() ? n.textValue() : null;
  }

  private static BigDecimal number(JsonNode n) {
    return n != null && n.isNumber() ? n.decimalValue() : null;
  }
}
