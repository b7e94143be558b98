package io.sessionstore.api;

import java.time.Instant;

/**
 * One message of a session that a full-text query matched.
 *
 * @param subpath the sub-transcript the message is in, or null for the session's main transcript
 * @param messageIndex the message's place in its transcript, from 0
 * @param role who said it: {@code user} (a prompt), {@code assistant} (its text, thinking and tool
 *     calls), {@code tool} (a tool's result) or {@code system}
 * @param timestamp the message's own {@code timestamp}, or null when it has none
 * @param snippet the passage that matched, the matched words as they are in the message between
 *     {@value #MARK_START} and {@value #MARK_END}
 */
public record TextMatch(
    String subpath, long messageIndex, String role, Instant timestamp, String snippet) {
  public static final String MARK_START = "«";
  public static final String MARK_END = "»";
}
