package io.sessionstore.claude;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import java.util.List;

/**
 * What a {@link Recorder} stored.
 *
 * @param key the session recorded into, or null when nothing named one (nothing was stored then)
 * @param stored messages stored
 * @param skipped messages already in the session (same {@code uuid}, same bytes)
 * @param rejected lines that were not JSON objects; skipped, everything else was stored
 * @param metadata the session's metadata at the end, or null when nothing was stored
 */
public record RecordResult(
    SessionKey key, long stored, long skipped, List<Rejection> rejected, SessionMetadata metadata) {

  public RecordResult {
    rejected = List.copyOf(rejected);
  }

  /**
   * A line that was not recorded.
   *
   * @param line its number, from 1, counting every line fed
   * @param reason why, in one line
   */
  public record Rejection(long line, String reason) {}
}
