package io.sessionstore.cli;

import io.sessionstore.api.SearchQuery;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "search",
    description = {
      "Find sessions by what was said (QUERY: words, \"phrases\", AND/OR/NOT, prefix*,"
          + " role:user, tool:Bash, subagent:NAME), by tags, time, cost and metadata text,"
          + " in every project unless --project or sessionstore.project names one.",
      "With QUERY, sessions come best match first with the passage that matched."
    },
    footer = {
      "",
      "Example: sessionstore search '\"flaky payment test\"' --after 30d",
      "         sessionstore search 'tool:Bash AND migrate*' --json",
      "         sessionstore search --tag review --after 7d --min-cost 0.5 --json"
    })
final class SearchCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(
      arity = "0..1",
      paramLabel = "QUERY",
      description = "A full-text query on the messages (Lucene syntax).")
  String query;

  @Option(
      names = "--sort",
      paramLabel = "ORDER",
      description = "With QUERY: relevance (default) or updated.")
  String sort;

  @Mixin Filters filters;

  @Mixin PageOptions page;

  @Override
  public Integer call() {
    // A read command: every project unless one is chosen.
    filters.allProjects |= !root.projectGiven();
    SearchQuery.Builder q = filters.query(root);
    if (query == null) {
      if (sort != null) {
        throw new Main.UsageException("--sort needs a QUERY: without one, sessions come by update");
      }
      return page.print(root, q);
    }
    return page.printHits(root, q.matching(query).order(order()));
  }

  private SearchQuery.Order order() {
    if (sort == null) {
      return SearchQuery.Order.RELEVANCE;
    }
    return switch (sort.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "relevance" -> SearchQuery.Order.RELEVANCE;
      case "updated" -> SearchQuery.Order.UPDATED;
      default ->
          throw new Main.UsageException(
              "Invalid --sort '" + sort + "': expected relevance or updated");
    };
  }
}
