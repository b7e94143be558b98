package io.sessionstore.api;

import java.util.List;

/**
 * What {@link SessionStore#migrateTo} did, one count per session.
 *
 * @param copied sessions created or extended in the target, then verified
 * @param skipped sessions the target already held
 * @param diverged sessions whose messages differ between the two stores; left unchanged
 * @param failed sessions that could not be copied or did not verify
 * @param messages messages stored in the target
 */
public record MigrationResult(
    long copied, long skipped, List<SessionKey> diverged, List<Failure> failed, long messages) {

  public MigrationResult {
    diverged = List.copyOf(diverged);
    failed = List.copyOf(failed);
  }

  /**
   * A session that was not copied.
   *
   * @param key the session
   * @param reason why, in one line
   */
  public record Failure(SessionKey key, String reason) {}
}
