package io.sessionstore.cli;

import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "list",
    description = "List sessions, most recently updated first.",
    footer = {"", "Example: sessionstore list --limit 20 --json"})
final class ListCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Option(names = "--all-projects", description = "Every project, not only the current one.")
  boolean allProjects;

  @Mixin PageOptions page;

  @Override
  public Integer call() {
    return page.print(
        root,
        SearchQuery.in(allProjects ? Scope.allProjects() : Scope.project(root.writeProject())));
  }
}
