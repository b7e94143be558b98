package io.sessionstore.claude;

import io.sessionstore.api.SessionKey;
import java.nio.file.Path;
import java.util.List;

/**
 * What an import of Claude Code transcripts did.
 *
 * @param files transcript files found (sessions' and sub-agents')
 * @param filesRead files opened and read, whole or from where an earlier import stopped; an import
 *     that remembers what it stored reads none of the files that have not changed since
 * @param bytesRead bytes read from transcript files
 * @param created sessions that were not stored before
 * @param extended stored sessions whose transcripts had grown: the new lines were appended
 * @param unchanged stored sessions that already held every line
 * @param diverged sessions whose stored lines are not the start of the file's; left unchanged
 * @param linesStored lines stored
 * @param linesSkipped valid lines already stored (of a file not read again, as the earlier import
 *     counted them)
 * @param linesPending last lines without their newline, still being written: left for the next
 *     import
 * @param rejected lines that are not JSON objects (or files that could not be read); nothing of
 *     them is stored. Those of a file not read again are reported again, as the earlier import
 *     found them
 */
public record TranscriptImportResult(
    long files,
    long filesRead,
    long bytesRead,
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
