package io.sessionstore.claude;

import io.sessionstore.api.SessionKey;
import java.nio.file.Path;
import java.util.List;

/**
 * What an import of Claude Code transcripts did.
 *
 * @param files transcript files read (sessions' and sub-agents')
 * @param created sessions that were not stored before
 * @param extended stored sessions whose transcripts had grown: the new lines were appended
 * @param unchanged stored sessions that already held every line
 * @param diverged sessions whose stored lines are not the start of the file's; left unchanged
 * @param linesStored lines stored
 * @param linesSkipped valid lines already stored
 * @param linesPending last lines without their newline, still being written: left for the next
 *     import
 * @param rejected lines that are not JSON objects (or files that could not be read); nothing of
 *     them is stored
 */
public record TranscriptImportResult(
    long files,
    long created,
    long extended,
    long unchanged,
    List<SessionKey> diverged,
    long linesStored,
    long linesSkipped,
    long linesPending,
    List<Rejection> rejected) {

  public TranscriptImportResult {
    diverged = List.copyOf(diverged);
    rejected = List.copyOf(rejected);
  }

  /** Sessions seen, whatever became of them. */
  public long sessions() {
    return created + extended + unchanged + diverged.size();
  }

  /**
   * A line (or a whole file, as line 0) that was not imported.
   *
   * @param file the transcript file
   * @param line the line's number, from 1; 0 for the whole file
   * @param reason why, in one line
   */
  public record Rejection(Path file, long line, String reason) {
    @Override
    public String toString() {
      return file + ":" + line + ": " + reason;
    }
  }
}
