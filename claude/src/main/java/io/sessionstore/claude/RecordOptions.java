package io.sessionstore.claude;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.SessionKey;
import java.util.Set;

/**
 * Options of {@link Recorder#of(io.sessionstore.api.SessionStore, RecordOptions)}.
 *
 * @param project the project to record into, or null for the store's default project
 * @param sessionId the session to record into, or null to take the {@code session_id} of the
 *     stream's first {@code system}/{@code init} message
 * @param subpath the sub-transcript to record into (with a session id), or null for the session's
 *     transcript
 * @param tags tags to add to the session
 * @param summary the session's summary, or null to leave it as it is
 */
public record RecordOptions(
    String project, String sessionId, String subpath, Set<String> tags, String summary) {
  public static final RecordOptions DEFAULTS = new RecordOptions(null, null, null, Set.of(), null);

  public RecordOptions {
    tags = tags == null ? Set.of() : Set.copyOf(tags);
    // Tags and summary are checked as a save checks them.
    new SaveOptions(tags, summary, null, null);
    if (subpath != null && sessionId == null) {
      throw new InvalidInputException(
          "Cannot record into subpath " + subpath + " of no session: give a session id");
    }
    if (subpath != null && (!tags.isEmpty() || summary != null)) {
      throw new InvalidInputException(
          "Cannot tag or describe subpath "
              + subpath
              + ": tags and summary belong to "
              + "the session");
    }
  }

  /** Recording into the given transcript, whatever session the stream names. */
  public static RecordOptions into(SessionKey key) {
    return new RecordOptions(key.project(), key.sessionId(), key.subpath(), Set.of(), null);
  }

  /** Recording into the default project, with tags and a summary for the session. */
  public static RecordOptions tagged(String sessionId, Set<String> tags, String summary) {
    return new RecordOptions(null, sessionId, null, tags, summary);
  }
}
