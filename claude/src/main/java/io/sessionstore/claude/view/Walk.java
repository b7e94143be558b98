package io.sessionstore.claude.view;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.api.Message;
import io.sessionstore.api.NotFoundException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.claude.view.ViewEntry.Kind;
import io.sessionstore.claude.view.ViewEntry.Notice;
import io.sessionstore.claude.view.ViewEntry.Source;
import io.sessionstore.spi.JsonStreams;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One pass over a session for {@link TranscriptView#entries}: reads the transcript as a stream, and
 * each sub-agent's transcript, also as a stream, where the session points at it. Holds the open
 * streams, the entries of one message, one turn's API messages and, per session, the ids of tool
 * calls awaiting their result, of API messages counted and of sub-transcripts not shown yet. Not
 * thread-safe.
 */
final class Walk implements Iterator<ViewEntry>, AutoCloseable {
  /** A sub-transcript to show at this point of the items of a message. */
  private record Link(String subpath) {}

  /** A transcript being read, and what comes after it in the one that called it. */
  private static final class Frame {
    final String subpath;
    final int depth;
    final Stream<Message> stream;
    final Iterator<Message> messages;
    final List<Object> after;
    final Source opener;
    long index;

    Frame(String subpath, int depth, Stream<Message> stream, List<Object> after, Source opener) {
      this.subpath = subpath;
      this.depth = depth;
      this.stream = stream;
      this.messages = stream.iterator();
      this.after = after;
      this.opener = opener;
    }
  }

  private final SessionStore store;
  private final SessionKey key;
  private final int resultLines;
  private final TokenCounter counter;
  private final ArrayDeque<Frame> frames = new ArrayDeque<>();
  private final ArrayDeque<ViewEntry> pending = new ArrayDeque<>();
  private final Set<String> notShown = new LinkedHashSet<>();
  private final List<String> runs = new ArrayList<>();
  private final Map<String, List<String>> byParentUuid = new HashMap<>();
  private final Map<String, String> callNames = new HashMap<>();
  private ViewEntry.Tokens total = ViewEntry.Tokens.NONE;
  private int turn;
  private boolean turnsOver;
  private boolean done;
  private Source last;

  Walk(SessionStore store, SessionKey key, int resultLines) {
    this.store = store;
    this.key = key;
    this.resultLines = resultLines;
    this.counter = new TokenCounter(store.priceTable());
    last = new Source(key.subpath(), 0, 0, null);
    frames.push(new Frame(key.subpath(), 0, store.streamMessages(key), List.of(), last));
    try {
      findSubTranscripts();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void findSubTranscripts() {
    if (!key.isSubpath()) {
      for (String subpath : store.listSubpaths(key)) {
        if (subpath.startsWith(SessionMetadata.RUNS_PREFIX)) {
          runs.add(subpath);
          continue;
        }
        notShown.add(subpath);
        // A sub-agent that was not called through a tool (prompt suggestions, say) starts with a
        // line whose parentUuid is the main transcript's line it followed.
        List<Message> first = store.loadMessages(key.withSubpath(subpath), 0, 1);
        String parent =
            first.isEmpty() ? null : Lines.text(Lines.parse(first.get(0).json()), "parentUuid");
        if (parent != null) {
          byParentUuid.computeIfAbsent(parent, p -> new ArrayList<>(1)).add(subpath);
        }
      }
    }
  }

  @Override
  public boolean hasNext() {
    while (pending.isEmpty() && !done) {
      step();
    }
    return !pending.isEmpty();
  }

  @Override
  public ViewEntry next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return pending.poll();
  }

  @Override
  public void close() {
    while (!frames.isEmpty()) {
      frames.pop().stream.close();
    }
  }

  private void step() {
    Frame f = frames.peek();
    if (f == null) {
      finish();
      return;
    }
    if (!f.messages.hasNext()) {
      frames.pop().stream.close();
      if (f.depth > 0) {
        pending.add(new ViewEntry.SubagentEnd(f.opener, f.subpath));
      }
      expand(f.after);
      return;
    }
    long index = f.index++;
    JsonNode line = Lines.parse(f.messages.next().json());
    Source s = new Source(f.subpath, index, f.depth, Lines.timestamp(line));
    last = f.depth == 0 ? s : last;
    List<Object> items = new ArrayList<>(2);
    read(line, s, items);
    counter.add(line);
    String uuid = Lines.text(line, "uuid");
    if (uuid != null && byParentUuid.containsKey(uuid)) {
      byParentUuid.remove(uuid).forEach(p -> items.add(new Link(p)));
    }
    expand(items);
  }

  /** Queues the items up to the first sub-transcript to show, and opens that. */
  private void expand(List<Object> items) {
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      if (item instanceof ViewEntry e) {
        if (e instanceof ViewEntry.Prompt p && p.source().depth() == 0) {
          endTurn();
        }
        pending.add(e);
      } else if (item instanceof Link link && notShown.remove(link.subpath())) {
        Frame caller = frames.peek();
        Source opener =
            caller == null
                ? last
                : new Source(caller.subpath, caller.index - 1, caller.depth, null);
        if (open(link.subpath(), true, opener, List.copyOf(items.subList(i + 1, items.size())))) {
          return;
        }
      }
    }
  }

  private boolean open(String subpath, boolean linked, Source opener, List<Object> after) {
    Stream<Message> messages;
    try {
      messages = store.streamMessages(key.withSubpath(subpath));
    } catch (NotFoundException e) {
      pending.add(new Notice(opener, Kind.SYSTEM, "sub-transcript " + subpath + " is gone", true));
      return false;
    }
    pending.add(new ViewEntry.SubagentStart(opener, subpath, linked));
    frames.push(new Frame(subpath, opener.depth() + 1, messages, after, opener));
    return true;
  }

  private void endTurn() {
    ViewEntry.Tokens t = counter.endTurn();
    total = total.plus(t);
    if (!t.isEmpty() && !turnsOver) {
      pending.add(new ViewEntry.TurnUsage(last, turn, t));
    }
    turn++;
  }

  /**
   * After the transcript: the last turn's usage, the sub-transcripts nothing pointed at, the runs
   * recorded beside the transcript, and the total.
   */
  private void finish() {
    if (!turnsOver) {
      endTurn();
      turnsOver = true;
    }
    Iterator<String> rest = notShown.iterator();
    if (rest.hasNext()) {
      String subpath = rest.next();
      rest.remove();
      open(subpath, false, new Source(null, last.messageIndex(), 0, null), List.of());
      return;
    }
    total = total.plus(counter.endTurn());
    for (String run : runs) {
      pending.add(
          new Notice(
              last,
              Kind.SYSTEM,
              "the output of a resumed run is kept as "
                  + run
                  + " (view it with --subpath "
                  + run
                  + ")",
              false));
    }
    if (!total.isEmpty()) {
      pending.add(new ViewEntry.TotalUsage(last, total));
    }
    done = true;
  }

  // ---- one line's entries ----

  private void read(JsonNode line, Source s, List<Object> items) {
    String type = Lines.text(line, "type");
    if (line == null || !line.isObject()) {
      items.add(new Notice(s, Kind.UNKNOWN, "[a line that is not a JSON object]", false));
    } else if (type == null) {
      items.add(new Notice(s, Kind.UNKNOWN, "[message without a type]", false));
    } else {
      switch (type) {
        case "user" -> user(line, s, items);
        case "assistant" -> assistant(line, s, items);
        case "system" -> items.add(system(line, s));
        case "result" -> items.add(result(line, s));
        case "summary" ->
            items.add(
                new Notice(
                    s,
                    Kind.SUMMARY,
                    Lines.brief(String.valueOf(Lines.text(line, "summary"))),
                    false));
        case "file-history-snapshot",
            "progress",
            "queue-operation",
            "stream_event",
            "last-prompt" ->
            items.add(new Notice(s, Kind.BOOKKEEPING, bookkeeping(type, line), false));
        default -> items.add(new Notice(s, Kind.UNKNOWN, "[unknown message: " + type + "]", false));
      }
    }
  }

  private void user(JsonNode line, Source s, List<Object> items) {
    boolean meta = line.path("isMeta").asBoolean(false);
    boolean compacted = line.path("isCompactSummary").asBoolean(false);
    JsonNode content = line.path("message").get("content");
    if (content != null && content.isTextual()) {
      items.add(userText(content.textValue(), meta, compacted, s));
      return;
    }
    if (content == null || !content.isArray() || content.isEmpty()) {
      items.add(new Notice(s, Kind.UNKNOWN, "[user message without content]", false));
      return;
    }
    boolean linked = false;
    for (JsonNode block : content) {
      String type = String.valueOf(Lines.text(block, "type"));
      switch (type) {
        case "text" ->
            items.add(userText(String.valueOf(Lines.text(block, "text")), meta, compacted, s));
        case "tool_result" -> {
          if (!linked) {
            // A Task tool's result names the agent whose transcript is subagents/agent-<id>.
            String agent = Lines.text(line.path("toolUseResult"), "agentId");
            agent = agent != null ? agent : Lines.text(line.path("tool_use_result"), "agentId");
            if (agent != null) {
              items.add(new Link("subagents/agent-" + agent));
            }
            linked = true;
          }
          items.add(toolResult(block, s));
        }
        case "image", "document" -> items.add(attachment(type, block, s));
        default -> items.add(new Notice(s, Kind.UNKNOWN, "[unknown block: " + type + "]", false));
      }
    }
  }

  private ViewEntry userText(String text, boolean meta, boolean compacted, Source s) {
    if (compacted) {
      return new Notice(
          s, Kind.COMPACTION, "summary of the conversation so far: " + Lines.brief(text), false);
    }
    if (text.startsWith("[Request interrupted by user")) {
      return new Notice(s, Kind.INTERRUPTED, Lines.brief(text.replaceAll("^\\[|]$", "")), false);
    }
    String wrapper = Lines.wrapper(text);
    if (wrapper != null) {
      return wrapped(wrapper, text, s);
    }
    if (meta) {
      return new Notice(s, Kind.META, Lines.brief(text), false);
    }
    return new ViewEntry.Prompt(s, s.depth() == 0 ? turn + 1 : turn, text);
  }

  private static Notice wrapped(String wrapper, String text, Source s) {
    return switch (wrapper) {
      case "command-name", "command-message", "command-args" -> {
        String name = Lines.inside(text, "command-name");
        String args = Lines.inside(text, "command-args");
        String command =
            name != null ? name : "/" + String.valueOf(Lines.inside(text, "command-message"));
        yield new Notice(
            s,
            Kind.COMMAND,
            Lines.brief(args == null || args.isBlank() ? command : command + " " + args),
            false);
      }
      case "bash-input" ->
          new Notice(s, Kind.COMMAND, "! " + Lines.brief(Lines.inside(text, wrapper)), false);
      case "local-command-stdout", "bash-stdout", "bash-stderr", "local-command-stderr" -> {
        String out = Lines.brief(Lines.untagged(text));
        yield new Notice(
            s,
            Kind.COMMAND_OUTPUT,
            out.isEmpty() ? "(no output)" : out,
            wrapper.endsWith("stderr") && Lines.inside(text, "bash-stdout") == null);
      }
      default -> new Notice(s, Kind.META, Lines.brief(Lines.untagged(text)), false);
    };
  }

  private ViewEntry toolResult(JsonNode block, Source s) {
    String id = Lines.text(block, "tool_use_id");
    String name = id == null ? null : callNames.remove(id);
    JsonNode content = block.get("content");
    StringBuilder text = new StringBuilder();
    if (content != null && content.isTextual()) {
      text.append(content.textValue());
    } else if (content != null && content.isArray()) {
      for (JsonNode part : content) {
        String type = String.valueOf(Lines.text(part, "type"));
        text.append(text.length() == 0 ? "" : "\n");
        text.append(
            type.equals("text") ? String.valueOf(Lines.text(part, "text")) : "[" + type + "]");
      }
    }
    List<String> lines = new ArrayList<>();
    long omittedLines = 0;
    long omittedChars = 0;
    int from = 0;
    int length = text.length();
    if (length > 0 && text.charAt(length - 1) == '\n') {
      length--;
    }
    while (from <= length && length > 0) {
      int end = text.indexOf("\n", from);
      end = end < 0 || end > length ? length : end;
      int lineEnd = end > from && text.charAt(end - 1) == '\r' ? end - 1 : end;
      if (lines.size() < resultLines) {
        String l = text.substring(from, lineEnd);
        String shown = Lines.cut(l, TranscriptView.MAX_LINE_CHARS);
        omittedChars += l.length() - (shown.length() - (shown.length() < l.length() ? 1 : 0));
        lines.add(shown);
      } else {
        omittedLines++;
        omittedChars += lineEnd - from;
      }
      from = end + 1;
    }
    return new ViewEntry.ToolResult(
        s, id, name, lines, omittedLines, omittedChars, block.path("is_error").asBoolean(false));
  }

  private static Notice attachment(String type, JsonNode block, Source s) {
    String media = Lines.text(block.path("source"), "media_type");
    String title = Lines.text(block, "title");
    String detail = title != null ? title : media;
    return new Notice(
        s,
        Kind.ATTACHMENT,
        "[" + type + (detail == null ? "" : ": " + Lines.brief(detail)) + "]",
        false);
  }

  private void assistant(JsonNode line, Source s, List<Object> items) {
    JsonNode message = line.path("message");
    String model = Lines.text(message, "model");
    JsonNode content = message.get("content");
    if (line.path("isApiErrorMessage").asBoolean(false)) {
      items.add(new Notice(s, Kind.SYSTEM, "API error: " + Lines.brief(textOf(content)), true));
      return;
    }
    if (content != null && content.isTextual()) {
      items.add(new ViewEntry.Answer(s, model, content.textValue()));
      return;
    }
    if (content == null || !content.isArray() || content.isEmpty()) {
      items.add(new Notice(s, Kind.UNKNOWN, "[assistant message without content]", false));
      return;
    }
    for (JsonNode block : content) {
      String type = String.valueOf(Lines.text(block, "type"));
      switch (type) {
        case "text" -> {
          String text = Lines.text(block, "text");
          items.add(
              text == null
                  ? new Notice(s, Kind.UNKNOWN, "[text block without text]", false)
                  : new ViewEntry.Answer(s, model, text));
        }
        case "thinking" ->
            items.add(new ViewEntry.Thinking(s, String.valueOf(Lines.text(block, "thinking"))));
        case "redacted_thinking" -> items.add(new ViewEntry.Thinking(s, ""));
        case "tool_use", "server_tool_use", "mcp_tool_use" -> {
          String name = Lines.text(block, "name");
          name = name == null ? "?" : name;
          String id = Lines.text(block, "id");
          if (id != null) {
            callNames.put(id, name);
          }
          JsonNode input = block.get("input");
          items.add(
              new ViewEntry.ToolCall(
                  s,
                  id,
                  name,
                  Lines.callSummary(name, input),
                  input == null
                      ? ""
                      : Lines.cut(JsonStreams.write(input), TranscriptView.MAX_INPUT_CHARS)));
        }
        default -> items.add(new Notice(s, Kind.UNKNOWN, "[unknown block: " + type + "]", false));
      }
    }
  }

  private static Notice system(JsonNode line, Source s) {
    String subtype = Lines.text(line, "subtype");
    boolean error = "error".equals(Lines.text(line, "level"));
    String content = Lines.text(line, "content");
    if (subtype == null) {
      return new Notice(
          s, Kind.SYSTEM, content == null ? "[system message]" : Lines.brief(content), error);
    }
    return switch (subtype) {
      case "init" -> {
        StringBuilder t = new StringBuilder("session started");
        append(t, " · ", Lines.text(line, "model"));
        append(t, " · ", Lines.text(line, "cwd"));
        append(t, " · Claude Code ", Lines.text(line, "claude_code_version"));
        if (line.path("tools").isArray()) {
          t.append(" · ").append(line.get("tools").size()).append(" tools");
        }
        yield new Notice(s, Kind.SYSTEM, Lines.brief(t.toString()), error);
      }
      case "compact_boundary" -> {
        JsonNode m = line.path("compactMetadata");
        StringBuilder t = new StringBuilder("conversation compacted");
        append(t, " (", Lines.text(m, "trigger"));
        if (m.path("preTokens").canConvertToLong()) {
          t.append(t.indexOf("(") < 0 ? " (" : ", ")
              .append(String.format("%,d", m.get("preTokens").longValue()))
              .append(" tokens before");
        }
        yield new Notice(s, Kind.COMPACTION, t.indexOf("(") < 0 ? t.toString() : t + ")", error);
      }
      case "local_command" -> {
        String wrapper = content == null ? null : Lines.wrapper(content);
        yield wrapper != null
            ? wrapped(wrapper, content, s)
            : new Notice(s, Kind.COMMAND, Lines.brief(String.valueOf(content)), error);
      }
      case "stop_hook_summary" -> {
        long hooks = line.path("hookCount").asLong(0);
        int errors = line.path("hookErrors").size();
        yield new Notice(
            s,
            Kind.SYSTEM,
            "stop hook: "
                + hooks
                + (hooks == 1 ? " hook" : " hooks")
                + (errors > 0 ? ", " + errors + " failed" : ""),
            errors > 0);
      }
      default ->
          new Notice(
              s,
              Kind.SYSTEM,
              Lines.brief(subtype + (content == null ? "" : ": " + content)),
              error || subtype.contains("error"));
    };
  }

  private static Notice result(JsonNode line, Source s) {
    boolean error = line.path("is_error").asBoolean(false);
    String content = Lines.text(line, "content");
    if (content != null) {
      return new Notice(s, Kind.RESULT, "result: " + Lines.brief(content), error);
    }
    StringBuilder t = new StringBuilder("result: ");
    t.append(
        Lines.text(line, "subtype") != null
            ? Lines.text(line, "subtype")
            : error ? "error" : "done");
    JsonNode turns = line.get("num_turns");
    if (turns != null && turns.canConvertToLong()) {
      t.append(" · ").append(turns.longValue()).append(turns.longValue() == 1 ? " turn" : " turns");
    }
    JsonNode ms = line.get("duration_ms");
    if (ms != null && ms.isNumber()) {
      t.append(String.format(" · %.1f s", ms.doubleValue() / 1000));
    }
    JsonNode cost = line.get("total_cost_usd");
    cost = cost != null && cost.isNumber() ? cost : line.get("cost_usd");
    if (cost != null && cost.isNumber()) {
      t.append(" · $").append(cost.decimalValue().toPlainString());
    }
    return new Notice(s, Kind.RESULT, t.toString(), error);
  }

  private static String bookkeeping(String type, JsonNode line) {
    String detail =
        switch (type) {
          case "progress" -> Lines.text(line.path("data"), "type");
          case "queue-operation" -> Lines.text(line, "operation");
          default -> null;
        };
    return detail == null ? type : type + ": " + detail;
  }

  private static void append(StringBuilder t, String separator, String value) {
    if (value != null && !value.isBlank()) {
      t.append(separator).append(value);
    }
  }

  private static String textOf(JsonNode content) {
    if (content != null && content.isTextual()) {
      return content.textValue();
    }
    StringBuilder t = new StringBuilder();
    if (content != null && content.isArray()) {
      for (JsonNode block : content) {
        String text = Lines.text(block, "text");
        t.append(text == null ? "" : text + " ");
      }
    }
    return t.toString();
  }
}
