package io.sessionstore.api;

import java.util.Set;

/**
 * Options of {@link SessionStore#recorder(RecordOptions)}.
 *
 * @param project the project to record into, or null for the store's default project
 * @param sessionId the session to record into, or null to take the {@code session_id} of the stream's first
 *     {@code system}/{@code init} message
 * @param subpath the sub-transcript to record into (with a session id), or null for the session's transcript
 * @param tags tags to add to the session
 * @param summary the session's summary, or null to leave it as it is
 */
public record RecordOptions(String project, String sessionId, String subpath, Set<String> tags, String summary) {
  public static final RecordOptions DEFAULTS = new RecordOptions(null, null, null, Set.of(), null);

  public RecordOptions {
    tags = tags == null ? Set.of() : Set.copyOf(tags);
    Checks.tags(tags);
    Checks.summary(summary);
    if (subpath != null && sessionId == null) {
      throw new InvalidInputException("Cannot record into subpath " + subpath + " of no session: give a session id");
    }
    if (subpath != null && (!tags.isEmpty() || summary != null)) {
      throw new InvalidInputException("Cannot tag or describe subpath " + subpath + ": tags and summary belong to "
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
