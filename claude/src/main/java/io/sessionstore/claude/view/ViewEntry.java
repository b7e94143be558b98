package io.sessionstore.claude.view;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One thing a person reads in a conversation, as {@link TranscriptView} finds it. Every entry says
 * where it comes from ({@link Source}); strings are the transcript's own, not escaped for any
 * output (the renderers do that). Immutable.
 */
public sealed interface ViewEntry {

  /** The message an entry comes from, and how deep in sub-agents it sits. */
  Source source();

  /**
   * Where an entry comes from.
   *
   * @param subpath the sub-transcript holding the message, or null for the main transcript
   * @param messageIndex the message's position in its transcript, from 0
   * @param depth 0 in the main transcript, 1 inside a sub-agent it called, and so on
   * @param timestamp the message's {@code timestamp}, or null when it has none (stream-json)
   */
  record Source(String subpath, long messageIndex, int depth, Instant timestamp) {}

  /**
   * A prompt a person typed. At depth 0 it starts a turn; inside a sub-agent it is the task the
   * agent was given.
   *
   * @param turn the turn it starts, from 1 (at depth 0), else the turn it belongs to
   */
  record Prompt(Source source, int turn, String text) implements ViewEntry {
    public Prompt {
      Objects.requireNonNull(text, "text is null");
    }
  }

  /** Text the assistant wrote, with the model that wrote it (or null). */
  record Answer(Source source, String model, String text) implements ViewEntry {
    public Answer {
      Objects.requireNonNull(text, "text is null");
    }
  }

  /** The assistant's thinking (empty when the model redacted it). Renderers fold it. */
  record Thinking(Source source, String text) implements ViewEntry {
    public Thinking {
      Objects.requireNonNull(text, "text is null");
    }
  }

  /**
   * A tool the assistant called.
   *
   * @param id the {@code tool_use} id, or null
   * @param name the tool's name
   * @param summary the input that matters to a reader: the command of {@code Bash}, the file of
   *     {@code Read}/{@code Write}/{@code Edit}, the pattern of {@code Grep}/{@code Glob}, the URL,
   *     query or task description …, else the input as compact JSON (cut)
   * @param input the whole input as compact JSON, cut to {@link TranscriptView#MAX_INPUT_CHARS}
   */
  record ToolCall(Source source, String id, String name, String summary, String input)
      implements ViewEntry {
    public ToolCall {
      Objects.requireNonNull(name, "name is null");
      Objects.requireNonNull(summary, "summary is null");
      Objects.requireNonNull(input, "input is null");
    }
  }

  /**
   * What a tool returned: its first lines, and how much was left out.
   *
   * @param toolUseId the {@code tool_use_id}, or null
   * @param toolName the name of the call it answers when that call was seen, else null
   * @param lines the first lines (each cut to {@link TranscriptView#MAX_LINE_CHARS})
   * @param omittedLines lines left out after them
   * @param omittedChars characters left out, of those lines and of cut lines
   * @param error whether the tool reported an error ({@code is_error})
   */
  record ToolResult(
      Source source,
      String toolUseId,
      String toolName,
      List<String> lines,
      long omittedLines,
      long omittedChars,
      boolean error)
      implements ViewEntry {
    public ToolResult {
      lines = List.copyOf(lines);
    }
  }

  /** What kind of line a {@link Notice} stands for. */
  enum Kind {
    /** A system message: a session's start, a hook's summary, an API error, … */
    SYSTEM,
    /** A slash command or shell command a person ran ({@code /exit}, {@code ! ls}). */
    COMMAND,
    /** What such a command printed. */
    COMMAND_OUTPUT,
    /** A line Claude Code adds for the model, not typed by a person ({@code isMeta}). */
    META,
    /** The person interrupted the assistant. */
    INTERRUPTED,
    /** An image or document attached to a message. */
    ATTACHMENT,
    /** The conversation was compacted, or this is the summary it was compacted into. */
    COMPACTION,
    /** A {@code summary} line. */
    SUMMARY,
    /** The end of a stream-json run ({@code result}). */
    RESULT,
    /** Claude Code's bookkeeping (file snapshots, progress, queue operations). */
    BOOKKEEPING,
    /** A message or block of a type this version does not know. */
    UNKNOWN
  }

  /**
   * A line that is not conversation, shown short: a system line, a command, a meta line, an
   * interruption, a compaction, a run's result, bookkeeping, or an unknown type ({@code [unknown
   * block: foo]}).
   *
   * @param error whether it reports a failure
   */
  record Notice(Source source, Kind kind, String text, boolean error) implements ViewEntry {
    public Notice {
      Objects.requireNonNull(kind, "kind is null");
      Objects.requireNonNull(text, "text is null");
    }
  }

  /**
   * A sub-agent's transcript begins here; its entries follow at {@code source().depth() + 1}, until
   * the matching {@link SubagentEnd}.
   *
   * @param subpath the sub-transcript
   * @param linked whether it was found at the point it was called; false for sub-transcripts shown
   *     at the end because nothing in the session points at them
   */
  record SubagentStart(Source source, String subpath, boolean linked) implements ViewEntry {}

  /** The end of a sub-agent's transcript. */
  record SubagentEnd(Source source, String subpath) implements ViewEntry {}

  /**
   * The tokens and cost of one turn (a prompt and everything until the next one, sub-agents
   * included), after its last entry.
   *
   * @param turn the turn, from 1; 0 for what came before the first prompt
   */
  record TurnUsage(Source source, int turn, Tokens tokens) implements ViewEntry {}

  /** The tokens and cost of the whole conversation, its last entry. */
  record TotalUsage(Source source, Tokens tokens) implements ViewEntry {}

  /**
   * Tokens, counting each API message once (the line with the most tokens), and their cost:
   * reported where the data reports it, else estimated with the store's price table.
   *
   * @param unpriced whether some tokens had neither a reported cost nor a price (then {@code
   *     costUsd} leaves them out)
   */
  record Tokens(
      long inputTokens,
      long outputTokens,
      long cacheCreationTokens,
      long cacheReadTokens,
      BigDecimal costUsd,
      boolean unpriced) {
    /** No tokens, no cost. */
    public static final Tokens NONE = new Tokens(0, 0, 0, 0, BigDecimal.ZERO, false);

    public Tokens {
      Objects.requireNonNull(costUsd, "costUsd is null");
    }

    /** All tokens together. */
    public long total() {
      return inputTokens + outputTokens + cacheCreationTokens + cacheReadTokens;
    }

    /** Whether there is nothing to show. */
    public boolean isEmpty() {
      return total() == 0 && costUsd.signum() == 0 && !unpriced;
    }

    /** The sum of both. */
    public Tokens plus(Tokens o) {
      return new Tokens(
          inputTokens + o.inputTokens,
          outputTokens + o.outputTokens,
          cacheCreationTokens + o.cacheCreationTokens,
          cacheReadTokens + o.cacheReadTokens,
          costUsd.add(o.costUsd),
          unpriced || o.unpriced);
    }
  }
}
