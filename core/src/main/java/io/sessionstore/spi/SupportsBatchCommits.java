package io.sessionstore.spi;

import io.sessionstore.api.ConflictException;
import java.util.List;

/**
 * A backend that makes the commits of many sessions durable together (group commit): a bulk import
 * hands it the sessions it has ready in one call, so a batch costs what one session costs (on the
 * file backend one forced write of the new sessions' bytes and one of the index) and no thread
 * waits for a forced write per session.
 */
public interface SupportsBatchCommits extends SupportsAtomicCommits {
  /**
   * Applies each session's commits as {@link #commitAll} applies them, every session on its own:
   * one whose check fails is left unchanged and the others are applied. Durable when it returns.
   *
   * @param sessions for each session, commits of distinct transcripts of it; no session twice
   * @return for each session in turn, {@code null} when its commits were applied, or the conflict
   *     that left it unchanged
   * @throws io.sessionstore.api.BackendUnavailableException when the storage failed; any session of
   *     the batch may then be applied or not, each whole
   * @throws IllegalArgumentException when a session's commits are not for distinct transcripts of
   *     it, or a session is given twice
   */
  List<ConflictException> commitSessions(List<List<Commit>> sessions);
}
