package io.sessionstore.claude.view;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A stored conversation as a person reads it: {@link #entries(SessionKey)} turns a session's
 * messages — Claude Code transcript lines or stream-json messages, of any version — into {@link
 * ViewEntry} values, in order:
 *
 * <ul>
 *   <li>prompts a person typed (each starts a turn), the assistant's text and thinking, tool calls
 *       with the input that matters, and tool results cut to their first lines;
 *   <li>a sub-agent's transcript ({@code subagents/…}) at the point it ran: after the result line
 *       of the {@code Task} call that names it ({@code toolUseResult.agentId}), or after the line
 *       its first line names as {@code parentUuid}; sub-transcripts nothing points at come after
 *       the conversation;
 *   <li>system lines, commands, meta and bookkeeping lines as short notices, and any message or
 *       block of an unknown type as a generic one ({@code [unknown block: foo]}), never an error;
 *   <li>after each turn its tokens and cost, and at the end the whole conversation's.
 * </ul>
 *
 * <p>Messages are read as a stream, so a session of any length is viewed in bounded memory (one
 * message at a time, one turn's API messages, the ids of pending tool calls and counted API
 * messages). Immutable and thread-safe; each stream of entries is used by one thread.
 */
public final class TranscriptView {
  /** Lines of a tool result shown unless told otherwise. */
  public static final int DEFAULT_RESULT_LINES = 10;

  /** A shown line of a tool result is cut to this many characters. */
  public static final int MAX_LINE_CHARS = 1_000;

  /** A tool call's input (and its summary) is cut to this many characters. */
  public static final int MAX_INPUT_CHARS = 2_000;

  private final SessionStore store;
  private final int resultLines;

  private TranscriptView(SessionStore store, int resultLines) {
    this.store = Objects.requireNonNull(store, "store is null");
    if (resultLines < 0) {
      throw new IllegalArgumentException("resultLines is negative: " + resultLines);
    }
    this.resultLines = resultLines;
  }

  /**
   * A view of the store's sessions showing {@value #DEFAULT_RESULT_LINES} lines of each tool
   * result, pricing tokens with the store's {@link SessionStore#priceTable() price table}.
   */
  public static TranscriptView of(SessionStore store) {
    return new TranscriptView(store, DEFAULT_RESULT_LINES);
  }

  /** The same view showing up to {@code lines} lines of each tool result. */
  public TranscriptView withResultLines(int lines) {
    return new TranscriptView(store, lines);
  }

  /** How many lines of a tool result are shown. */
  public int resultLines() {
    return resultLines;
  }

  /**
   * The entries of a session, or of one sub-transcript when the key has a subpath (then without
   * other sub-transcripts). The stream reads the store as it is consumed; close it.
   *
   * @throws io.sessionstore.api.NotFoundException when the transcript does not exist
   */
  public Stream<ViewEntry> entries(SessionKey key) {
    Walk walk = new Walk(store, Objects.requireNonNull(key, "key is null"), resultLines);
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(walk, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(walk::close);
  }
}
