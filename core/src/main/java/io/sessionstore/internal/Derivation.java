package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.ModelPrice;
import io.sessionstore.api.PriceTable;
import io.sessionstore.spi.Json;
import io.sessionstore.spi.JsonStreams;
import java.math.BigDecimal;
import java.time.Instant;
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
 * bounded: by the number of models, a window of {@link #WINDOW} recent API messages and the
 * compacted hour buckets of {@link UsageHours}, never by the number of messages.
 *
 * <p>Usage is also kept per UTC hour it happened in (a line's own {@code timestamp}, else the time
 * it was written), for reports by day: the same rows as the totals, so that they add up to them,
 * except for usage written before hours were kept (or re-derived without a time), which is in none.
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
 * @param settledHours {@code settled} per hour it happened in
 * @param openHours {@code open} per hour it happened in
 * @param subsHours {@code subs} per hour it happened in
 * @param firstKey the {@link #key} of the first API message with a request id this transcript
 *     counted, null when it counted none, {@link #FIRST_KEY_UNKNOWN} for a state stored before
 *     first keys were kept that counted some: a session resumed or forked from another begins with
 *     a copy of its history, so sessions that share it may hold the same API messages ({@link
 *     UsageReports})
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
    String lastAssistantId,
    UsageHours settledHours,
    UsageHours openHours,
    UsageHours subsHours,
    String firstKey) {

  /** The first key of a state stored before first keys were kept: never stored, never set. */
  static final String FIRST_KEY_UNKNOWN = "";

  /** How many recent API messages a transcript remembers, for repeats and sidechain copies. */
  public static final int WINDOW = 16;

  /** The model name Claude Code gives its own, not billed, messages. */
  static final String SYNTHETIC = "<synthetic>";

  public static final Derivation EMPTY =
      new Derivation(
          UsageTally.EMPTY,
          UsageTally.EMPTY,
          UsageTally.EMPTY,
          null,
          List.of(),
          0,
          false,
          0,
          null,
          UsageHours.EMPTY,
          UsageHours.EMPTY,
          UsageHours.EMPTY,
          null);

  /**
   * The last counted line of an API message.
   *
   * @param key its {@link #key}
   * @param sidechain whether it is a sidechain entry
   * @param tokens all its tokens
   * @param model the row it counts in
   * @param row what it added to {@link #open}
   * @param hour the hour bucket of {@link #openHours} it went to, or null (none)
   */
  public record Last(
      String key, boolean sidechain, long tokens, String model, UsageTally.Row row, Long hour) {}

  public Derivation {
    Objects.requireNonNull(settled, "settled is null");
    Objects.requireNonNull(open, "open is null");
    Objects.requireNonNull(subs, "subs is null");
    Objects.requireNonNull(settledHours, "settledHours is null");
    Objects.requireNonNull(openHours, "openHours is null");
    Objects.requireNonNull(subsHours, "subsHours is null");
    recent = List.copyOf(recent);
  }

  /**
   * The state after the given messages, written at a time not known, were added, priced with the
   * bundled table.
   */
  public Derivation plus(List<MessageFacts> messages) {
    return plus(messages, (Instant) null);
  }

  /**
   * The state after the given messages were added, priced with the bundled table.
   *
   * @param writtenAt when they were written (the time of usage of a line without a {@code
   *     timestamp}), or null when not known
   */
  public Derivation plus(List<MessageFacts> messages, Instant writtenAt) {
    return plus(messages, PriceTable.bundled(), id -> false, writtenAt);
  }

  /**
   * The state after the given messages were added.
   *
   * @param prices the prices of usage that reports no cost
   * @param mainHolds whether the session's main transcript holds (not as a sidechain entry) an API
   *     message, by its {@link #idHash}: a sidechain line of it here does not count again
   * @param writtenAt when they were written: the hour a line without its own {@code timestamp}
   *     counts in; null when not known (a re-derivation), then such a line's usage is in no hour
   *     bucket and a report by time counts it on the session's first day
   */
  public Derivation plus(
      List<MessageFacts> messages,
      PriceTable prices,
      Predicate<String> mainHolds,
      Instant writtenAt) {
    return plus(messages, prices, mainHolds, null, writtenAt);
  }

  /**
   * The same, leaving out the API messages another session counts.
   *
   * @param countedElsewhere whether another session counts an API message, by its {@link
   *     #exactKey}: none of its lines counts here; null when none does (every write)
   */
  Derivation plus(
      List<MessageFacts> messages,
      PriceTable prices,
      Predicate<String> mainHolds,
      Predicate<String> countedElsewhere,
      Instant writtenAt) {
    Working w = new Working(this, prices, mainHolds, countedElsewhere, writtenAt);
    for (MessageFacts m : messages) {
      w.add(m);
    }
    return w.result();
  }

  /** This transcript's own usage. */
  public UsageTally own() {
    return settled.plus(open);
  }

  /** This transcript's own usage per hour. */
  UsageHours ownHours() {
    return settledHours.plus(openHours);
  }

  /**
   * The session's usage (its own and its sub-transcripts') per hour it happened in. Usage of lines
   * written before hours were kept, or without a time, is in no bucket: {@link #total()} minus
   * this.
   */
  UsageHours totalHours() {
    return ownHours().plus(subsHours);
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

  /** The same, with the sub-transcripts' usage (in all and per hour) replaced. */
  Derivation withSubs(UsageTally subs, UsageHours subsHours) {
    return new Derivation(
        settled,
        open,
        subs,
        last,
        recent,
        resultTurns,
        resultTurnsSeen,
        assistantTurns,
        lastAssistantId,
        settledHours,
        openHours,
        subsHours,
        firstKey);
  }

  /**
   * The same, after one sub-transcript's state changed from {@code before} to {@code after} (null:
   * absent): its own usage replaces what it added before.
   */
  public Derivation withSubsChanged(Derivation before, Derivation after) {
    Derivation b = before == null ? EMPTY : before;
    Derivation a = after == null ? EMPTY : after;
    return withSubs(
        subs.minus(b.own()).plus(a.own()), subsHours.minus(b.ownHours()).plus(a.ownHours()));
  }

  /** The same, with the sub-transcripts' usage summed anew from their states (nulls skipped). */
  public Derivation withSubsSummed(Iterable<Derivation> subTranscripts) {
    UsageTally t = UsageTally.EMPTY;
    UsageHours h = UsageHours.EMPTY;
    for (Derivation d : subTranscripts) {
      if (d != null) {
        t = t.plus(d.own());
        h = h.plus(d.ownHours());
      }
    }
    return withSubs(t, h);
  }

  /**
   * The same messages' state, the sub-transcripts' usage kept from another state (for a transcript
   * that was replaced).
   */
  public Derivation withSubsOf(Derivation other) {
    return withSubs(other.subs, other.subsHours);
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
    return hex(messageId.hashCode(), 8);
  }

  /** The key of an API message: its id's and its request id's hashes. */
  static String key(String messageId, String requestId) {
    return idHash(messageId)
        + "."
        + (requestId == null ? "-" : hex(requestId.hashCode() & 0xffff, 4));
  }

  /**
   * {@code String.format("%0" + digits + "x", v)} without a {@code Formatter}, which costs more
   * than the rest of a message's accounting.
   */
  private static String hex(int v, int digits) {
    String s = Integer.toHexString(v);
    return s.length() >= digits ? s : "0".repeat(digits - s.length()) + s;
  }

  /**
   * The exact key of an API message across sessions, or null when the line names no message id or
   * no request id: as ccusage does, only a line with both is one a copy of which in another session
   * counts once.
   */
  static String exactKey(MessageFacts.LineUsage u) {
    return u.messageId() == null || u.requestId() == null
        ? null
        : u.messageId() + "\n" + u.requestId();
  }

  /**
   * The {@link #firstKey} of an encoded state, read without decoding the rest (a report reads it
   * from every head).
   */
  static String firstKeyOf(String encoded) {
    // encode() writes it second, right after the version, as hex digits, a dot and hex or '-'.
    if (encoded == null || !encoded.startsWith(FIRST_KEY_PREFIX)) {
      return null;
    }
    int end = encoded.indexOf('"', FIRST_KEY_PREFIX.length());
    return end < 0 ? null : encoded.substring(FIRST_KEY_PREFIX.length(), end);
  }

  private static final String FIRST_KEY_PREFIX = "{\"v\":2,\"f\":\"";

  /** The working state of one {@link #plus}. */
  private static final class Working {
    private final PriceTable prices;
    private final Predicate<String> mainHolds;
    private final Predicate<String> countedElsewhere;
    private final Instant writtenAt;
    private UsageTally settled;
    private UsageTally open;
    private final UsageTally subs;
    private UsageHours settledHours;
    private UsageHours openHours;
    private final UsageHours subsHours;

    /** The hour of the message being added, or null (none). */
    private Long hour;

    private Last last;
    private final ArrayDeque<String> recent;
    private long resultTurns;
    private boolean resultTurnsSeen;
    private long assistantTurns;
    private String lastAssistantId;
    private String firstKey;

    Working(
        Derivation d,
        PriceTable prices,
        Predicate<String> mainHolds,
        Predicate<String> countedElsewhere,
        Instant writtenAt) {
      this.prices = prices;
      this.mainHolds = mainHolds;
      this.countedElsewhere = countedElsewhere;
      this.writtenAt = writtenAt;
      settled = d.settled;
      open = d.open;
      subs = d.subs;
      settledHours = d.settledHours;
      openHours = d.openHours;
      subsHours = d.subsHours;
      last = d.last;
      recent = new ArrayDeque<>(d.recent);
      resultTurns = d.resultTurns;
      resultTurnsSeen = d.resultTurnsSeen;
      assistantTurns = d.assistantTurns;
      lastAssistantId = d.lastAssistantId;
      firstKey = d.firstKey;
    }

    void add(MessageFacts m) {
      Instant at = m.timestamp() != null ? m.timestamp() : writtenAt;
      hour = at == null ? null : UsageHours.hourOf(at);
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
          UsageTally.Row row = reported(UsageTally.Row.ZERO, m.cost());
          open = open.plus(UsageTally.NO_MODEL, row);
          openHour(row);
        }
      } else if (m.runUsage() != null || m.cost() != null) {
        result(m.runUsage(), m.cost());
      }
    }

    private void line(MessageFacts.LineUsage u) {
      if (countedElsewhere != null) {
        String exact = exactKey(u);
        if (exact != null && countedElsewhere.test(exact)) {
          last = null; // a copy of an API message another session counts
          return;
        }
      }
      String id = u.messageId();
      String key = id == null ? null : key(id, u.requestId());
      if (key != null && last != null && key.equals(last.key())) {
        boolean replace =
            (!u.sidechain() && last.sidechain())
                || (u.sidechain() == last.sidechain() && u.tokens() > last.tokens());
        if (replace) {
          String before = key + (last.sidechain() ? "s" : "m");
          open = open.minus(UsageTally.EMPTY.plus(last.model(), last.row()));
          if (last.hour() != null) {
            openHours = openHours.minus(last.hour(), last.row());
          }
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
      openHour(row);
      last = key == null ? null : new Last(key, u.sidechain(), u.tokens(), model, row, hour);
      // Only a message with a request id can count once across sessions (see exactKey).
      if (firstKey == null && key != null && u.requestId() != null && !u.sidechain()) {
        firstKey = key;
      }
    }

    /** Adds a row of {@link #open} to the hour of the message being added, if it has one. */
    private void openHour(UsageTally.Row row) {
      if (hour != null) {
        openHours = openHours.plus(hour, row);
      }
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
      // The run's usage counts in the hour of its result (a run lasts minutes).
      if (hour != null) {
        UsageTally.Row all = UsageTally.Row.ZERO;
        for (UsageTally.Row r : run.rows().values()) {
          all = all.plus(r);
        }
        settledHours = settledHours.plus(hour, all);
      }
      openHours = UsageHours.EMPTY;
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
          lastAssistantId,
          settledHours,
          openHours,
          subsHours,
          firstKey);
    }
  }

  /**
   * The first key of a decoded state: unknown when it has none but counted API messages already
   * (stored before first keys were kept), so that a later one is never taken for the first.
   */
  private static String firstKey(JsonNode n) {
    if (n.hasNonNull("f")) {
      return n.get("f").asText();
    }
    boolean counted = n.has("w") || n.has("s") || n.has("o") || n.has("l");
    return counted ? FIRST_KEY_UNKNOWN : null;
  }

  public String encode() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("v", 2);
    if (firstKey != null && !firstKey.equals(FIRST_KEY_UNKNOWN)) {
      n.put("f", firstKey); // second, where firstKeyOf looks for it
    }
    // What a reader from before usage accounting reads as the transcript's and its runs' costs.
    n.put("ownCost", own().cost());
    // Fields at their defaults are left out (every reader, old ones too, reads a missing one as
    // its default): a head is stored with each commit marker and index entry of some backends.
    if (subs.cost().signum() != 0) {
      n.put("runsCost", subs.cost());
    }
    if (resultTurns != 0) {
      n.put("resultTurns", resultTurns);
    }
    if (resultTurnsSeen) {
      n.put("resultTurnsSeen", true);
    }
    n.put("assistantTurns", assistantTurns);
    if (lastAssistantId != null) {
      n.put("lastAssistantId", lastAssistantId);
    }
    if (!settled.isEmpty() || settled.unknown()) {
      n.set("s", settled.toJson());
    }
    if (!open.isEmpty() || open.unknown()) {
      n.set("o", open.toJson());
    }
    if (!subs.isEmpty() || subs.unknown()) {
      n.set("b", subs.toJson());
    }
    if (!settledHours.isEmpty()) {
      n.set("hs", settledHours.toJson());
    }
    if (!openHours.isEmpty()) {
      n.set("ho", openHours.toJson());
    }
    if (!subsHours.isEmpty()) {
      n.set("hb", subsHours.toJson());
    }
    if (last != null) {
      ArrayNode l = n.putArray("l");
      l.add(last.key()).add(last.sidechain()).add(last.tokens()).add(last.model());
      l.add(UsageTally.EMPTY.plus(last.model(), last.row()).toJson());
      if (last.hour() != null) {
        l.add(last.hour());
      }
    }
    if (!recent.isEmpty()) {
      ArrayNode w = n.putArray("w");
      recent.forEach(w::add);
    }
    return JsonStreams.write(n);
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
            lastAssistantId,
            UsageHours.EMPTY,
            UsageHours.EMPTY,
            UsageHours.EMPTY,
            FIRST_KEY_UNKNOWN);
      }
      Last last = null;
      JsonNode l = n.get("l");
      if (l != null && l.isArray() && (l.size() == 5 || l.size() == 6)) {
        String model = l.get(3).asText();
        UsageTally row = UsageTally.fromJson(l.get(4));
        last =
            new Last(
                l.get(0).asText(),
                l.get(1).asBoolean(),
                l.get(2).asLong(),
                model,
                row.rows().getOrDefault(model, UsageTally.Row.ZERO),
                l.size() == 6 ? l.get(5).asLong() : null);
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
          lastAssistantId,
          UsageHours.fromJson(n.get("hs")),
          UsageHours.fromJson(n.get("ho")),
          UsageHours.fromJson(n.get("hb")),
          firstKey(n));
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
