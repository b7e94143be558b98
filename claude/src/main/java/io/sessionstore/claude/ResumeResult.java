package io.sessionstore.claude;

import io.sessionstore.api.Message;
import io.sessionstore.api.SessionKey;
import java.util.List;

/**
 * What a resume did.
 *
 * @param exitCode the Claude Code command's exit code
 * @param recordedInto where the printed messages were stored: the session itself for a stream-json
 *     session, a {@code runs/<n>} sub-transcript for a Claude Code transcript session
 * @param messages the messages the command printed, in order (those already stored included)
 * @param stored how many of them were stored (the others were already there)
 * @param rejected printed lines that were not JSON objects
 * @param pulled what was written for Claude Code before the run, for a transcript session; else
 *     null
 * @param transcript the import of the transcript as Claude Code left it after the run, for a
 *     transcript session; else null
 */
public record ResumeResult(
    int exitCode,
    SessionKey recordedInto,
    List<Message> messages,
    long stored,
    List<RecordResult.Rejection> rejected,
    PullResult pulled,
    TranscriptImportResult transcript) {

  public ResumeResult {
    messages = List.copyOf(messages);
    rejected = List.copyOf(rejected);
  }
}
