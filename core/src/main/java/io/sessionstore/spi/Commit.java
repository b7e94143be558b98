package io.sessionstore.spi;

import java.util.List;
import java.util.Objects;

/**
 * One atomic change of one transcript, applied by {@link StorageBackend#commit(Commit)} only when
 * the transcript's stored version is still {@link #expectedVersion()}.
 *
 * @param kind what happens to the messages
 * @param expectedVersion the version the core read; {@code 0} means the transcript must not exist
 * @param messages the messages to append or to replace the transcript with, each the exact JSON
 *     text of one message (one line, no line terminator); empty for {@link Kind#METADATA}
 * @param head the transcript's new head, whose version is {@code expectedVersion + 1}
 */
public record Commit(Kind kind, long expectedVersion, List<String> messages, StoredHead head) {
  /** What a commit does to a transcript's messages. */
  public enum Kind {
    /** Add the messages after the stored ones; the generation stays. */
    APPEND,
    /** Replace every stored message with these; the head carries a new generation. */
    REPLACE,
    /** Leave the messages alone; only the head changes. */
    METADATA
  }

  public Commit {
    Objects.requireNonNull(kind, "kind is null");
    Objects.requireNonNull(head, "head is null");
    messages = List.copyOf(messages);
    if (head.version() != expectedVersion + 1) {
      throw new IllegalArgumentException("A commit's head must have version expectedVersion + 1");
    }
    if (kind == Kind.METADATA && !messages.isEmpty()) {
      throw new IllegalArgumentException("A metadata commit carries no messages");
    }
  }
}
