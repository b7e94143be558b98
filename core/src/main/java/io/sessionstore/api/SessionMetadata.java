package io.sessionstore.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the store knows about a session without reading its messages. Derived incrementally on every
 * write.
 *
 * @param project the session's project (the key's, not any id inside the messages)
 * @param sessionId the session's id (the key's)
 * @param createdAt when the session was first stored (or the archive's / transcript's time on
 *     import)
 * @param updatedAt when it last changed; never moves backwards
 * @param messageCount number of stored messages of the main transcript (sub-transcripts not
 *     counted)
 * @param totalCostUsd what the session cost, its sub-transcripts' included: the cost the data
 *     reports where it does ({@code total_cost_usd} of {@code result} messages, {@code costUSD} of
 *     transcript lines), else estimated from the price table; exact decimal. {@link #costSource()}
 *     says which, and whether some usage had no price (then this counts only the rest)
 * @param turns the turns reported by {@code result} messages, else the number of distinct assistant
 *     API messages
 * @param tags sorted, unique
 * @param summary a one-line description, or null
 * @param attributes free-form string attributes, sorted by key; keys starting with {@code
 *     sessionstore.} are reserved
 * @param subpaths the session's sub-transcripts, sorted
 * @param version increases by one with every change; the basis of optimistic concurrency
 * @param usage the tokens the session used (its sub-transcripts' included) and where its cost comes
 *     from; null when not known: the session was stored before usage was accounted for ({@code
 *     sessionstore reindex} derives it)
 * @param lastActivityAt when the conversation last moved: the newest {@code timestamp} of the
 *     session's messages (its sub-transcripts' included) where they carry one, else the time the
 *     newest message was written. Changes of tags, summary or attributes move {@link #updatedAt()}
 *     but not this. A null given here (metadata stored before this field existed) becomes {@link
 *     #updatedAt()}
 */
public record SessionMetadata(
    String project,
    String sessionId,
    Instant createdAt,
    Instant updatedAt,
    long messageCount,
    BigDecimal totalCostUsd,
    long turns,
    List<String> tags,
    String summary,
    Map<String, String> attributes,
    List<String> subpaths,
    long version,
    Usage usage,
    Instant lastActivityAt) {
  /**
   * The attribute that says which kind of JSON a session holds, when the store created it from one.
   */
  public static final String FORMAT = "format";

  /** {@link #FORMAT} of a session recorded from {@code --output-format stream-json} output. */
  public static final String FORMAT_STREAM_JSON = "stream-json";

  /**
   * {@link #FORMAT} of a session imported from Claude Code's transcripts (or the Claude Agent SDK's
   * S3 layout).
   */
  public static final String FORMAT_CLAUDE_TRANSCRIPT = "claude-transcript";

  /**
   * The start of the subpaths of a session's runs: sub-transcripts that hold what a run on the
   * session printed (a resume through Claude Code stores its output as {@code runs/1}, {@code
   * runs/2}, …). Unlike other sub-transcripts, their {@code result} costs count in the session's
   * {@link #totalCostUsd()}.
   */
  public static final String RUNS_PREFIX = "runs/";

  /** Metadata whose {@link #lastActivityAt()} is its {@code updatedAt}. */
  public SessionMetadata(
      String project,
      String sessionId,
      Instant createdAt,
      Instant updatedAt,
      long messageCount,
      BigDecimal totalCostUsd,
      long turns,
      List<String> tags,
      String summary,
      Map<String, String> attributes,
      List<String> subpaths,
      long version,
      Usage usage) {
    this(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        subpaths,
        version,
        usage,
        null);
  }

  /** Metadata without usage accounting: {@link Usage#NONE}. */
  public SessionMetadata(
      String project,
      String sessionId,
      Instant createdAt,
      Instant updatedAt,
      long messageCount,
      BigDecimal totalCostUsd,
      long turns,
      List<String> tags,
      String summary,
      Map<String, String> attributes,
      List<String> subpaths,
      long version) {
    this(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        subpaths,
        version,
        Usage.NONE);
  }

  public SessionMetadata {
    Objects.requireNonNull(project, "project is null");
    Objects.requireNonNull(sessionId, "sessionId is null");
    Objects.requireNonNull(createdAt, "createdAt is null");
    Objects.requireNonNull(updatedAt, "updatedAt is null");
    Objects.requireNonNull(totalCostUsd, "totalCostUsd is null");
    createdAt = storable("createdAt", createdAt);
    updatedAt = storable("updatedAt", updatedAt);
    lastActivityAt =
        lastActivityAt == null ? updatedAt : storable("lastActivityAt", lastActivityAt);
    tags = List.copyOf(new TreeSet<>(tags));
    attributes = sortedCopy(attributes);
    subpaths = List.copyOf(new TreeSet<>(subpaths));
  }

  /**
   * The metadata as one JSON object with the keys {@code project, sessionId, createdAt, updatedAt,
   * messageCount, totalCostUsd, turns, tags, summary, attributes, subpaths, version, usage,
   * costSource}; timestamps ISO-8601 UTC, cost a number.
   */
  public String toJson() {
    return io.sessionstore.spi.MetadataJson.toJson(this);
  }

  /**
   * The metadata of a session that holds nothing yet: created and updated at {@code at}, no
   * messages, cost or turns, no tags, summary, attributes or sub-transcripts, version 0. The {@code
   * with…} methods derive the rest.
   */
  public static SessionMetadata of(SessionKey key, Instant at) {
    return new SessionMetadata(
        key.project(),
        key.sessionId(),
        at,
        at,
        0,
        BigDecimal.ZERO,
        0,
        List.of(),
        null,
        Map.of(),
        List.of(),
        0,
        Usage.NONE,
        at);
  }

  public SessionMetadata withTimes(Instant createdAt, Instant updatedAt) {
    return new SessionMetadata(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        subpaths,
        version,
        usage,
        lastActivityAt);
  }

  /**
   * The same, with {@link #lastActivityAt()} replaced (null: the {@code updatedAt}); {@code
   * updatedAt} is left alone.
   */
  public SessionMetadata withLastActivityAt(Instant lastActivityAt) {
    return new SessionMetadata(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        subpaths,
        version,
        usage,
        lastActivityAt);
  }

  public SessionMetadata withUpdatedAt(Instant updatedAt) {
    return withTimes(createdAt, updatedAt);
  }

  /** The same, with the values derived from the messages replaced. */
  public SessionMetadata withCounts(long messageCount, BigDecimal totalCostUsd, long turns) {
    return new SessionMetadata(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        subpaths,
        version,
        usage,
        lastActivityAt);
  }

  public SessionMetadata withTags(Collection<String> tags) {
    return new SessionMetadata(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        List.copyOf(tags),
        summary,
        attributes,
        subpaths,
        version,
        usage,
        lastActivityAt);
  }

  public SessionMetadata withSummary(String summary) {
    return new SessionMetadata(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        subpaths,
        version,
        usage,
        lastActivityAt);
  }

  public SessionMetadata withAttributes(Map<String, String> attributes) {
    return new SessionMetadata(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        subpaths,
        version,
        usage,
        lastActivityAt);
  }

  public SessionMetadata withSubpaths(Collection<String> subpaths) {
    return new SessionMetadata(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        List.copyOf(subpaths),
        version,
        usage,
        lastActivityAt);
  }

  public SessionMetadata withVersion(long version) {
    return new SessionMetadata(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        subpaths,
        version,
        usage,
        lastActivityAt);
  }

  /** The same, with the usage replaced (null: not known). */
  public SessionMetadata withUsage(Usage usage) {
    return new SessionMetadata(
        project,
        sessionId,
        createdAt,
        updatedAt,
        messageCount,
        totalCostUsd,
        turns,
        tags,
        summary,
        attributes,
        subpaths,
        version,
        usage,
        lastActivityAt);
  }

  /**
   * Where {@link #totalCostUsd()} comes from; {@link CostSource#UNKNOWN} when usage is not known.
   */
  public CostSource costSource() {
    return usage == null ? CostSource.UNKNOWN : usage.costSource();
  }

  /** All the tokens of {@link #usage()}, or 0 when it is not known. */
  public long totalTokens() {
    return usage == null ? 0 : usage.totalTokens();
  }

  /** The key of the session's main transcript. */
  public SessionKey key() {
    return SessionKey.of(project, sessionId);
  }

  /**
   * The earliest time a session may carry: what a four-digit ISO-8601 year and every backend can
   * hold.
   */
  public static final Instant MIN_TIME = Instant.parse("0000-01-01T00:00:00Z");

  /** The latest time a session may carry. */
  public static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999Z");

  /** Times are kept to the millisecond, within four-digit years. */
  private static Instant storable(String what, Instant time) {
    if (time.isBefore(MIN_TIME) || time.isAfter(MAX_TIME)) {
      throw new InvalidInputException(
          "Invalid "
              + what
              + " "
              + time
              + ": times must lie between "
              + MIN_TIME
              + " and "
              + MAX_TIME);
    }
    return time.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
  }

  private static Map<String, String> sortedCopy(Map<String, String> attributes) {
    SortedMap<String, String> copy = new TreeMap<>();
    attributes.forEach(
        (k, v) ->
            copy.put(
                Objects.requireNonNull(k, "attribute key is null"),
                Objects.requireNonNull(v, "attribute value is null")));
    return Collections.unmodifiableSortedMap(copy);
  }
}
