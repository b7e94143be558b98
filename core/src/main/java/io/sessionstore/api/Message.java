package io.sessionstore.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.internal.ApiBridge;
import io.sessionstore.spi.Json;
import io.sessionstore.spi.Utf8Lines;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One message of a session: a JSON object, kept as its exact original text. Whatever the message
 * holds — unknown fields, unknown types, nested content, odd number spellings, escapes — comes back
 * byte for byte as it was saved.
 *
 * <p>{@link #of(String)} does not parse; the store validates every message when it is written, so
 * an invalid one is rejected by {@code saveSession} or {@code appendMessages} with an {@link
 * InvalidInputException} and nothing of that call is stored. {@link #parse(String)} validates at
 * once, and the store does not parse such a message again when it is written: a caller that parses
 * its messages anyway (to read fields of its own, with {@link #parse(String, Function)}) pays for
 * one parse, not two. Instances are immutable and thread-safe; two messages are equal when their
 * texts are.
 */
public final class Message {
  static {
    // The store reads what a message was parsed with through this, not through a public method.
    ApiBridge.connectMessages(m -> m.facts);
  }

  // The text as given, or null for a message parsed from UTF-8: then utf8 holds a copy of its
  // bytes, which the store writes as they are, and json() decodes them into decoded (a String, so
  // a race only decodes them twice).
  private final String json;
  private final byte[] utf8;
  private String decoded;
  // What the store reads of the text (opaque here): set by parse, else on first use of type() or
  // uuid(). One immutable object, so a thread that sees it sees all of it; a race only computes it
  // twice.
  private Object facts;

  private Message(String json) {
    this.json = Objects.requireNonNull(json, "json is null");
    this.utf8 = null;
  }

  private Message(byte[] utf8) {
    this.json = null;
    this.utf8 = utf8;
  }

  /** A message with the given JSON text, validated when it is stored. */
  public static Message of(String json) {
    return new Message(json);
  }

  /**
   * A message with the given JSON text, validated now as the store validates what it writes.
   *
   * @throws InvalidInputException when the text is not exactly one JSON object, or holds an
   *     unpaired surrogate (which has no UTF-8 form)
   */
  public static Message parse(String json) {
    Message message = new Message(json);
    message.facts = ApiBridge.parseMessage(json, null);
    return message;
  }

  /**
   * As {@link #parse(String)}, and reads what the caller needs of the message from the same parse:
   * {@code read} gets the message's tree (a fresh one, which it may change) and its result comes
   * back with the message.
   *
   * @throws InvalidInputException as {@link #parse(String)}
   */
  public static <T> Parsed<T> parse(String json, Function<? super ObjectNode, T> read) {
    Objects.requireNonNull(read, "read is null");
    return parsed(new Message(json), read, alsoRead -> ApiBridge.parseMessage(json, alsoRead));
  }

  /**
   * As {@link #parse(String, Function)}, for the UTF-8 bytes of the text (a line of JSON Lines
   * without its terminator, as {@link io.sessionstore.spi.Utf8Lines#nextBytes()} gives it), decoded
   * strictly: a reader of files pays for no scan of the text that {@link #parse(String)} owes a
   * {@code String}, which may hold a surrogate UTF-8 cannot encode.
   *
   * @throws InvalidInputException when the bytes are not valid UTF-8 or not exactly one JSON object
   */
  public static <T> Parsed<T> parse(byte[] utf8, Function<? super ObjectNode, T> read) {
    Objects.requireNonNull(read, "read is null");
    // A copy, which the store writes as it is: the text is decoded only if someone asks for it.
    byte[] bytes = utf8.clone();
    if (!Utf8Lines.isStrict(bytes, 0, bytes.length)) {
      throw new InvalidInputException("Invalid message: it is not valid UTF-8");
    }
    return parsed(
        new Message(bytes), read, alsoRead -> ApiBridge.parseMessageBytes(bytes, alsoRead));
  }

  /**
   * The message with the facts {@code parser} reads of it, and what {@code read} takes of the tree
   * the parser hands on.
   */
  private static <T> Parsed<T> parsed(
      Message message,
      Function<? super ObjectNode, T> read,
      Function<Consumer<ObjectNode>, Object> parser) {
    List<T> result = new ArrayList<>(1);
    message.facts = parser.apply(tree -> result.add(read.apply(tree)));
    return new Parsed<>(message, result.get(0));
  }

  /**
   * A message of text decoded from strict UTF-8, validated now (errors name it {@code what}): for
   * {@link Messages#read}.
   */
  static Message parseDecoded(String decoded, String what) {
    Message message = new Message(decoded);
    message.facts = ApiBridge.parseDecodedMessage(decoded, what);
    return message;
  }

  /**
   * A message made by {@link #parse(String, Function)}, and what the caller read of it.
   *
   * @param message the message
   * @param read what the caller's function returned
   */
  public record Parsed<T>(Message message, T read) {}

  /** The message's JSON text exactly as given. */
  public String json() {
    if (json != null) {
      return json;
    }
    String j = decoded;
    if (j == null) {
      j = Utf8Lines.strictOrNull(utf8, 0, utf8.length);
      decoded = j;
    }
    return j;
  }

  /**
   * A freshly parsed tree of the message, which the caller may modify without affecting the
   * message.
   *
   * @throws InvalidInputException when the text is not a JSON object
   */
  public ObjectNode tree() {
    return Json.parseObject(json(), "message");
  }

  /**
   * The message's {@code type} field ({@code system}, {@code user}, {@code assistant}, {@code
   * result}, …), or null.
   *
   * @throws InvalidInputException when the message is not valid (see {@link #parse(String)})
   */
  public String type() {
    return ApiBridge.messageType(facts());
  }

  /**
   * The message's {@code uuid} field when it is a non-empty string.
   *
   * @throws InvalidInputException when the message is not valid (see {@link #parse(String)})
   */
  public Optional<String> uuid() {
    return Optional.ofNullable(ApiBridge.messageUuid(facts()));
  }

  private Object facts() {
    Object f = facts;
    if (f == null) {
      f = ApiBridge.parseMessage(json(), null);
      facts = f;
    }
    return f;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Message m && json().equals(m.json());
  }

  @Override
  public int hashCode() {
    return json().hashCode();
  }

  @Override
  public String toString() {
    return json();
  }
}
