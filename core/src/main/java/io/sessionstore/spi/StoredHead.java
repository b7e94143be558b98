package io.sessionstore.spi;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.internal.ApiBridge;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a backend stores about one transcript besides its messages. The core computes it; a backend
 * stores it as it is and gives it back ({@link HeadCodec} turns it into one line of JSON for
 * backends that store text).
 *
 * @param key the transcript's key
 * @param metadata the metadata; for a sub-transcript its own counts. {@code metadata.version()} is
 *     the version a {@link Commit} compares against, {@code metadata.messageCount()} the number of
 *     committed messages.
 * @param generation identifies the current list of messages: it changes when the list is replaced
 *     (a save), not when messages are appended. A backend may use it to name where the messages
 *     live.
 * @param derivation core-owned state for deriving metadata incrementally: store it verbatim, never
 *     interpret it
 */
public record StoredHead(
    SessionKey key, SessionMetadata metadata, long generation, String derivation) {
  public StoredHead {
    Objects.requireNonNull(key, "key is null");
    Objects.requireNonNull(metadata, "metadata is null");
    Objects.requireNonNull(derivation, "derivation is null");
  }

  /**
   * The head of a transcript that another tool wrote (for example the Claude Agent SDK's S3 session
   * store), for a backend that adopts it: metadata derived from the messages as the store derives
   * it, version 1, a new generation.
   *
   * @param messages the transcript's messages, each one JSON object on one line
   * @param createdAt when the transcript was started, as well as the backend can tell
   * @param updatedAt when it was last written to
   * @param attributes the session's attributes (for example {@code format}, when the layout says
   *     what it holds)
   * @throws io.sessionstore.api.InvalidInputException when a message is not a JSON object
   */
  public static StoredHead derive(
      SessionKey key,
      List<String> messages,
      Instant createdAt,
      Instant updatedAt,
      Map<String, String> attributes) {
    return ApiBridge.deriveHead(key, messages, createdAt, updatedAt, attributes);
  }

  /**
   * This head after messages that another tool appended to the transcript, for a backend that
   * adopts them: metadata updated from the new messages alone, the next version, the same
   * generation.
   *
   * @throws io.sessionstore.api.InvalidInputException when a message is not a JSON object
   */
  public StoredHead extend(List<String> messages, Instant updatedAt) {
    return ApiBridge.extendHead(this, messages, updatedAt);
  }

  /**
   * The version of this state; {@code 0} is never stored (it means "absent" in a {@link Commit}).
   */
  public long version() {
    return metadata.version();
  }

  public long messageCount() {
    return metadata.messageCount();
  }
}
