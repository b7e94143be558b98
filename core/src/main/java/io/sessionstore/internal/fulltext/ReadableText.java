package io.sessionstore.internal.fulltext;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.spi.JsonStreams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * What a person reads in one message line, in parts a full-text index can tell apart: prompts,
 * replies, thinking, tool calls and tool results. Binary payloads (images, documents, base64 runs)
 * and signatures are never text; unknown line and block types give their {@code text} when they
 * have one. Claude Code transcripts and stream-json messages share these shapes.
 */
final class ReadableText {
  /** Runs of base64 at least this long are payloads, not words. */
  private static final int BASE64_RUN = 200;

  /** A tool call's input values past this are cut, like tool results. */
  private final int toolResultChars;

  private final boolean thinking;

  ReadableText(boolean thinking, int toolResultChars) {
    this.thinking = thinking;
    this.toolResultChars = toolResultChars;
  }

  /**
   * One readable part of a message.
   *
   * @param role {@code user}, {@code assistant}, {@code tool} or {@code system}
   * @param kind {@code prompt}, {@code text}, {@code thinking}, {@code tool_use}, {@code
   *     tool_result} or {@code other}
   * @param tool the tool's name, for a call or (when known) a result
   * @param callId a tool call's id, which its result names
   */
  record Part(String role, String kind, String tool, String callId, String text) {}

  /** The names of the tools a transcript called, by the id of each call. */
  interface ToolNames {
    void called(String callId, String tool);

    /** The name of the tool of a call, or null when it is not known. */
    String of(String callId);
  }

  /** The parsed line's parts and its own timestamp (null when it has none). */
  record Line(List<Part> parts, String timestamp) {}

  /**
   * The readable parts of a line.
   *
   * @param toolNames the transcript's tool calls so far; calls found here are added
   */
  Line read(String json, ToolNames toolNames) {
    String type = "";
    String timestamp = null;
    String summary = "";
    String content = "";
    JsonNode message = null;
    // Streamed, keeping only the fields read here: Claude Code repeats a tool's output in fields
    // such as toolUseResult, which would otherwise be built into a tree for nothing.
    try (JsonParser parser = JsonStreams.parser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return new Line(List.of(), null);
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("message".equals(field) && value == JsonToken.START_OBJECT) {
          message = JsonStreams.readTree(parser);
          continue;
        }
        String text = value == JsonToken.VALUE_STRING ? parser.getText() : null;
        parser.skipChildren();
        switch (field) {
          case "type" -> type = text == null ? "" : text;
          case "timestamp" -> timestamp = text;
          case "summary" -> summary = text == null ? "" : text;
          case "content" -> content = text == null ? "" : text;
          case "message" -> message = null;
          default -> {}
        }
      }
    } catch (IOException e) {
      return new Line(List.of(), null);
    }
    List<Part> parts = new ArrayList<>();
    if (message != null) {
      String role = "assistant".equals(message.path("role").asText(type)) ? "assistant" : "user";
      JsonNode body = message.get("content");
      if (body != null && body.isTextual()) {
        add(parts, role, "user".equals(role) ? "prompt" : "text", null, body.asText());
      } else if (body != null && body.isArray()) {
        for (JsonNode block : body) {
          block(parts, role, block, toolNames);
        }
      }
    } else if ("summary".equals(type)) {
      add(parts, "system", "other", null, summary);
    } else if ("system".equals(type)) {
      add(parts, "system", "other", null, content);
    }
    return new Line(parts, timestamp);
  }

  private void block(List<Part> parts, String role, JsonNode block, ToolNames toolNames) {
    if (!block.isObject()) {
      return;
    }
    switch (block.path("type").asText("")) {
      case "text" ->
          add(
              parts,
              role,
              "user".equals(role) ? "prompt" : "text",
              null,
              block.path("text").asText(""));
      case "thinking" -> {
        if (thinking) {
          add(parts, role, "thinking", null, block.path("thinking").asText(""));
        }
      }
      case "tool_use", "server_tool_use" -> {
        String name = block.path("name").asText("");
        String id = block.path("id").isTextual() ? block.get("id").asText() : null;
        if (id != null) {
          toolNames.called(id, name);
        }
        StringBuilder input = new StringBuilder();
        values(block.get("input"), input);
        add(parts, role, "tool_use", name, id, cut(input.toString()));
      }
      case "tool_result" -> {
        String name = toolNames.of(block.path("tool_use_id").asText(""));
        StringBuilder result = new StringBuilder();
        JsonNode content = block.get("content");
        if (content != null && content.isTextual()) {
          result.append(content.asText());
        } else if (content != null && content.isArray()) {
          for (JsonNode part : content) {
            if ("text".equals(part.path("type").asText())) {
              result.append(part.path("text").asText("")).append('\n');
            }
          }
        }
        add(parts, "tool", "tool_result", name, null, cut(result.toString()));
      }
      case "image", "document", "redacted_thinking" -> {
        // payloads and opaque data, nothing a person reads
      }
      default -> {
        if (block.path("text").isTextual()) {
          add(parts, role, "other", null, block.get("text").asText());
        }
      }
    }
  }

  /** The string values of a tool's input, in order, each on its own line. */
  private void values(JsonNode node, StringBuilder out) {
    if (node == null || out.length() > toolResultChars) {
      return;
    }
    if (node.isTextual()) {
      out.append(node.asText()).append('\n');
    } else if (node.isObject()) {
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        values(it.next(), out);
      }
    } else if (node.isArray()) {
      for (JsonNode n : node) {
        values(n, out);
      }
    } else if (node.isNumber() || node.isBoolean()) {
      out.append(node.asText()).append('\n');
    }
  }

  private String cut(String text) {
    return text.length() <= toolResultChars ? text : text.substring(0, toolResultChars);
  }

  private static void add(List<Part> parts, String role, String kind, String tool, String text) {
    add(parts, role, kind, tool, null, text);
  }

  private static void add(
      List<Part> parts, String role, String kind, String tool, String callId, String text) {
    String clean = withoutBase64(text).strip();
    if (!clean.isEmpty()) {
      parts.add(new Part(role, kind, tool, callId, clean));
    }
  }

  /** The text with every long run of base64 characters left out. */
  static String withoutBase64(String text) {
    StringBuilder out = null;
    int runStart = -1;
    for (int i = 0; i <= text.length(); i++) {
      boolean b64 = i < text.length() && isBase64(text.charAt(i));
      if (b64 && runStart < 0) {
        runStart = i;
      } else if (!b64 && runStart >= 0) {
        if (i - runStart >= BASE64_RUN) {
          if (out == null) {
            out = new StringBuilder(text.length());
            out.append(text, 0, runStart);
          }
          out.append(' ');
        } else if (out != null) {
          out.append(text, runStart, i);
        }
        runStart = -1;
      }
      if (!b64 && out != null && i < text.length()) {
        out.append(text.charAt(i));
      }
    }
    return out == null ? text : out.toString();
  }

  private static boolean isBase64(char c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '+'
        || c == '/'
        || c == '=';
  }
}
