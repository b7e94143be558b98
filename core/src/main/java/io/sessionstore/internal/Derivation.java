package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.ModelPrice;
import io.sessionstore.api.PriceTable;
import io.sessionstore.spi.Json;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The running state from which a transcript's usage, cost and turns are derived, so that an append
 * updates them from the new messages alone. Kept in {@link
 * io.sessionstore.spi.StoredHead#derivation()} and stored with every commit, so its size is
 * bounded: by the number of models, and a window of {@link #WINDOW} recent API messages, never by
 * the number of messages.
 *
 * <p>Usage is counted per line as ccusage counts it: tokens of {@code message.usage} of assistant
 * lines, one API message ({@code message.id} + {@code requestId}) once. Adjacent lines of one API
 * message (a streamed reply) count as the one with the most tokens, a main-transcript line beating
 * a sidechain copy: exactly, by keeping the last counted line and what it added. A line of an API
 * message counted within the last {@link #WINDOW} ones before is a repeat and does not count; nor
 * does a sidechain line whose {@code message.id} the session's main transcript holds ({@code
 * mainHolds}). Cost: the line's reported {@code costUSD}, else estimated from the {@link
 * PriceTable}. A stream-json {@code result} settles its run: its {@code modelUsage} (else {@code
 * usage}) replaces the usage its run's assistant lines added, and its {@code total_cost_usd} the
 * cost they were estimated at.
 *
 * @param settled usage up to the last {@code result} (all of it for a transcript without results)
 * @param open usage of the lines since the last {@code result}
 * @param subs the usage of the session's sub-transcripts, summed (main transcript only)
 * @param last the last counted line of an API message, or null
 * @param recent the keys of the last {@link #WINDOW} counted API messages, oldest first
 * @param resultTurns sum of {@code num_turns} over {@code result} messages
 * @param resultTurnsSeen whether any {@code result} message reported {@code num_turns}
 * @param assistantTurns assistant messages whose {@code message.id} differs from the previous
 *     assistant message's
 * @param lastAssistantId the {@code message.id} of the last assistant message, or null
 */
public record Derivation(
    UsageTally settled,
    UsageTally open,
    UsageTally subs,
    Last last,
    List<String> recent,
    long resultTurns,
    boolean resultTurnsSeen,
    long assistantTurns,
    String lastAssistantId) {

  /** How many recent API messages a transcript remembers, for repeats and sidechain copies. */
  public static final int WINDOW = 16;

  /** The model name Claude Code gives its own, not billed, messages. */
  static final String SYNTHETIC = "<synthetic>";

  public static final Derivation EMPTY =
      new Derivation(
          UsageTally.EMPTY, UsageTally.EMPTY, UsageTally.EMPTY, null, List.of(), 0, false, 0, null);

  /**
   * The last counted line of an API message.
   *
   * @param key its {@link #key}
   * @param sidechain whether it is a sidechain entry
   * @param tokens all its tokens
   * @param model the row it counts in
   * @param row what it added to {@link #open}
   */
  public record Last(
      String key, boolean sidechain, long tokens, String model, UsageTally.Row row) {}

  public Derivation {
    Objects.requireNonNull(settled, "settled is null");
    Objects.requireNonNull(open, "open is null");
    Objects.requireNonNull(subs, "subs is null");
    recent = List.copyOf(recent);
  }

  /** The state after the given messages were added, priced with the bundled table. */
  public Derivation plus(List<MessageFacts> messages) {
    return plus(messages, PriceTable.bundled(), id -> false);
  }

  /**
   * The state after the given messages were added.
   *
   * @param prices the prices of usage that reports no cost
   * @param mainHolds whether the session's main transcript holds (not as a sidechain entry) an API
   *     message, by its {@link #idHash}: a sidechain line of it here does not count again
   */
  public Derivation plus(
      List<MessageFacts> messages, PriceTable prices, Predicate<String> mainHolds) {
    Working w = new Working(this, prices, mainHolds);
    for (MessageFacts m : messages) {
      w.add(m);
    }
    return w.result();
  }

  /** This transcript's own usage. */
  public UsageTally own() {
    return settled.plus(open);
  }

  /** The session's usage: its own and its sub-transcripts'. */
  public UsageTally total() {
    return own().plus(subs);
  }

  public BigDecimal totalCost() {
    return total().cost();
  }

  public long turns() {
    return resultTurnsSeen ? resultTurns : assistantTurns;
  }

  /** The same, with the sub-transcripts' usage replaced. */
  public Derivation withSubs(UsageTally subs) {
    return new Derivation(
        settled,
        open,
        subs,
        last,
        recent,
        resultTurns,
        resultTurnsSeen,
        assistantTurns,
        lastAssistantId);
  }

  /**
   * The same, after one sub-transcript's own usage changed from {@code before} to {@code after}.
   */
  public Derivation withSubsChanged(UsageTally before, UsageTally after) {
    return withSubs(subs.minus(before).plus(after));
  }

  /**
   * The same messages' state, the sub-transcripts' usage kept from another state (for a transcript
   * that was replaced).
   */
  public Derivation withSubsOf(Derivation other) {
    return withSubs(other.subs);
  }

  /**
   * The {@link #idHash}es of the API messages this transcript counted lately, not as sidechain
   * entries: for telling sidechain copies of them in a sub-transcript.
   */
  public Set<String> mainIds() {
    Set<String> ids = new HashSet<>();
    for (String k : recent) {
      if (k.endsWith("m")) {
        ids.add(k.substring(0, k.indexOf('.')));
      }
    }
    return ids;
  }

  /** A short, stable hash of a {@code message.id}. */
  public static String idHash(String messageId) {
    return String.format("%08x", messageId.hashCode());
  }

  /** The key of an API message: its id's and its request id's hashes. */
  static String key(String messageId, String requestId) {
    return idHash(messageId)
        + "."
        + (requestId == null ? "-" : String.format("%04x", requestId.hashCode() & 0xffff));
  }

  /** The working state of one {@link #plus}. */
  private static final class Working {
    private final PriceTable prices;
    private final Predicate<String> mainHolds;
    private UsageTally settled;
    private UsageTally open;
    private final UsageTally subs;
    private Last last;
    private final ArrayDeque<String> recent;
    private long resultTurns;
    private boolean resultTurnsSeen;
    private long assistantTurns;
    private String lastAssistantId;

    Working(Derivation d, PriceTable prices, Predicate<String> mainHolds) {
      this.prices = prices;
      this.mainHolds = mainHolds;
      settled = d.settled;
      open = d.open;
      subs = d.subs;
      last = d.last;
      recent = new ArrayDeque<>(d.recent);
      resultTurns = d.resultTurns;
      resultTurnsSeen = d.resultTurnsSeen;
      assistantTurns = d.assistantTurns;
      lastAssistantId = d.lastAssistantId;
    }

    void add(MessageFacts m) {
      if (m.numTurns() != null) {
        resultTurns += m.numTurns();
        resultTurnsSeen = true;
      }
      if (m.assistant()) {
        // One API message spans several adjacent transcript lines that share its id: count it once.
        if (m.assistantMessageId() == null || !m.assistantMessageId().equals(lastAssistantId)) {
          assistantTurns++;
        }
        lastAssistantId = m.assistantMessageId();
        if (m.usage() != null) {
          line(m.usage());
        } else if (m.cost() != null) {
          open = open.plus(UsageTally.NO_MODEL, reported(UsageTally.Row.ZERO, m.cost()));
        }
      } else if (m.runUsage() != null || m.cost() != null) {
        result(m.runUsage(), m.cost());
      }
    }

    private void line(MessageFacts.LineUsage u) {
      String id = u.messageId();
      String key = id == null ? null : key(id, u.requestId());
      if (key != null && last != null && key.equals(last.key())) {
        boolean replace =
            (!u.sidechain() && last.sidechain())
                || (u.sidechain() == last.sidechain() && u.tokens() > last.tokens());
        if (replace) {
          String before = key + (last.sidechain() ? "s" : "m");
          open = open.minus(UsageTally.EMPTY.plus(last.model(), last.row()));
          count(u, key);
          if (recent.removeLastOccurrence(before)) {
            recent.addLast(key + (u.sidechain() ? "s" : "m"));
          }
        }
        return;
      }
      if (key != null) {
        String idHash = key.substring(0, key.indexOf('.'));
        for (String k : recent) {
          if (k.startsWith(key)) {
            return; // a repeat of an API message counted lately
          }
          if (u.sidechain() && k.startsWith(idHash) && k.endsWith("m")) {
            return; // a sidechain replay of a message of this transcript
          }
        }
        if (u.sidechain() && mainHolds.test(idHash)) {
          return; // a sidechain copy of a message of the session's main transcript
        }
      }
      count(u, key);
      if (key != null) {
        recent.addLast(key + (u.sidechain() ? "s" : "m"));
        while (recent.size() > WINDOW) {
          recent.removeFirst();
        }
      } else {
        last = null;
      }
    }

    private void count(MessageFacts.LineUsage u, String key) {
      String model = rowOf(u);
      UsageTally.Row row = price(u, model);
      open = open.plus(model, row);
      last = key == null ? null : new Last(key, u.sidechain(), u.tokens(), model, row);
    }

    /** A result settles its run: see the class documentation. */
    private void result(List<MessageFacts.LineUsage> rows, BigDecimal total) {
      UsageTally run = UsageTally.EMPTY;
      List<String> models = open.models();
      String single = models.size() == 1 ? models.get(0) : null;
      if (rows != null) {
        BigDecimal explicit = BigDecimal.ZERO;
        List<String> covered = new ArrayList<>();
        List<UsageTally.Row> coveredRows = new ArrayList<>();
        for (MessageFacts.LineUsage r : rows) {
          String model =
              r.model() != null ? rowOf(r) : single != null ? single : UsageTally.NO_MODEL;
          if (r.reportedCost() != null) {
            explicit = explicit.add(r.reportedCost());
            run = run.plus(model, reported(tokensOf(r), r.reportedCost()));
          } else if (total != null) {
            covered.add(model);
            coveredRows.add(tokensOf(r));
          } else {
            run = run.plus(model, price(r, model));
          }
        }
        if (total != null) {
          BigDecimal remainder = total.subtract(explicit);
          if (covered.size() == 1) {
            run = run.plus(covered.get(0), reported(coveredRows.get(0), remainder));
          } else {
            for (int i = 0; i < covered.size(); i++) {
              run = run.plus(covered.get(i), reported(coveredRows.get(i), BigDecimal.ZERO));
            }
            if (remainder.signum() != 0 || (covered.isEmpty() && explicit.signum() == 0)) {
              run = run.plus(UsageTally.NO_MODEL, reported(UsageTally.Row.ZERO, remainder));
            }
          }
        }
      } else if (total != null) {
        // The run's lines' tokens stand; the reported total replaces their estimated cost.
        if (open.rows().size() == 1) {
          String model = open.rows().firstKey();
          run = run.plus(model, open.rows().get(model).reportedAs(total));
        } else {
          for (var e : open.rows().entrySet()) {
            run = run.plus(e.getKey(), e.getValue().reportedAs(BigDecimal.ZERO));
          }
          run = run.plus(UsageTally.NO_MODEL, reported(UsageTally.Row.ZERO, total));
        }
      } else {
        run = open;
      }
      settled = settled.plus(run);
      open = UsageTally.EMPTY;
      last = null;
    }

    /** The row a line counts in: its model ({@code -fast} in fast mode), or none. */
    private static String rowOf(MessageFacts.LineUsage u) {
      if (u.model() == null || u.model().equals(SYNTHETIC)) {
        return UsageTally.NO_MODEL;
      }
      return u.fast() ? u.model() + "-fast" : u.model();
    }

    /** A line's tokens with their cost: reported, else estimated, else (no price) unpriced. */
    private UsageTally.Row price(MessageFacts.LineUsage u, String model) {
      UsageTally.Row tokens = tokensOf(u);
      if (u.reportedCost() != null) {
        return reported(tokens, u.reportedCost());
      }
      long any = u.tokens() > 0 ? 1 : 0;
      Optional<ModelPrice> price =
          model.equals(UsageTally.NO_MODEL) ? Optional.empty() : prices.find(u.model());
      if (price.isEmpty()) {
        return tokens.plus(
            new UsageTally.Row(0, 0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, 0, 0, any));
      }
      BigDecimal cost =
          price
              .get()
              .cost(
                  u.input(),
                  u.output(),
                  u.cacheWrite5m(),
                  u.cacheWrite1h(),
                  u.cacheRead(),
                  u.fast());
      return tokens.plus(new UsageTally.Row(0, 0, 0, 0, 0, cost, BigDecimal.ZERO, any, 0, 0));
    }

    private static UsageTally.Row tokensOf(MessageFacts.LineUsage u) {
      return new UsageTally.Row(
          u.input(),
          u.output(),
          u.cacheWrite5m(),
          u.cacheWrite1h(),
          u.cacheRead(),
          BigDecimal.ZERO,
          BigDecimal.ZERO,
          0,
          0,
          0);
    }

    private static UsageTally.Row reported(UsageTally.Row tokens, BigDecimal cost) {
      return tokens.reportedAs(cost);
    }

    Derivation result() {
      return new Derivation(
          settled,
          open,
          subs,
          last,
          new ArrayList<>(recent),
          resultTurns,
          resultTurnsSeen,
          assistantTurns,
          lastAssistantId);
    }
  }

  public String encode() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("v", 2);
    // What a reader from before usage accounting reads as the transcript's and its runs' costs.
    n.put("ownCost", own().cost());
    n.put("runsCost", subs.cost());
    n.put("resultTurns", resultTurns);
    n.put("resultTurnsSeen", resultTurnsSeen);
    n.put("assistantTurns", assistantTurns);
    n.put("lastAssistantId", lastAssistantId);
    if (!settled.isEmpty() || settled.unknown()) {
      n.set("s", settled.toJson());
    }
    if (!open.isEmpty() || open.unknown()) {
      n.set("o", open.toJson());
    }
    if (!subs.isEmpty() || subs.unknown()) {
      n.set("b", subs.toJson());
    }
    if (last != null) {
      ArrayNode l = n.putArray("l");
      l.add(last.key()).add(last.sidechain()).add(last.tokens()).add(last.model());
      l.add(UsageTally.EMPTY.plus(last.model(), last.row()).toJson());
    }
    if (!recent.isEmpty()) {
      ArrayNode w = n.putArray("w");
      recent.forEach(w::add);
    }
    return n.toString();
  }

  public static Derivation decode(String text) {
    if (text == null || text.isEmpty()) {
      return EMPTY;
    }
    try {
      JsonNode n;
      try (com.fasterxml.jackson.core.JsonParser p = io.sessionstore.spi.JsonStreams.parser(text)) {
        n = io.sessionstore.spi.JsonStreams.readTree(p);
      }
      long resultTurns = n.path("resultTurns").asLong();
      boolean resultTurnsSeen = n.path("resultTurnsSeen").asBoolean();
      long assistantTurns = n.path("assistantTurns").asLong();
      String lastAssistantId =
          n.hasNonNull("lastAssistantId") ? n.get("lastAssistantId").asText() : null;
      if (!n.has("v")) {
        // Stored before usage accounting: only the reported costs are known.
        return new Derivation(
            UsageTally.unknown(n.path("ownCost").decimalValue()),
            UsageTally.EMPTY,
            UsageTally.unknown(n.path("runsCost").decimalValue()),
            null,
            List.of(),
            resultTurns,
            resultTurnsSeen,
            assistantTurns,
            lastAssistantId);
      }
      Last last = null;
      JsonNode l = n.get("l");
      if (l != null && l.isArray() && l.size() == 5) {
        String model = l.get(3).asText();
        UsageTally row = UsageTally.fromJson(l.get(4));
        last =
            new Last(
                l.get(0).asText(),
                l.get(1).asBoolean(),
                l.get(2).asLong(),
                model,
                row.rows().getOrDefault(model, UsageTally.Row.ZERO));
      }
      List<String> recent = new ArrayList<>();
      n.path("w").forEach(k -> recent.add(k.asText()));
      return new Derivation(
          UsageTally.fromJson(n.get("s")),
          UsageTally.fromJson(n.get("o")),
          UsageTally.fromJson(n.get("b")),
          last,
          recent,
          resultTurns,
          resultTurnsSeen,
          assistantTurns,
          lastAssistantId);
    } catch (JsonProcessingException | NumberFormatException e) {
      throw new io.sessionstore.api.BackendUnavailableException(
          "Damaged stored head: its derivation state is "
              + "unreadable ("
              + (e instanceof JsonProcessingException j ? Json.describe(j) : e.getMessage())
              + ")",
          e);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot read a string", e);
    }
  }
}
