package io.sessionstore.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "search", description = "Find sessions by tags, time, cost and text (metadata only).",
    footer = {"", "Example: sessionstore search --tag review --after 7d --min-cost 0.5 --json"})
final class SearchCommand implements Callable<Integer> {
  @ParentCommand
  SessionstoreCommand root;

  @Mixin
  Filters filters;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N sessions (default 50).")
  int limit;

  @Option(names = "--cursor", paramLabel = "CURSOR", description = "Continue after the previous page.")
  String cursor;

  @Option(names = "--json", description = "A JSON array of metadata objects instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    return ListCommand.print(root, root.store().search(filters.query(root).limit(limit).cursor(cursor).build()),
        json);
  }
}
