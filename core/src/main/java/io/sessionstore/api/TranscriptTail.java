package io.sessionstore.api;

import java.util.List;
import java.util.Objects;

/**
 * What follows the messages a transcript held when its caller last looked, for {@link
 * SessionStore#importSessionTail}: the messages are appended as they are if the transcript is still
 * at that version and holds that many messages.
 *
 * @param expectedVersion the transcript's {@link SessionMetadata#version() version} the caller saw;
 *     {@code 0}: the transcript does not exist yet and is created with the messages
 * @param expectedMessageCount how many messages it held then ({@code 0} when it did not exist)
 * @param messages the messages that follow those, in order; may be empty
 */
public record TranscriptTail(
    long expectedVersion, long expectedMessageCount, List<Message> messages) {
  public TranscriptTail {
    Objects.requireNonNull(messages, "messages is null");
    messages = List.copyOf(messages);
    if (expectedVersion < 0 || expectedMessageCount < 0) {
      throw new InvalidInputException(
          "Invalid transcript tail: expected version "
              + expectedVersion
              + " and message count "
              + expectedMessageCount
              + " must not be negative");
    }
    if (expectedVersion == 0 && expectedMessageCount != 0) {
      throw new InvalidInputException(
          "Invalid transcript tail: a transcript that does not exist (version 0) holds no messages,"
              + " not "
              + expectedMessageCount);
    }
  }

  /** The tail of a transcript that does not exist yet: it is created with these messages. */
  public static TranscriptTail create(List<Message> messages) {
    return new TranscriptTail(0, 0, messages);
  }
}
