package io.sessionstore.claude.view;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.api.ModelPrice;
import io.sessionstore.api.PriceTable;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tokens and cost of one turn at a time, counted as the store counts a session's usage: {@code
 * message.usage} of assistant lines, where lines sharing {@code message.id} and {@code requestId}
 * are one API message whose line with the most tokens counts, and an API message counted in an
 * earlier turn (a sidechain copy) does not count again; cost reported ({@code costUSD} of a line,
 * {@code total_cost_usd} of a stream-json {@code result}, which covers its whole run) where the
 * data has it, else estimated with the price table. Holds one turn's API messages and the ids of
 * those counted before. Not thread-safe.
 */
final class TokenCounter {
  private record Line(
      String model,
      long input,
      long output,
      long write5m,
      long write1h,
      long read,
      boolean fast,
      BigDecimal reportedCost) {
    long tokens() {
      return input + output + write5m + write1h + read;
    }
  }

  private final PriceTable prices;
  private final Map<String, Line> turn = new LinkedHashMap<>();
  private final Set<String> counted = new HashSet<>();
  private BigDecimal runCost;
  private long anonymous;

  TokenCounter(PriceTable prices) {
    this.prices = prices;
  }

  /** Counts a line into the current turn, when it reports usage or a run's cost. */
  void add(JsonNode line) {
    String type = Lines.text(line, "type");
    if ("result".equals(type)) {
      BigDecimal cost = number(line.get("total_cost_usd"));
      cost = cost != null ? cost : number(line.get("cost_usd"));
      if (cost != null) {
        runCost = runCost == null ? cost : runCost.add(cost);
      }
      return;
    }
    JsonNode message = line.get("message");
    if (!"assistant".equals(type) || message == null || !message.path("usage").isObject()) {
      return;
    }
    JsonNode u = message.get("usage");
    String id = Lines.text(message, "id");
    String key = id == null ? "#" + anonymous++ : id + "\u0000" + Lines.text(line, "requestId");
    if (counted.contains(key)) {
      return;
    }
    long write5m;
    long write1h;
    JsonNode breakdown = u.get("cache_creation");
    if (breakdown != null && breakdown.isObject()) {
      write5m = tokens(breakdown, "ephemeral_5m_input_tokens");
      write1h = tokens(breakdown, "ephemeral_1h_input_tokens");
    } else {
      write5m = tokens(u, "cache_creation_input_tokens");
      write1h = 0;
    }
    Line l =
        new Line(
            Lines.text(message, "model"),
            tokens(u, "input_tokens"),
            tokens(u, "output_tokens"),
            write5m,
            write1h,
            tokens(u, "cache_read_input_tokens"),
            "fast".equals(Lines.text(u, "speed")),
            number(line.get("costUSD")));
    turn.merge(key, l, (a, b) -> b.tokens() > a.tokens() ? b : a);
  }

  /** The current turn's tokens and cost; starts the next turn. */
  ViewEntry.Tokens endTurn() {
    long input = 0;
    long output = 0;
    long writes = 0;
    long reads = 0;
    BigDecimal cost = BigDecimal.ZERO;
    boolean unpriced = false;
    for (Line l : turn.values()) {
      input += l.input;
      output += l.output;
      writes += l.write5m + l.write1h;
      reads += l.read;
      if (l.reportedCost != null) {
        cost = cost.add(l.reportedCost);
        continue;
      }
      Optional<ModelPrice> price = prices.find(l.model);
      if (price.isPresent()) {
        cost = cost.add(price.get().cost(l.input, l.output, l.write5m, l.write1h, l.read, l.fast));
      } else if (l.tokens() > 0) {
        unpriced = true;
      }
    }
    if (runCost != null) {
      // A run's reported cost covers everything it did, priced or not.
      cost = runCost;
      unpriced = false;
    }
    counted.addAll(turn.keySet());
    turn.clear();
    runCost = null;
    return new ViewEntry.Tokens(input, output, writes, reads, cost, unpriced);
  }

  private static long tokens(JsonNode parent, String field) {
    JsonNode n = parent.get(field);
    return n != null && n.canConvertToLong() && n.longValue() > 0 ? n.longValue() : 0;
  }

  private static BigDecimal number(JsonNode n) {
    return n != null && n.isNumber() ? n.decimalValue() : null;
  }
}
