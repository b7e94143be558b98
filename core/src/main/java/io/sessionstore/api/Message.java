package io.sessionstore.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.spi.Json;
import java.util.Objects;
import java.util.Optional;

/**
 * One message of a session: a JSON object, kept as its exact original text. Whatever the message
 * holds — unknown fields, unknown types, nested content, odd number spellings, escapes — comes back
 * byte for byte as it was saved.
 *
 * <p>{@link #of(String)} does not parse; the store validates every message when it is written, so
 * an invalid one is rejected by {@code saveSession} or {@code appendMessages} with an {@link
 * InvalidInputException} and nothing of that call is stored. {@link #parse(String)} validates at
 * once. Instances are immutable and thread-safe; two messages are equal when their texts are.
 */
public final class Message {
  private final String json;
  // Derived from the text on first use. One immutable holder, so a thread that sees it sees all of
  // it; a race only
  // computes the same value twice.
  private Scanned scanned;

  private record Scanned(String type, String uuid) {}

  private Message(String json) {
    this.json = Objects.requireNonNull(json, "json is null");
  }

  /** A message with the given JSON text, validated when it is stored. */
  public static Message of(String json) {
    return new Message(json);
  }

  /**
   * A message with the given JSON text, validated now.
   *
   * @throws InvalidInputException when the text is not exactly one JSON object
   */
  public static Message parse(String json) {
    Message message = new Message(json);
    message.scanned = scan(Json.parseObject(json, "message"));
    return message;
  }

  /** The message's JSON text exactly as given. */
  public String json() {
    return json;
  }

  /**
   * A freshly parsed tree of the message, which the caller may modify without affecting the
   * message.
   *
   * @throws InvalidInputException when the text is not a JSON object
   */
  public ObjectNode tree() {
    return Json.parseObject(json, "message");
  }

  /**
   * The message's {@code type} field ({@code system}, {@code user}, {@code assistant}, {@code
   * result}, …), or null.
   */
  public String type() {
    return scanned().type();
  }

  /** The message's {@code uuid} field when it is a non-empty string. */
  public Optional<String> uuid() {
    return Optional.ofNullable(scanned().uuid());
  }

  private Scanned scanned() {
    Scanned s = scanned;
    if (s == null) {
      s = scan(tree());
      scanned = s;
    }
    return s;
  }

  private static Scanned scan(ObjectNode tree) {
    JsonNode t = tree.get("type");
    JsonNode u = tree.get("uuid");
    return new Scanned(
        t != null && t.isTextual() ? t.textValue() : null,
        u != null && u.isTextual() && !u.textValue().isEmpty() ? u.textValue() : null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Message m && json.equals(m.json);
  }

  @Override
  public int hashCode() {
    return json.hashCode();
  }

  @Override
  public String toString() {
    return json;
  }
}
