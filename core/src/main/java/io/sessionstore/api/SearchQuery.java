package io.sessionstore.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Which sessions to find. Filters combine with AND; null means "no filter". Results come in order
 * of {@code updatedAt} descending, then project, then session id ascending, a page of at most
 * {@code limit} at a time. Without {@link #matching()}, searching reads metadata only, never
 * message bodies; with it, a full-text index of the messages (a cache the store keeps up to date
 * and can rebuild) finds the sessions, and results come by relevance unless {@link Order#UPDATED}
 * is asked for.
 *
 * @param scope one project or all projects
 * @param tags the session has every one of these tags (exact, case-sensitive)
 * @param anyTags the session has at least one of these tags (ignored when empty)
 * @param createdAfter created at or after
 * @param createdBefore created before
 * @param updatedAfter updated at or after
 * @param updatedBefore updated before
 * @param activeAfter last active ({@link SessionMetadata#lastActivityAt()}) at or after
 * @param activeBefore last active before
 * @param minCost total cost at least
 * @param maxCost total cost at most
 * @param minTokens all the tokens of the session's usage at least (a session whose usage is not
 *     known does not match)
 * @param maxTokens all the tokens at most (likewise)
 * @param text case-insensitive substring of the summary, a tag or an attribute value
 * @param matching a full-text query on what the messages say (see {@link #matching()}), or null
 * @param order how matches are ranked: by relevance (the default with {@code matching}) or by
 *     {@code updatedAt}; without {@code matching} always by {@code updatedAt}
 * @param limit the largest page, 1 to {@value #MAX_LIMIT}
 * @param cursor where the previous page ended ({@link Page#nextCursor()}), or null for the first
 *     page
 */
public record SearchQuery(
    Scope scope,
    Set<String> tags,
    Set<String> anyTags,
    Instant createdAfter,
    Instant createdBefore,
    Instant updatedAfter,
    Instant updatedBefore,
    Instant activeAfter,
    Instant activeBefore,
    BigDecimal minCost,
    BigDecimal maxCost,
    Long minTokens,
    Long maxTokens,
    String text,
    String matching,
    Order order,
    int limit,
    String cursor) {

  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 10_000;

  /** How full-text matches are ranked. */
  public enum Order {
    /** Best match first, then as {@link #UPDATED}. */
    RELEVANCE,
    /** Most recently updated first, then project, then session id. */
    UPDATED
  }

  public SearchQuery {
    if (matching != null && matching.isBlank()) {
      matching = null;
    }
    if (order == null) {
      order = matching == null ? Order.UPDATED : Order.RELEVANCE;
    }
    if (scope == null) {
      throw new InvalidInputException("Invalid search: no scope (a project or all projects) given");
    }
    tags = Set.copyOf(tags == null ? Set.of() : tags);
    anyTags = Set.copyOf(anyTags == null ? Set.of() : anyTags);
    Checks.tags(tags);
    Checks.tags(anyTags);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidInputException(
          "Invalid limit " + limit + ": it must be between 1 and " + MAX_LIMIT);
    }
    if (minCost != null && maxCost != null && minCost.compareTo(maxCost) > 0) {
      throw new InvalidInputException(
          "Invalid cost range: the minimum "
              + minCost.toPlainString()
              + " is above the maximum "
              + maxCost.toPlainString());
    }
    if ((minTokens != null && minTokens < 0) || (maxTokens != null && maxTokens < 0)) {
      throw new InvalidInputException("Invalid token range: token counts are not negative");
    }
    if (minTokens != null && maxTokens != null && minTokens > maxTokens) {
      throw new InvalidInputException(
          "Invalid token range: the minimum " + minTokens + " is above the maximum " + maxTokens);
    }
  }

  /** A query of the given scope with no filters. */
  public static Builder in(Scope scope) {
    return new Builder(scope);
  }

  /** A builder starting from this query, e.g. to ask for the next page. */
  public Builder toBuilder() {
    Builder b = new Builder(scope);
    b.tags.addAll(tags);
    b.anyTags.addAll(anyTags);
    b.createdAfter = createdAfter;
    b.createdBefore = createdBefore;
    b.updatedAfter = updatedAfter;
    b.updatedBefore = updatedBefore;
    b.activeAfter = activeAfter;
    b.activeBefore = activeBefore;
    b.minCost = minCost;
    b.maxCost = maxCost;
    b.minTokens = minTokens;
    b.maxTokens = maxTokens;
    b.text = text;
    b.matching = matching;
    b.order = order;
    b.limit = limit;
    b.cursor = cursor;
    return b;
  }

  /**
   * The full-text query, in Lucene's syntax: words (all must occur), {@code "phrases"} (their words
   * in order, a few other words between them allowed: write {@code "…"~0} for strictly adjacent
   * words), {@code AND}, {@code OR}, {@code NOT}, {@code prefix*}, and the fields {@code role:}
   * ({@code user}, {@code assistant}, {@code tool}, {@code system}), {@code kind:} ({@code prompt},
   * {@code text}, {@code thinking}, {@code tool_use}, {@code tool_result}, {@code other}), {@code
   * tool:} (a tool's name, e.g. {@code tool:Bash}) and {@code subagent:} (a sub-transcript's name).
   * Null when the query does not look at what the messages say.
   */
  @Override
  public String matching() {
    return matching;
  }

  /**
   * Where the previous page ended, decoded from {@link #cursor()}: the page asked for holds only
   * sessions after it. Null for the first page.
   *
   * @throws InvalidInputException when the cursor is not one a previous page returned
   */
  public SearchPosition after() {
    return cursor == null ? null : SearchPosition.fromCursor(cursor);
  }

  /** Builds a {@link SearchQuery}; not thread-safe. */
  public static final class Builder {
    private final Scope scope;
    private final Set<String> tags = new LinkedHashSet<>();
    private final Set<String> anyTags = new LinkedHashSet<>();
    private Instant createdAfter;
    private Instant createdBefore;
    private Instant updatedAfter;
    private Instant updatedBefore;
    private Instant activeAfter;
    private Instant activeBefore;
    private BigDecimal minCost;
    private BigDecimal maxCost;
    private Long minTokens;
    private Long maxTokens;
    private String text;
    private String matching;
    private Order order;
    private int limit = DEFAULT_LIMIT;
    private String cursor;

    private Builder(Scope scope) {
      this.scope = scope;
    }

    /** Sessions with all of these tags. */
    public Builder tags(String... tags) {
      this.tags.addAll(java.util.Arrays.asList(tags));
      return this;
    }

    public Builder tags(Set<String> tags) {
      this.tags.addAll(tags);
      return this;
    }

    /** Sessions with at least one of these tags. */
    public Builder anyTags(String... tags) {
      this.anyTags.addAll(java.util.Arrays.asList(tags));
      return this;
    }

    public Builder anyTags(Set<String> tags) {
      this.anyTags.addAll(tags);
      return this;
    }

    public Builder createdAfter(Instant t) {
      this.createdAfter = t;
      return this;
    }

    public Builder createdBefore(Instant t) {
      this.createdBefore = t;
      return this;
    }

    public Builder updatedAfter(Instant t) {
      this.updatedAfter = t;
      return this;
    }

    public Builder updatedBefore(Instant t) {
      this.updatedBefore = t;
      return this;
    }

    /**
     * Sessions last active ({@link SessionMetadata#lastActivityAt()}) at or after this time: what
     * the CLI's {@code --after} means.
     */
    public Builder activeAfter(Instant t) {
      this.activeAfter = t;
      return this;
    }

    /** Sessions last active before this time: what the CLI's {@code --before} means. */
    public Builder activeBefore(Instant t) {
      this.activeBefore = t;
      return this;
    }

    public Builder minCost(BigDecimal cost) {
      this.minCost = cost;
      return this;
    }

    public Builder maxCost(BigDecimal cost) {
      this.maxCost = cost;
      return this;
    }

    /** Sessions whose usage has at least this many tokens (all four kinds together). */
    public Builder minTokens(Long tokens) {
      this.minTokens = tokens;
      return this;
    }

    /** Sessions whose usage has at most this many tokens. */
    public Builder maxTokens(Long tokens) {
      this.maxTokens = tokens;
      return this;
    }

    public Builder text(String text) {
      this.text = text;
      return this;
    }

    /** Sessions whose messages match this full-text query; see {@link SearchQuery#matching()}. */
    public Builder matching(String query) {
      this.matching = query;
      return this;
    }

    /** How full-text matches are ranked; see {@link Order}. */
    public Builder order(Order order) {
      this.order = order;
      return this;
    }

    public Builder limit(int limit) {
      this.limit = limit;
      return this;
    }

    public Builder cursor(String cursor) {
      this.cursor = cursor;
      return this;
    }

    public SearchQuery build() {
      return new SearchQuery(
          scope,
          tags,
          anyTags,
          createdAfter,
          createdBefore,
          updatedAfter,
          updatedBefore,
          activeAfter,
          activeBefore,
          minCost,
          maxCost,
          minTokens,
          maxTokens,
          text,
          matching,
          order,
          limit,
          cursor);
    }
  }
}
