package io.sessionstore.claude.view;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.spi.JsonStreams;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What {@link Walk} reads out of single fields and strings of a line. Stateless. */
final class Lines {
  /** Notices are one line of at most this many characters. */
  static final int NOTICE_CHARS = 200;

  /** Input fields that say what a call does, in the order they are looked for. */
  private static final List<String> TELLING_INPUTS =
      List.of(
          "command",
          "file_path",
          "notebook_path",
          "pattern",
          "url",
          "query",
          "description",
          "prompt",
          "skill",
          "plan",
          "path");

  /** Claude Code's wrappers of text a person did not type as a prompt. */
  private static final Pattern WRAPPER =
      Pattern.compile(
          "^\\s*<(command-name|command-message|command-args|local-command-stdout"
              + "|local-command-stderr|local-command-caveat|bash-input|bash-stdout|bash-stderr"
              + "|system-reminder|user-memory-input)>");

  private static final Pattern TAG = Pattern.compile("</?[a-z][a-z-]*>");

  private Lines() {}

  /** The parsed line, streamed (a short-lived command starts no object mapper). */
  static JsonNode parse(String json) {
    try (JsonParser p = JsonStreams.parser(json)) {
      return JsonStreams.readTree(p);
    } catch (IOException e) {
      // Stored messages were validated when written; one that is not JSON shows as unknown.
      return null;
    }
  }

  static String text(JsonNode node, String field) {
    JsonNode n = node == null ? null : node.get(field);
    return n != null && n.isTextual() ? n.textValue() : null;
  }

  static Instant timestamp(JsonNode line) {
    String t = text(line, "timestamp");
    if (t == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      return null; // placeholders such as "<TIMESTAMP>" in normalised test data
    }
  }

  /**
   * The wrapper tag a user text starts with when it is one of Claude Code's ({@code command-name},
   * {@code local-command-stdout}, …), else null.
   */
  static String wrapper(String text) {
    Matcher m = WRAPPER.matcher(text);
    return m.find() ? m.group(1) : null;
  }

  /** The content of the first {@code <tag>…</tag>} in the text, or null. */
  static String inside(String text, String tag) {
    int start = text.indexOf("<" + tag + ">");
    if (start < 0) {
      return null;
    }
    start += tag.length() + 2;
    int end = text.indexOf("</" + tag + ">", start);
    return text.substring(start, end < 0 ? text.length() : end);
  }

  /** The text without Claude Code's tags. */
  static String untagged(String text) {
    return TAG.matcher(text).replaceAll(" ");
  }

  /** The text on one line (whitespace runs made single spaces), cut to {@link #NOTICE_CHARS}. */
  static String brief(String text) {
    return cut(text.strip().replaceAll("\\s+", " "), NOTICE_CHARS);
  }

  /** The text cut to at most {@code max} characters, ending in … when cut (never splits a pair). */
  static String cut(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = Character.isLowSurrogate(text.charAt(max - 1)) ? max - 2 : max - 1;
    return text.substring(0, Math.max(0, end)) + "…";
  }

  /** The input of a call that matters to a reader (see {@link ViewEntry.ToolCall#summary()}). */
  static String callSummary(String tool, JsonNode input) {
    if (input == null || !input.isObject()) {
      return input == null ? "" : cut(JsonStreams.write(input), NOTICE_CHARS);
    }
    switch (tool) {
      case "Grep" -> {
        String pattern = text(input, "pattern");
        String where = text(input, "path") != null ? text(input, "path") : text(input, "glob");
        if (pattern != null) {
          return where == null ? pattern : pattern + " in " + where;
        }
      }
      case "Task", "Agent" -> {
        String description = text(input, "description");
        String type = text(input, "subagent_type");
        if (description != null) {
          return type == null ? description : description + " (" + type + ")";
        }
      }
      case "TodoWrite" -> {
        JsonNode todos = input.get("todos");
        if (todos != null && todos.isArray()) {
          StringBuilder s = new StringBuilder(todos.size() + " todos");
          String sep = ": ";
          for (JsonNode t : todos) {
            s.append(sep).append(text(t, "content") != null ? text(t, "content") : "?");
            sep = "; ";
          }
          return brief(s.toString());
        }
      }
      default -> {
        // the generic look-up below
      }
    }
    for (String field : TELLING_INPUTS) {
      String v = text(input, field);
      if (v != null && !v.isBlank()) {
        return cut(v, TranscriptView.MAX_INPUT_CHARS);
      }
    }
    for (Map.Entry<String, JsonNode> e : input.properties()) {
      if (e.getKey().endsWith("_content") && e.getValue().isTextual()) {
        return brief(e.getValue().textValue());
      }
    }
    return cut(JsonStreams.write(input), NOTICE_CHARS);
  }
}
