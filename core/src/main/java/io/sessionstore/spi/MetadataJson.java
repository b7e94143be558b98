package io.sessionstore.spi;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.api.CostSource;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.Usage;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of {@link SessionMetadata}: the keys {@code project, sessionId, createdAt,
 * updatedAt, lastActivityAt (absent from what was written before it existed), messageCount,
 * totalCostUsd, turns, tags, summary, attributes, subpaths, version, usage, costSource} ({@code
 * usage} null and {@code costSource} {@code "unknown"} for a session stored before usage
 * accounting), timestamps ISO-8601 UTC, cost an exact number. Heads ({@link HeadCodec}), archives
 * and {@link SessionMetadata#toJson()} use it; a backend that keeps metadata in JSON of its own may
 * too. The form is stable: a key may be added, none removed. Write it with a generator of {@link
 * JsonStreams} (or {@link Json#mapper()}'s) so the cost stays exact. Stateless and thread-safe.
 */
public final class MetadataJson {
  private MetadataJson() {}

  /** All the keys, into the object the generator is in. */
  public static void writeFields(JsonGenerator g, SessionMetadata m) throws IOException {
    writeIdentity(g, m);
    g.writeNumberField("messageCount", m.messageCount());
    g.writeFieldName("totalCostUsd");
    g.writeNumber(m.totalCostUsd().toPlainString());
    g.writeNumberField("turns", m.turns());
    writeUserFields(g, m);
    g.writeArrayFieldStart("subpaths");
    for (String s : m.subpaths()) {
      g.writeString(s);
    }
    g.writeEndArray();
    g.writeNumberField("version", m.version());
    writeUsage(g, m);
  }

  /** {@code project, sessionId, createdAt, updatedAt, lastActivityAt}. */
  public static void writeIdentity(JsonGenerator g, SessionMetadata m) throws IOException {
    g.writeStringField("project", m.project());
    g.writeStringField("sessionId", m.sessionId());
    g.writeStringField("createdAt", m.createdAt().toString());
    g.writeStringField("updatedAt", m.updatedAt().toString());
    g.writeStringField("lastActivityAt", m.lastActivityAt().toString());
  }

  /**
   * The {@code lastActivityAt} of an object {@link #write} wrote, or null when it has none (written
   * before the field existed: the metadata then takes its {@code updatedAt}).
   *
   * @throws InvalidInputException when it is there but not an instant
   */
  public static Instant lastActivityAt(JsonNode n) {
    return n.hasNonNull("lastActivityAt") ? instant(n, "lastActivityAt") : null;
  }

  /** What a user sets: {@code tags, summary, attributes}. */
  public static void writeUserFields(JsonGenerator g, SessionMetadata m) throws IOException {
    g.writeArrayFieldStart("tags");
    for (String t : m.tags()) {
      g.writeString(t);
    }
    g.writeEndArray();
    g.writeStringField("summary", m.summary());
    g.writeObjectFieldStart("attributes");
    for (Map.Entry<String, String> e : m.attributes().entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
  }

  /** The metadata as one JSON object. */
  public static void write(JsonGenerator g, SessionMetadata m) throws IOException {
    g.writeStartObject();
    writeFields(g, m);
    g.writeEndObject();
  }

  /** The metadata as one line of JSON. */
  public static String toJson(SessionMetadata m) {
    java.io.StringWriter out = new java.io.StringWriter();
    try (JsonGenerator g = JsonStreams.generator(out)) {
      write(g, m);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * The metadata of an object that {@link #write} wrote.
   *
   * @throws InvalidInputException when a key is missing or of the wrong type
   */
  public static SessionMetadata read(JsonNode n) {
    return new SessionMetadata(
        text(n, "project"),
        text(n, "sessionId"),
        instant(n, "createdAt"),
        instant(n, "updatedAt"),
        n.path("messageCount").asLong(),
        cost(n.get("totalCostUsd")),
        n.path("turns").asLong(),
        strings(n.get("tags")),
        n.hasNonNull("summary") ? n.get("summary").asText() : null,
        stringMap(n.get("attributes")),
        strings(n.get("subpaths")),
        n.path("version").asLong(),
        usage(n),
        lastActivityAt(n));
  }

  static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new InvalidInputException(
          "Invalid metadata: '" + field + "' is missing or not a string");
    }
    return v.textValue();
  }

  /**
   * The ISO-8601 instant in the object's field.
   *
   * @throws InvalidInputException when it is missing, not a string or not an instant
   */
  public static Instant instant(JsonNode n, String field) {
    String v = text(n, field);
    try {
      return parseInstant(v);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(
          "Invalid '"
              + field
              + "' '"
              + v
              + "': expected an ISO-8601 instant such as "
              + "2026-01-31T12:00:00Z");
    }
  }

  /**
   * {@link Instant#parse}, with {@link Timestamps#utc}'s short way for the forms {@link
   * Instant#toString} gives: a command that lists a thousand sessions reads two thousand of them,
   * and the formatter takes a good part of its start-up. The result, and the error, are always
   * {@link Instant#parse}'s.
   */
  public static Instant parseInstant(String v) {
    Instant utc = Timestamps.utc(v);
    return utc != null ? utc : Instant.parse(v);
  }

  static BigDecimal cost(JsonNode v) {
    if (v == null || v.isNull()) {
      return BigDecimal.ZERO;
    }
    if (!v.isNumber()) {
      throw new InvalidInputException("Invalid metadata: 'totalCostUsd' is not a number");
    }
    return v.decimalValue();
  }

  /**
   * An array of strings; empty for null or a missing value.
   *
   * @throws InvalidInputException when it is not an array of strings
   */
  public static List<String> strings(JsonNode v) {
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw new InvalidInputException("Invalid metadata: expected an array of strings");
    }
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw new InvalidInputException(
            "Invalid metadata: expected an array of strings, found " + e);
      }
      out.add(e.textValue());
    }
    return out;
  }

  /**
   * An object of string values, in its order; empty for null or a missing value.
   *
   * @throws InvalidInputException when it is not an object of strings
   */
  public static Map<String, String> stringMap(JsonNode v) {
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      throw new InvalidInputException("Invalid metadata: 'attributes' is not an object");
    }
    v.properties()
        .forEach(
            e -> {
              if (!e.getValue().isTextual()) {
                throw new InvalidInputException(
                    "Invalid attribute '" + e.getKey() + "': its value is not a string");
              }
              out.put(e.getKey(), e.getValue().textValue());
            });
    return out;
  }

  /**
   * {@code usage} (an object with the four token counts and {@code models}, or null when not known)
   * and {@code costSource}.
   */
  public static void writeUsage(JsonGenerator g, SessionMetadata m) throws IOException {
    Usage u = m.usage();
    if (u == null) {
      g.writeNullField("usage");
    } else {
      g.writeObjectFieldStart("usage");
      writeTokens(
          g, u.inputTokens(), u.outputTokens(), u.cacheCreationTokens(), u.cacheReadTokens());
      g.writeArrayFieldStart("models");
      for (Usage.ModelUsage row : u.models()) {
        g.writeStartObject();
        g.writeStringField("model", row.model());
        writeTokens(
            g,
            row.inputTokens(),
            row.outputTokens(),
            row.cacheCreationTokens(),
            row.cacheReadTokens());
        g.writeFieldName("costUsd");
        g.writeNumber(row.costUsd().toPlainString());
        g.writeStringField("costSource", row.costSource().jsonName());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeStringField("costSource", m.costSource().jsonName());
  }

  private static void writeTokens(
      JsonGenerator g, long in, long out, long cacheWrite, long cacheRead) throws IOException {
    g.writeNumberField("inputTokens", in);
    g.writeNumberField("outputTokens", out);
    g.writeNumberField("cacheCreationTokens", cacheWrite);
    g.writeNumberField("cacheReadTokens", cacheRead);
  }

  /**
   * The usage of an object {@link #writeUsage} wrote; null when it is absent or null (not known).
   *
   * @throws InvalidInputException when it is malformed
   */
  public static Usage usage(JsonNode n) {
    JsonNode u = n.get("usage");
    if (u == null || u.isNull()) {
      return null;
    }
    if (!u.isObject()) {
      throw new InvalidInputException("Invalid metadata: 'usage' is not an object");
    }
    List<Usage.ModelUsage> models = new ArrayList<>();
    JsonNode rows = u.path("models");
    if (!rows.isMissingNode() && !rows.isArray()) {
      throw new InvalidInputException("Invalid metadata: 'usage.models' is not an array");
    }
    for (JsonNode r : rows) {
      models.add(
          new Usage.ModelUsage(
              text(r, "model"),
              r.path("inputTokens").asLong(),
              r.path("outputTokens").asLong(),
              r.path("cacheCreationTokens").asLong(),
              r.path("cacheReadTokens").asLong(),
              cost(r.get("costUsd")),
              source(r)));
    }
    CostSource source = source(n);
    if (source == CostSource.UNKNOWN) {
      throw new InvalidInputException(
          "Invalid metadata: usage is given but its cost source is unknown");
    }
    return new Usage(
        u.path("inputTokens").asLong(),
        u.path("outputTokens").asLong(),
        u.path("cacheCreationTokens").asLong(),
        u.path("cacheReadTokens").asLong(),
        models,
        source);
  }

  private static CostSource source(JsonNode n) {
    JsonNode s = n.get("costSource");
    return s == null || !s.isTextual() ? CostSource.NONE : CostSource.ofJsonName(s.textValue());
  }
}
