package io.sessionstore.cli;

import io.sessionstore.api.SearchQuery;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "list",
    description =
        "List sessions, most recently updated first, in every project unless --project or "
            + "sessionstore.project names one.",
    footer = {"", "Example: sessionstore list --limit 20 --json"})
final class ListCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Option(
      names = "--all-projects",
      description =
          "Every project (the default unless --project or sessionstore.project is given).")
  boolean allProjects;

  @Mixin PageOptions page;

  @Override
  public Integer call() {
    return page.print(root, SearchQuery.in(root.readScope(allProjects)));
  }
}
