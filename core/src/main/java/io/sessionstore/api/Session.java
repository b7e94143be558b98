package io.sessionstore.api;

import java.util.List;
import java.util.Objects;

/**
 * A transcript and what the store knows about its session.
 *
 * @param metadata the session's metadata at the time the messages were read
 * @param messages the transcript's messages in the order they were accepted
 */
public record Session(SessionMetadata metadata, List<Message> messages) {
  public Session {
    Objects.requireNonNull(metadata, "metadata is null");
    messages = List.copyOf(messages);
  }
}
