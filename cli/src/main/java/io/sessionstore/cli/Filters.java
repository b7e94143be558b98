package io.sessionstore.cli;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The search filters shared by {@code search} and {@code export}. */
final class Filters {
  @Option(
      names = "--tag",
      paramLabel = "TAG",
      description = "Sessions with this tag (repeat: all of them).")
  List<String> tags = new ArrayList<>();

  @Option(
      names = "--any-tag",
      paramLabel = "TAG",
      description = "Sessions with at least one of these tags.")
  List<String> anyTags = new ArrayList<>();

  @Option(
      names = "--after",
      paramLabel = "TIME",
      description =
          "Last active (newest message) at or after TIME: an instant, a date (2026-11-01) or a"
              + " duration ago (7d).")
  String after;

  @Option(
      names = "--before",
      paramLabel = "TIME",
      description = "Last active (newest message) before TIME.")
  String before;

  @Option(
      names = "--updated-after",
      paramLabel = "TIME",
      description = "Updated (any change, tags included) at or after TIME.")
  String updatedAfter;

  @Option(names = "--updated-before", paramLabel = "TIME", description = "Updated before TIME.")
  String updatedBefore;

  @Option(names = "--created-after", paramLabel = "TIME", description = "Created at or after TIME.")
  String createdAfter;

  @Option(names = "--created-before", paramLabel = "TIME", description = "Created before TIME.")
  String createdBefore;

  @Option(
      names = "--min-cost",
      paramLabel = "USD",
      description = "Total cost at least USD (reported or estimated).")
  String minCost;

  @Option(names = "--max-cost", paramLabel = "USD", description = "Total cost at most USD.")
  String maxCost;

  @Option(
      names = "--min-tokens",
      paramLabel = "N",
      description = "Usage of at least N tokens (input, output and cache together).")
  Long minTokens;

  @Option(names = "--max-tokens", paramLabel = "N", description = "Usage of at most N tokens.")
  Long maxTokens;

  @Option(
      names = "--text",
      paramLabel = "TEXT",
      description = "Case-insensitive text in the summary, a tag or an attribute value.")
  String text;

  @Option(
      names = "--all-projects",
      description =
          "Every project (search and usage: the default unless --project or sessionstore.project"
              + " is given; export and migrate: only with this option).")
  boolean allProjects;

  /** The filters over the chosen or default project, or every project with --all-projects. */
  SearchQuery.Builder query(SessionstoreCommand root) {
    return query(root, root.writeScope(allProjects));
  }

  /** The filters over the given scope. */
  SearchQuery.Builder query(SessionstoreCommand root, Scope scope) {
    Clock clock = Clock.systemUTC();
    SearchQuery.Builder q =
        SearchQuery.in(scope)
            .tags(new java.util.LinkedHashSet<>(tags))
            .anyTags(new java.util.LinkedHashSet<>(anyTags))
            .text(text)
            .minCost(cost("--min-cost", minCost))
            .maxCost(cost("--max-cost", maxCost))
            .minTokens(minTokens)
            .maxTokens(maxTokens);
    if (after != null) {
      q.activeAfter(TimeArgs.instant("--after", after, clock));
    }
    if (before != null) {
      q.activeBefore(TimeArgs.instant("--before", before, clock));
    }
    if (updatedAfter != null) {
      q.updatedAfter(TimeArgs.instant("--updated-after", updatedAfter, clock));
    }
    if (updatedBefore != null) {
      q.updatedBefore(TimeArgs.instant("--updated-before", updatedBefore, clock));
    }
    if (createdAfter != null) {
      q.createdAfter(TimeArgs.instant("--created-after", createdAfter, clock));
    }
    if (createdBefore != null) {
      q.createdBefore(TimeArgs.instant("--created-before", createdBefore, clock));
    }
    return q;
  }

  private static BigDecimal cost(String option, String value) {
    if (value == null) {
      return null;
    }
    try {
      return new BigDecimal(value.strip());
    } catch (NumberFormatException e) {
      throw new InvalidInputException(
          "Invalid " + option + " '" + value + "': expected a number such as 0.5");
    }
  }
}
