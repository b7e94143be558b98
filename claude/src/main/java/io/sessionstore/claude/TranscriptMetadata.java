package io.sessionstore.claude;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.SessionMetadata;
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
   * What the metadata takes from one line, read when the line is checked: kept for each line of a
   * transcript instead of its tree, a few fields against many times its text.
   *
   * @param time its {@code timestamp}, or null
   * @param summary the summary of a {@code summary} line, as one line, or null
   * @param promptText the text of a prompt a person typed (a {@code user} line), not yet made one
   *     line (only the first is), or null
   * @param attributes the attributes it sets
   */
  record Line(Instant time, String summary, String promptText, Map<String, String> attributes) {}

  /** What the metadata takes from one line's tree. */
  static Line line(ObjectNode line) {
    String type = line.path("type").asText("");
    String summary = null;
    if (type.equals("summary") && line.path("summary").isTextual()) {
      summary = oneLine(line.get("summary").textValue());
    }
    Map<String, String> attributes = new TreeMap<>();
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
    return new Line(
        timestamp(line),
        summary,
        type.equals("user") ? promptText(line) : null,
        attributes.isEmpty() ? Map.of() : attributes);
  }

  /** The metadata of these lines. */
  static TranscriptMetadata of(List<Line> lines) {
    return EMPTY.plus(lines);
  }

  /** The last {@code summary} line's summary, else the first prompt a person typed, or null. */
  String summary() {
    return summaryLine != null ? summaryLine : prompt;
  }

  /** The metadata of these lines and then {@code lines}. */
  TranscriptMetadata plus(List<Line> lines) {
    Instant first = this.first;
    Instant last = this.last;
    String summaryLine = this.summaryLine;
    String prompt = this.prompt;
    Map<String, String> attributes = new TreeMap<>(this.attributes);
    for (Line line : lines) {
      Instant t = line.time();
      if (t != null) {
        first = first == null || t.isBefore(first) ? t : first;
        last = last == null || t.isAfter(last) ? t : last;
      }
      summaryLine = line.summary() != null ? line.summary() : summaryLine;
      if (prompt == null && line.promptText() != null) {
        prompt = oneLine(line.promptText());
      }
      attributes.putAll(line.attributes());
    }
    attributes.put(SessionMetadata.FORMAT, SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT);
    return new TranscriptMetadata(first, last, summaryLine, prompt, attributes);
  }

  /**
   * The text of a prompt a person typed: not a meta or compaction line, not a tool result, not one
   * of Claude Code's {@code <command-name>}-style wrappers.
   */
  private static String promptText(JsonNode line) {
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
    return text == null || text.strip().startsWith("<") ? null : text;
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
