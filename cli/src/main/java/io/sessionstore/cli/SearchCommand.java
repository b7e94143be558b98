package io.sessionstore.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "search",
    description = "Find sessions by tags, time, cost and text (metadata only).",
    footer = {"", "Example: sessionstore search --tag review --after 7d --min-cost 0.5 --json"})
final class SearchCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Mixin Filters filters;

  @Mixin PageOptions page;

  @Override
  public Integer call() {
    return page.print(root, filters.query(root));
  }
}
