package io.sessionstore.claude;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.spi.JsonStreams;
import io.sessionstore.spi.Timestamps;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The metadata an imported transcript gets from its lines (the README's "Claude Code"): the
 * earliest and latest {@code timestamp}, the summary, and the attributes {@code cwd}, {@code
 * gitBranch}, {@code model}, {@code claudeCodeVersion} and {@code format}.
 *
 * <p>Derived line by line, so the metadata of a transcript that grew is that of its earlier lines
 * {@link #plus plus} the new ones: an import that remembers it reads only the new lines.
 *
 * @param first the earliest timestamp, or null when no line has one
 * @param last the latest timestamp, or null
 * @param summaryLine the last {@code summary} line's summary, or null
 * @param prompt the first prompt a person typed, or null
 * @param attributes the attributes found, the latest line's value winning
 */
record TranscriptMetadata(
    Instant first,
    Instant last,
    String summaryLine,
    String prompt,
    Map<String, String> attributes) {
  private static final int SUMMARY_LENGTH = 200;

  /** The fields of a line read here; the rest is only checked. */
  private static final JsonStreams.Fields FIELDS =
      JsonStreams.Fields.of(
              "type",
              "timestamp",
              "summary",
              "isMeta",
              "isCompactSummary",
              "cwd",
              "gitBranch",
              "version")
          .and(
              "message",
              JsonStreams.Fields.of("model").and("content", JsonStreams.Fields.of("type", "text")));

  /** The metadata of no lines. */
  static final TranscriptMetadata EMPTY =
      new TranscriptMetadata(
          null,
          null,
          null,
          null,
          Map.of(SessionMetadata.FORMAT, SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT));

  TranscriptMetadata {
    attributes = Collections.unmodifiableMap(new TreeMap<>(attributes));
  }

  /**
   * What is read here of a line, which is checked whole.
   *
   * @throws io.sessionstore.api.InvalidInputException when it is not one JSON object
   */
  static ObjectNode fields(String line) {
    return JsonStreams.parseObject(line, "message", FIELDS);
  }

  /** The metadata of lines given by their {@link #fields}. */
  static TranscriptMetadata of(List<ObjectNode> lines) {
    return EMPTY.plus(lines);
  }

  /** The last {@code summary} line's summary, else the first prompt a person typed, or null. */
  String summary() {
    return summaryLine != null ? summaryLine : prompt;
  }

  /** The metadata of these lines and then {@code lines}. */
  TranscriptMetadata plus(List<ObjectNode> lines) {
    Instant first = this.first;
    Instant last = this.last;
    String summaryLine = this.summaryLine;
    String prompt = this.prompt;
    Map<String, String> attributes = new TreeMap<>(this.attributes);
    for (ObjectNode line : lines) {
      Instant t = timestamp(line);
      if (t != null) {
        first = first == null || t.isBefore(first) ? t : first;
        last = last == null || t.isAfter(last) ? t : last;
      }
      String type = line.path("type").asText("");
      if (type.equals("summary") && line.path("summary").isTextual()) {
        String s = oneLine(line.get("summary").textValue());
        summaryLine = s != null ? s : summaryLine;
      }
      if (prompt == null && type.equals("user")) {
        prompt = typedPrompt(line);
      }
      copy(line.get("cwd"), "cwd", attributes);
      copy(line.get("gitBranch"), "gitBranch", attributes);
      copy(line.get("version"), "claudeCodeVersion", attributes);
      if (type.equals("assistant")) {
        JsonNode model = line.path("message").get("model");
        // Claude Code marks lines it wrote itself with the model "<synthetic>".
        if (model != null && model.isTextual() && !model.textValue().startsWith("<")) {
          copy(model, "model", attributes);
        }
      }
    }
    attributes.put(SessionMetadata.FORMAT, SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT);
    return new TranscriptMetadata(first, last, summaryLine, prompt, attributes);
  }

  /**
   * The text of a prompt a person typed, as one line: not a meta or compaction line, not a tool
   * result, not one of Claude Code's {@code <command-name>}-style wrappers, no control characters
   * but line breaks and tabs.
   */
  private static String typedPrompt(JsonNode line) {
    if (line.path("isMeta").asBoolean(false) || line.path("isCompactSummary").asBoolean(false)) {
      return null;
    }
    JsonNode content = line.path("message").get("content");
    String text = null;
    if (content != null && content.isTextual()) {
      text = content.textValue();
    } else if (content != null && content.isArray()) {
      for (JsonNode block : content) {
        String blockType = block.path("type").asText("");
        if (blockType.equals("tool_result")) {
          return null;
        }
        if (text == null && blockType.equals("text") && block.path("text").isTextual()) {
          text = block.get("text").textValue();
        }
      }
    }
    if (text == null || text.strip().startsWith("<")) {
      return null;
    }
    return oneLine(text);
  }

  /**
   * The text with its whitespace runs made single spaces and cut to 200 characters; null when blank
   * or odd.
   */
  static String oneLine(String text) {
    if (text.chars()
        .anyMatch(c -> (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)) {
      return null;
    }
    String s = text.strip().replaceAll("\\s+", " ");
    if (s.isEmpty()) {
      return null;
    }
    return s.codePointCount(0, s.length()) <= SUMMARY_LENGTH
        ? s
        : s.substring(0, s.offsetByCodePoints(0, SUMMARY_LENGTH));
  }

  private static void copy(JsonNode value, String attribute, Map<String, String> attributes) {
    if (value != null && value.isTextual() && !value.textValue().isEmpty()) {
      attributes.put(attribute, value.textValue());
    }
  }

  private static Instant timestamp(JsonNode line) {
    JsonNode t = line.get("timestamp");
    if (t == null || !t.isTextual()) {
      return null;
    }
    Instant utc = Timestamps.utc(t.textValue());
    try {
      return utc != null ? utc : Instant.parse(t.textValue());
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
