package io.sessionstore.api;

import java.util.List;

/**
 * What an import did, one count per outcome of an archive's session line.
 *
 * @param created sessions that did not exist and were created with the archive's timestamps
 * @param extended stored sessions whose messages were a prefix of the archive's: the rest was
 *     appended
 * @param unchanged stored sessions that already held everything the archive has
 * @param replaced diverged sessions replaced because {@link ImportOptions#replace()} was set
 * @param diverged sessions whose stored messages and archived ones differ; left unchanged
 * @param messages messages stored
 * @param rejected lines that were malformed or invalid; nothing of them was stored
 */
public record ImportResult(
    long created,
    long extended,
    long unchanged,
    long replaced,
    List<SessionKey> diverged,
    long messages,
    List<Rejection> rejected) {

  public ImportResult {
    diverged = List.copyOf(diverged);
    rejected = List.copyOf(rejected);
  }

  /**
   * A line of the archive that was not imported.
   *
   * @param line its line number, from 1
   * @param reason why, in one line
   */
  public record Rejection(long line, String reason) {}
}
