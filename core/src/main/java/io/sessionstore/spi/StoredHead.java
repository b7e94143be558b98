package io.sessionstore.spi;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import java.util.Objects;

/**
 * What a backend stores about one transcript besides its messages. The core computes it; a backend stores it as
 * it is and gives it back ({@link HeadCodec} turns it into one line of JSON for backends that store text).
 *
 * @param key the transcript's key
 * @param metadata the metadata; for a sub-transcript its own counts. {@code metadata.version()} is the version a
 *     {@link Commit} compares against, {@code metadata.messageCount()} the number of committed messages.
 * @param generation identifies the current list of messages: it changes when the list is replaced (a save), not
 *     when messages are appended. A backend may use it to name where the messages live.
 * @param derivation core-owned state for deriving metadata incrementally: store it verbatim, never interpret it
 */
public record StoredHead(SessionKey key, SessionMetadata metadata, long generation, String derivation) {
  public StoredHead {
    Objects.requireNonNull(key, "key is null");
    Objects.requireNonNull(metadata, "metadata is null");
    Objects.requireNonNull(derivation, "derivation is null");
  }

  /** The version of this state; {@code 0} is never stored (it means "absent" in a {@link Commit}). */
  public long version() {
    return metadata.version();
  }

  public long messageCount() {
    return metadata.messageCount();
  }
}
