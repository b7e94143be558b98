package io.sessionstore.api;

import java.util.Map;
import java.util.Set;

/**
 * Options of {@link SessionStore#saveSession}. A null field leaves what is stored as it is (or
 * empty, for a new session).
 *
 * @param tags the session's tags after the save, replacing any it had
 * @param summary the session's summary after the save
 * @param attributes attributes to set (added to those the session has)
 * @param expectedVersion the version the caller last saw; a save over any other version fails with
 *     a {@link ConflictException}. {@code 0} means "the session must not exist yet". Null: save
 *     whatever is stored.
 */
public record SaveOptions(
    Set<String> tags, String summary, Map<String, String> attributes, Long expectedVersion) {
  public static final SaveOptions NONE = new SaveOptions(null, null, null, null);

  public SaveOptions {
    if (tags != null) {
      tags = Set.copyOf(tags);
      Checks.tags(tags);
    }
    Checks.summary(summary);
    if (attributes != null) {
      Checks.attributes(attributes);
      attributes = Map.copyOf(attributes);
    }
    if (expectedVersion != null && expectedVersion < 0) {
      throw new InvalidInputException(
          "Invalid expected version " + expectedVersion + ": it is negative");
    }
  }

  public static SaveOptions tags(String... tags) {
    return new SaveOptions(
        new java.util.LinkedHashSet<>(java.util.Arrays.asList(tags)), null, null, null);
  }

  public SaveOptions withSummary(String summary) {
    return new SaveOptions(tags, summary, attributes, expectedVersion);
  }

  public SaveOptions withAttributes(Map<String, String> attributes) {
    return new SaveOptions(tags, summary, attributes, expectedVersion);
  }

  public SaveOptions withExpectedVersion(long version) {
    return new SaveOptions(tags, summary, attributes, version);
  }
}
