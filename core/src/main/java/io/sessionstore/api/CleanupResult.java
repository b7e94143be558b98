package io.sessionstore.api;

import java.util.List;

/**
 * What a cleanup removed, or would remove in a dry run.
 *
 * @param removed the metadata of each session removed (with its sub-transcripts)
 * @param dryRun whether nothing was actually removed
 */
public record CleanupResult(List<SessionMetadata> removed, boolean dryRun) {
  public CleanupResult {
    removed = List.copyOf(removed);
  }

  public int count() {
    return removed.size();
  }
}
