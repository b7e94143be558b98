package io.sessionstore.server;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The filters of the sessions and usage pages, as the forms and links give them: {@code project}
 * (exact), {@code tag}, {@code from} and {@code to} (days, both included, UTC; or instants) on the
 * session's last activity ({@link io.sessionstore.api.SessionMetadata#lastActivityAt()}, as the
 * command's {@code --after} and {@code --before}), {@code minCost} and {@code maxCost} (USD), and
 * the search box's {@code q}.
 */
record Filters(
    String project, String tag, String from, String to, String minCost, String maxCost, String q) {

  static Filters of(Request r) {
    return new Filters(
        r.param("project"),
        r.param("tag"),
        r.param("from"),
        r.param("to"),
        r.param("minCost"),
        r.param("maxCost"),
        r.param("q"));
  }

  /**
   * The query of these filters (without the search text).
   *
   * @throws InvalidInputException when a value is malformed
   */
  SearchQuery.Builder query() {
    SearchQuery.Builder b =
        SearchQuery.in(project == null ? Scope.allProjects() : Scope.project(project));
    if (tag != null) {
      b.tags(tag);
    }
    if (from != null) {
      b.activeAfter(time("from", from, false));
    }
    if (to != null) {
      b.activeBefore(time("to", to, true));
    }
    b.minCost(cost("minCost", minCost));
    b.maxCost(cost("maxCost", maxCost));
    return b;
  }

  /** The parameters of these filters, for links that keep them. */
  Map<String, String> params() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("q", q);
    m.put("project", project);
    m.put("tag", tag);
    m.put("from", from);
    m.put("to", to);
    m.put("minCost", minCost);
    m.put("maxCost", maxCost);
    return m;
  }

  Filters withProject(String project) {
    return new Filters(project, tag, from, to, minCost, maxCost, q);
  }

  Filters withTag(String tag) {
    return new Filters(project, tag, from, to, minCost, maxCost, q);
  }

  /**
   * A day ({@code 2026-03-01}: its start, or for {@code to} the next day's start) or an instant.
   */
  private static Instant time(String name, String value, boolean endOfDay) {
    try {
      if (value.length() == 10) {
        LocalDate day = LocalDate.parse(value);
        return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(
          "Invalid " + name + " '" + value + "': expected a day such as 2026-03-01");
    }
  }

  private static BigDecimal cost(String name, String value) {
    if (value == null) {
      return null;
    }
    try {
      return new BigDecimal(value);
    } catch (NumberFormatException e) {
      throw new InvalidInputException(
          "Invalid " + name + " '" + value + "': expected a number of dollars such as 0.5");
    }
  }
}
