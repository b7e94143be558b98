package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.spi.Json;
import io.sessionstore.spi.JsonStreams;
import io.sessionstore.spi.Utf8Lines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What metadata derivation needs of one message, read once when the message is written.
 *
 * @param text the exact one-line text to store, or null when it is kept as {@code utf8} only
 *     ({@link #text()} decodes it)
 * @param utf8 the text's UTF-8 bytes when it was read as bytes and is written as them, else null
 *     (shared, never changed)
 * @param uuid the {@code uuid} when it is a non-empty string, else null
 * @param cost the cost it reports, or null
 * @param numTurns the {@code num_turns} of a {@code result} message, or null
 * @param type its {@code type} when that is a string, else null
 * @param assistantMessageId the {@code message.id} of an assistant message, or null
 * @param usage the tokens an assistant line reports ({@code message.usage}), or null
 * @param runUsage the tokens a {@code result} reports for its run ({@code modelUsage} per model,
 *     else {@code usage} under no model), or null when it reports none
 * @param timestamp its own {@code timestamp} (an ISO-8601 instant or date-time with an offset, as
 *     Claude Code writes), or null when it has none or not one a session can hold
 */
public record MessageFacts(
    String text,
    byte[] utf8,
    String uuid,
    BigDecimal cost,
    Long numTurns,
    String type,
    String assistantMessageId,
    LineUsage usage,
    List<LineUsage> runUsage,
    java.time.Instant timestamp) {

  /**
   * Tokens of one model that one line reports.
   *
   * @param model the model, or null when the line names none
   * @param messageId {@code message.id}, or null
   * @param requestId {@code requestId}, or null
   * @param sidechain whether the line is a sidechain entry ({@code isSidechain: true})
   * @param fast whether the message ran in fast mode ({@code usage.speed == "fast"})
   * @param input input tokens
   * @param output output tokens
   * @param cacheWrite5m tokens written to the 5-minute cache (all cache writes when the line does
   *     not break them down)
   * @param cacheWrite1h tokens written to the 1-hour cache
   * @param cacheRead cache reads
   * @param reportedCost the cost the line reports for these tokens, or null
   */
  public record LineUsage(
      String model,
      String messageId,
      String requestId,
      boolean sidechain,
      boolean fast,
      long input,
      long output,
      long cacheWrite5m,
      long cacheWrite1h,
      long cacheRead,
      BigDecimal reportedCost) {
    /** Every token of the line. */
    public long tokens() {
      return input + output + cacheWrite5m + cacheWrite1h + cacheRead;
    }
  }

  /** The most tokens of one kind one line may report and still count. */
  static final long MAX_TOKENS = 1_000_000_000_000L;

  /** The largest cost in USD one message may report and still count. */
  static final BigDecimal MAX_COST = BigDecimal.valueOf(1_000_000_000L);

  /** The most decimal places a counted cost may have (a double printed in full has about 20). */
  static final int MAX_COST_SCALE = 100;

  /** The largest {@code num_turns} one result may report and still count. */
  static final long MAX_TURNS = 1_000_000_000L;

  // What a Message was parsed with (see connect): the facts it keeps, or null.
  private static volatile Function<Message, Object> parsedWith;

  /** {@link ApiBridge#connectMessages}. */
  static void connect(Function<Message, Object> reader) {
    if (parsedWith != null) {
      throw new IllegalStateException("Message is connected already");
    }
    parsedWith = reader;
  }

  /** The exact one-line text to store: decoded anew from {@link #utf8()} when kept as bytes. */
  @Override
  public String text() {
    return text != null ? text : Utf8Lines.strictOrNull(utf8, 0, utf8.length);
  }

  /** Whether it is an {@code assistant} message. */
  public boolean assistant() {
    return "assistant".equals(type);
  }

  /**
   * Validates every message and reads its facts (a message {@link Message#parse parsed} already is
   * not parsed again); the first invalid one fails the whole list.
   *
   * @throws InvalidInputException naming the message's position (from 1)
   */
  public static List<MessageFacts> of(List<Message> messages) {
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i) == null) {
        throw new InvalidInputException("Invalid message " + (i + 1) + ": it is null");
      }
    }
    return of(messages, "message ", "");
  }

  /**
   * As {@link #of(List)} for messages known not to be null, whose errors name them {@code prefix
   * <position> suffix}.
   */
  static List<MessageFacts> of(List<Message> messages, String prefix, String suffix) {
    List<MessageFacts> out = new ArrayList<>(messages.size());
    for (Message m : messages) {
      MessageFacts known = (MessageFacts) parsedWith.apply(m);
      out.add(known != null ? known : of(m.json(), prefix + (out.size() + 1) + suffix));
    }
    return out;
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
    return of(json, what, null);
  }

  /**
   * The facts of one message text, whose whole tree is then given to {@code alsoRead} (which may
   * change it), unless that is null: then only the fields the facts come from are made into a tree.
   */
  static MessageFacts of(String json, String what, Consumer<ObjectNode> alsoRead) {
    checkEncodable(json, what);
    return facts(parse(JsonStreams.parser(json), () -> json, what, alsoRead), json, null, alsoRead);
  }

  /**
   * As {@link #of(String, String)}, for a text decoded from strict UTF-8 ({@link
   * io.sessionstore.spi.Utf8Lines}): it holds no unpaired surrogate, so it is not scanned for one
   * (a tenth of {@code import-claude}'s CPU).
   */
  static MessageFacts ofDecoded(String decoded, String what) {
    return facts(
        parse(JsonStreams.parser(decoded), () -> decoded, what, null), decoded, null, null);
  }

  /**
   * The facts of a message given as UTF-8 bytes, valid UTF-8 (not copied: the caller never changes
   * them), kept as those bytes when they are its one-line text (a line of JSON Lines is): the store
   * then writes them as they are, never decoding them unless the text is asked for.
   */
  static MessageFacts ofUtf8(byte[] utf8, String what, Consumer<ObjectNode> alsoRead) {
    Supplier<String> decoded = () -> Utf8Lines.strictOrNull(utf8, 0, utf8.length);
    if (readAsUtf8(utf8)) {
      Parsed parsed = null;
      try {
        parsed = parse(JsonStreams.parser(utf8), decoded, what, alsoRead);
      } catch (InvalidInputException e) {
        // refused again below, in the text parser's words: characters, not bytes
      }
      if (parsed != null) {
        return facts(parsed, null, utf8, alsoRead);
      }
    }
    String text = decoded.get();
    return facts(parse(JsonStreams.parser(text), () -> text, what, alsoRead), text, null, alsoRead);
  }

  /**
   * Whether Jackson reads these bytes as the UTF-8 they are: it guesses UTF-16 or UTF-32 from a
   * zero among the first four bytes, and skips a byte-order mark, where the text's parser refuses
   * both.
   */
  static boolean readAsUtf8(byte[] utf8) {
    return utf8.length >= 4
        && utf8[0] != 0
        && utf8[1] != 0
        && utf8[2] != 0
        && utf8[3] != 0
        && !(utf8[0] == (byte) 0xef && utf8[1] == (byte) 0xbb && utf8[2] == (byte) 0xbf);
  }

  /** A message's tree, and its text put on one line when that changed it (else null). */
  private record Parsed(ObjectNode tree, String oneLine) {}

  /**
   * Parses a message: into its whole tree when {@code alsoRead} reads it, else its facts' fields.
   */
  private static Parsed parse(
      JsonParser parser, Supplier<String> text, String what, Consumer<ObjectNode> alsoRead) {
    try (JsonParser p = parser) {
      ObjectNode tree =
          Json.parseObject(
              p, what, alsoRead != null ? JsonStreams::readTree : MessageFacts::readFactFields);
      // A line break can only come between tokens, which the parser counted: only a text that
      // spans lines is looked at again, to be put on one.
      if (p.currentLocation().getLineNr() == 1) {
        return new Parsed(tree, null);
      }
      String given = text.get();
      String line = Json.oneLine(given);
      return new Parsed(tree, line == given ? null : line);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + what, e);
    }
  }

  /**
   * The facts of a parsed message whose text is {@code text} or {@code utf8} (one of them), unless
   * it was put on one line; then its tree goes to {@code alsoRead}, if not null.
   */
  private static MessageFacts facts(
      Parsed parsed, String text, byte[] utf8, Consumer<ObjectNode> alsoRead) {
    MessageFacts facts =
        parsed.oneLine() != null
            ? of(parsed.oneLine(), null, parsed.tree())
            : of(text, utf8, parsed.tree());
    if (alsoRead != null) {
      alsoRead.accept(parsed.tree());
    }
    return facts;
  }

  /**
   * The facts of a message whose text a caller has parsed already, as part of a larger document:
   * {@code tree} is what {@link Json#parseObject} makes of {@code text}, which is on one line, was
   * cut from that document at JSON structure (ASCII) and was decoded as strict UTF-8 (with the
   * document or on its own). So it holds no unpaired surrogate, and is not scanned for one (a fifth
   * of an archive import's CPU).
   */
  static MessageFacts parsed(String text, ObjectNode tree) {
    return of(text, null, tree);
  }

  /**
   * As {@link #parsed(String, ObjectNode)}, for a message kept as the bytes it was cut from, valid
   * UTF-8: they are written as they are, never decoded unless its text is asked for.
   */
  static MessageFacts parsedUtf8(byte[] utf8, ObjectNode tree) {
    return of(null, utf8, tree);
  }

  private static void checkEncodable(String text, String what) {
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
  }

  /**
   * The message at the parser (at its first token, or before it), checked whole as {@link
   * JsonStreams#readTree(JsonParser)} checks it, as a tree of only the fields {@link #of(String,
   * byte[], ObjectNode)} reads: the rest, most of a message, is passed over without strings or
   * nodes made of it. A value that is not an object is read whole. Leaves the parser on the
   * message's last token.
   *
   * @return null at the end of the input
   * @throws NumberFormatException when a number in it is out of range
   */
  static JsonNode readFactFields(JsonParser p) throws IOException {
    JsonToken t = p.currentToken() != null ? p.currentToken() : p.nextToken();
    if (t != JsonToken.START_OBJECT) {
      return JsonStreams.readTree(p);
    }
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        // replaced when a key comes again: the last one counts, as in a whole tree
        case "type",
            "uuid",
            "timestamp",
            "costUSD",
            "requestId",
            "isSidechain",
            "total_cost_usd",
            "cost_usd",
            "num_turns",
            "usage",
            "modelUsage" ->
            tree.replace(name, JsonStreams.readTree(p));
        case "message" ->
            tree.replace(
                name,
                p.currentToken() == JsonToken.START_OBJECT
                    ? assistantFields(p)
                    : JsonStreams.readTree(p));
        default -> pass(p);
      }
    }
    return tree;
  }

  /** The fields of an assistant line's {@code message} that its facts come from. */
  private static ObjectNode assistantFields(JsonParser p) throws IOException {
    ObjectNode message = JsonNodeFactory.instance.objectNode();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        case "id", "model", "usage" -> message.replace(name, JsonStreams.readTree(p));
        default -> pass(p);
      }
    }
    return message;
  }

  /**
   * Passes over the value at the parser, checking it as a tree's reading would: the parser checks
   * its syntax and strings, and a decimal is read, since one no {@code BigDecimal} holds fails.
   */
  private static void pass(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    // Inside an object, so an input that ends first fails the parser.
    for (int depth = 0; ; t = p.nextToken()) {
      if (t.isStructStart()) {
        depth++;
      } else if (t.isStructEnd()) {
        depth--;
      } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
        p.getDecimalValue();
      }
      if (depth == 0) {
        return;
      }
    }
  }

  private static MessageFacts of(String text, byte[] utf8, ObjectNode tree) {
    String type = textOf(tree.get("type"));
    JsonNode u = tree.get("uuid");
    String uuid = u != null && u.isTextual() && !u.textValue().isEmpty() ? u.textValue() : null;
    BigDecimal cost = null;
    Long numTurns = null;
    String messageId = null;
    LineUsage usage = null;
    List<LineUsage> runUsage = null;
    if ("result".equals(type)) {
      runUsage = runUsage(tree);
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
    } else if ("assistant".equals(type)) {
      cost = cost(tree.get("costUSD"));
      JsonNode message = tree.get("message");
      messageId = message != null && message.isObject() ? textOf(message.get("id")) : null;
      usage = lineUsage(tree, message, cost);
    }
    return new MessageFacts(
        text,
        utf8,
        uuid,
        cost,
        numTurns,
        type,
        messageId,
        usage,
        runUsage,
        timestamp(tree.get("timestamp")));
  }

  /** A message's own time, or null (see {@link #timestamp()}). */
  private static java.time.Instant timestamp(JsonNode v) {
    if (v == null || !v.isTextual() || v.textValue().length() > 64) {
      return null;
    }
    java.time.Instant t = io.sessionstore.spi.Timestamps.utc(v.textValue());
    if (t == null) {
      try {
        t =
            java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(
                v.textValue(), java.time.Instant::from);
      } catch (java.time.DateTimeException e) {
        return null;
      }
    }
    return t.isBefore(io.sessionstore.api.SessionMetadata.MIN_TIME)
            || t.isAfter(io.sessionstore.api.SessionMetadata.MAX_TIME)
        ? null
        : t;
  }

  /**
   * When a write of these messages counts as activity: the newest {@code timestamp} among them,
   * else (none carries one) {@code writtenAt}.
   */
  static java.time.Instant activity(List<MessageFacts> facts, java.time.Instant writtenAt) {
    java.time.Instant newest = null;
    for (MessageFacts f : facts) {
      if (f.timestamp() != null && (newest == null || f.timestamp().isAfter(newest))) {
        newest = f.timestamp();
      }
    }
    return newest != null ? newest : writtenAt;
  }

  /**
   * The usage of an assistant line, as ccusage reads it: {@code message.usage} with integral token
   * counts; none when a count is not a number or {@code message.id}, {@code message.model} or
   * {@code requestId} is an empty string.
   */
  private static LineUsage lineUsage(ObjectNode line, JsonNode message, BigDecimal cost) {
    if (message == null || !message.isObject() || !message.path("usage").isObject()) {
      return null;
    }
    JsonNode u = message.get("usage");
    String id = textOf(message.get("id"));
    String model = textOf(message.get("model"));
    String requestId = textOf(line.get("requestId"));
    if ("".equals(id) || "".equals(model) || "".equals(requestId)) {
      return null;
    }
    return apiUsage(u, model, id, requestId, line.path("isSidechain").asBoolean(false), cost);
  }

  /**
   * An API {@code usage} object's counts (cache writes split by the {@code cache_creation}
   * breakdown when it is there, else all 5-minute ones); null when a count is not a whole number.
   */
  private static LineUsage apiUsage(
      JsonNode u, String model, String id, String requestId, boolean sidechain, BigDecimal cost) {
    long input = tokens(u, "input_tokens");
    long output = tokens(u, "output_tokens");
    long read = tokens(u, "cache_read_input_tokens");
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
    if (input < 0 || output < 0 || read < 0 || write5m < 0 || write1h < 0) {
      return null;
    }
    boolean fast = "fast".equals(textOf(u.get("speed")));
    return new LineUsage(
        model, id, requestId, sidechain, fast, input, output, write5m, write1h, read, cost);
  }

  /**
   * What a stream-json {@code result} reports its run used: a row per model of {@code modelUsage}
   * (with the model's {@code costUSD}), else {@code usage} under no model; null when neither is
   * there.
   */
  private static List<LineUsage> runUsage(ObjectNode result) {
    JsonNode models = result.get("modelUsage");
    if (models != null && models.isObject() && !models.isEmpty()) {
      List<LineUsage> rows = new ArrayList<>();
      for (java.util.Map.Entry<String, JsonNode> e : models.properties()) {
        JsonNode m = e.getValue();
        if (!m.isObject() || e.getKey().isEmpty()) {
          continue;
        }
        long input = tokens(m, "inputTokens");
        long output = tokens(m, "outputTokens");
        long write = tokens(m, "cacheCreationInputTokens");
        long read = tokens(m, "cacheReadInputTokens");
        if (input < 0 || output < 0 || write < 0 || read < 0) {
          continue;
        }
        rows.add(
            new LineUsage(
                e.getKey(),
                null,
                null,
                false,
                false,
                input,
                output,
                write,
                0,
                read,
                cost(m.get("costUSD"))));
      }
      return rows.isEmpty() ? null : List.copyOf(rows);
    }
    JsonNode u = result.get("usage");
    if (u == null || !u.isObject()) {
      return null;
    }
    LineUsage run = apiUsage(u, null, null, null, false, null);
    return run == null ? null : List.of(run);
  }

  /**
   * A token count: 0 when absent or null, -1 (the line does not count) when it is not a whole
   * number from 0 to {@link #MAX_TOKENS}.
   */
  private static long tokens(JsonNode parent, String field) {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return 0;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      return -1;
    }
    long v = n.longValue();
    return v < 0 || v > MAX_TOKENS ? -1 : v;
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
