package io.sessionstore.spi;

import java.util.List;

/**
 * A backend that can apply several commits to the transcripts of one session as one. The core then
 * changes a sub-transcript together with its session's head (which lists the sub-transcripts and
 * counts the cost of the {@code runs/*} ones) and imports a session with all its sub-transcripts in
 * one step, so a crash leaves every session in its old state or its new one. Without it, the
 * session's head follows in a second commit, and a crash in between is repaired by the next write
 * or import of that sub-transcript.
 */
public interface SupportsAtomicCommits {
  /**
   * Applies the commits, each to another transcript of the same session, atomically: all of them or
   * none, also across a crash, and durable when it returns. Each is checked as {@link
   * StorageBackend#commit} checks it.
   *
   * @throws io.sessionstore.api.ConflictException when any commit's check fails; nothing is changed
   * @throws IllegalArgumentException when the commits are not for distinct transcripts of one
   *     session
   */
  void commitAll(List<Commit> commits);
}
