package io.sessionstore.claude;

import java.nio.file.Path;
import java.util.List;

/**
 * What a pull wrote.
 *
 * @param transcript the session's transcript file, where Claude Code looks for it
 * @param written files written
 * @param unchanged files that already held the stored lines (or, when resuming, more lines that
 *     start with them)
 */
public record PullResult(Path transcript, List<Path> written, List<Path> unchanged) {
  public PullResult {
    written = List.copyOf(written);
    unchanged = List.copyOf(unchanged);
  }
}
