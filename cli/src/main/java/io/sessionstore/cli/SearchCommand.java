package io.sessionstore.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "search",
    description =
        "Find sessions by tags, time, cost and text (metadata only), in every project unless "
            + "--project or sessionstore.project names one.",
    footer = {"", "Example: sessionstore search --tag review --after 7d --min-cost 0.5 --json"})
final class SearchCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Mixin Filters filters;

  @Mixin PageOptions page;

  @Override
  public Integer call() {
    // A read command: every project unless one is chosen.
    filters.allProjects |= !root.projectGiven();
    return page.print(root, filters.query(root));
  }
}
