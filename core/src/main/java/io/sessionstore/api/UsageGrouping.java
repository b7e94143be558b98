package io.sessionstore.api;

import java.util.Locale;
import java.util.Objects;

/**
 * How a usage report groups sessions.
 *
 * @param kind what the rows are
 * @param attribute the attribute whose values the rows are, for {@link Kind#ATTRIBUTE}; else null
 */
public record UsageGrouping(Kind kind, String attribute) {
  /** What the rows of a report are. */
  public enum Kind {
    /**
     * Days, in the report's time zone: a session counts on each day its messages used tokens, with
     * that day's share (usage stored before the store kept it per hour: on the day the session
     * started). Key {@code date}.
     */
    DAY,
    /** Weeks from Monday, split as days are: key {@code date}, the Monday. */
    WEEK,
    /** Months, split as days are: key {@code date}, {@code YYYY-MM}. */
    MONTH,
    /** Sessions: keys {@code project} and {@code sessionId}. */
    SESSION,
    /** Projects: key {@code project}. */
    PROJECT,
    /** Models (each session's per-model usage): key {@code model}. */
    MODEL,
    /** Tags (a session with several counts in each): key {@code tag}, null for untagged ones. */
    TAG,
    /** Git branches (the {@code gitBranch} attribute): key {@code branch}. */
    BRANCH,
    /** The values of one attribute: key {@code value}. */
    ATTRIBUTE
  }

  public static final UsageGrouping DAY = new UsageGrouping(Kind.DAY, null);
  public static final UsageGrouping SESSION = new UsageGrouping(Kind.SESSION, null);

  public UsageGrouping {
    Objects.requireNonNull(kind, "kind is null");
    if ((kind == Kind.ATTRIBUTE) != (attribute != null && !attribute.isEmpty())) {
      throw new InvalidInputException(
          "Invalid grouping: an attribute is named for attr:KEY, and only for it");
    }
  }

  /**
   * A grouping by its name: {@code day}, {@code week}, {@code month}, {@code session}, {@code
   * project}, {@code model}, {@code tag}, {@code branch} or {@code attr:KEY}.
   *
   * @throws InvalidInputException for any other name
   */
  public static UsageGrouping parse(String name) {
    String n = name == null ? "" : name.strip();
    if (n.startsWith("attr:")) {
      String key = n.substring("attr:".length());
      if (key.isEmpty()) {
        throw new InvalidInputException(
            "Invalid grouping 'attr:': name the attribute (attr:ticket)");
      }
      return new UsageGrouping(Kind.ATTRIBUTE, key);
    }
    for (Kind k : Kind.values()) {
      if (k != Kind.ATTRIBUTE && k.name().toLowerCase(Locale.ROOT).equals(n)) {
        return new UsageGrouping(k, null);
      }
    }
    throw new InvalidInputException(
        "Invalid grouping '"
            + name
            + "': expected day, week, month, session, project, model, tag, branch or attr:KEY");
  }

  /**
   * The names of a report row's key fields for this grouping, in order: {@code date}; {@code
   * project} and {@code sessionId}; {@code project}; {@code model}; {@code tag}; {@code branch}; or
   * {@code value} for an attribute.
   */
  public java.util.List<String> keyNames() {
    return switch (kind) {
      case DAY, WEEK, MONTH -> java.util.List.of("date");
      case SESSION -> java.util.List.of("project", "sessionId");
      case PROJECT -> java.util.List.of("project");
      case MODEL -> java.util.List.of("model");
      case TAG -> java.util.List.of("tag");
      case BRANCH -> java.util.List.of("branch");
      case ATTRIBUTE -> java.util.List.of("value");
    };
  }

  @Override
  public String toString() {
    return kind == Kind.ATTRIBUTE ? "attr:" + attribute : kind.name().toLowerCase(Locale.ROOT);
  }
}
