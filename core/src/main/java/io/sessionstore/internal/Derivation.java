package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.spi.Json;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * The running state from which a transcript's cost and turns are derived, so that an append updates
 * them from the new messages alone. Kept in {@link io.sessionstore.spi.StoredHead#derivation()}.
 *
 * @param ownCost the costs reported by this transcript's own messages
 * @param runsCost the own costs of the session's {@code runs/*} sub-transcripts (main transcript
 *     only)
 * @param resultTurns sum of {@code num_turns} over {@code result} messages
 * @param resultTurnsSeen whether any {@code result} message reported {@code num_turns}
 * @param assistantTurns assistant messages whose {@code message.id} differs from the previous
 *     assistant message's
 * @param lastAssistantId the {@code message.id} of the last assistant message, or null
 */
public record Derivation(
    BigDecimal ownCost,
    BigDecimal runsCost,
    long resultTurns,
    boolean resultTurnsSeen,
    long assistantTurns,
    String lastAssistantId) {

  public static final Derivation EMPTY =
      new Derivation(BigDecimal.ZERO, BigDecimal.ZERO, 0, false, 0, null);

  public Derivation {
    Objects.requireNonNull(ownCost, "ownCost is null");
    Objects.requireNonNull(runsCost, "runsCost is null");
  }

  /** The state after the given messages were added. */
  public Derivation plus(List<MessageFacts> messages) {
    BigDecimal cost = ownCost;
    long rTurns = resultTurns;
    boolean rSeen = resultTurnsSeen;
    long aTurns = assistantTurns;
    String lastId = lastAssistantId;
    for (MessageFacts m : messages) {
      if (m.cost() != null) {
        cost = cost.add(m.cost());
      }
      if (m.numTurns() != null) {
        rTurns += m.numTurns();
        rSeen = true;
      }
      if (m.assistant()) {
        // One API message spans several adjacent transcript lines that share its id: count it once.
        if (m.assistantMessageId() == null || !m.assistantMessageId().equals(lastId)) {
          aTurns++;
        }
        lastId = m.assistantMessageId();
      }
    }
    return new Derivation(cost, runsCost, rTurns, rSeen, aTurns, lastId);
  }

  /** The same, with the runs' cost changed by {@code delta}. */
  public Derivation withRunsCostDelta(BigDecimal delta) {
    return new Derivation(
        ownCost,
        runsCost.add(delta),
        resultTurns,
        resultTurnsSeen,
        assistantTurns,
        lastAssistantId);
  }

  /** The same, with the runs' cost set to {@code total}. */
  public Derivation withRunsCost(BigDecimal total) {
    return new Derivation(
        ownCost, total, resultTurns, resultTurnsSeen, assistantTurns, lastAssistantId);
  }

  /**
   * The same messages' state, the runs' cost kept from another state (for a transcript that was
   * replaced).
   */
  public Derivation withRunsCostOf(Derivation other) {
    return new Derivation(
        ownCost, other.runsCost, resultTurns, resultTurnsSeen, assistantTurns, lastAssistantId);
  }

  public BigDecimal totalCost() {
    return ownCost.add(runsCost);
  }

  public long turns() {
    return resultTurnsSeen ? resultTurns : assistantTurns;
  }

  public String encode() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("ownCost", ownCost);
    n.put("runsCost", runsCost);
    n.put("resultTurns", resultTurns);
    n.put("resultTurnsSeen", resultTurnsSeen);
    n.put("assistantTurns", assistantTurns);
    n.put("lastAssistantId", lastAssistantId);
    return n.toString();
  }

  public static Derivation decode(String text) {
    if (text == null || text.isEmpty()) {
      return EMPTY;
    }
    try {
      JsonNode n = Json.MAPPER.readTree(text);
      return new Derivation(
          n.path("ownCost").decimalValue(),
          n.path("runsCost").decimalValue(),
          n.path("resultTurns").asLong(),
          n.path("resultTurnsSeen").asBoolean(),
          n.path("assistantTurns").asLong(),
          n.hasNonNull("lastAssistantId") ? n.get("lastAssistantId").asText() : null);
    } catch (JsonProcessingException | NumberFormatException e) {
      throw new io.sessionstore.api.BackendUnavailableException(
          "Damaged stored head: its derivation state is "
              + "unreadable ("
              + (e instanceof JsonProcessingException j ? Json.describe(j) : e.getMessage())
              + ")",
          e);
    }
  }
}
