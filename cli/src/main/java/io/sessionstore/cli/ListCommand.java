package io.sessionstore.cli;

import io.sessionstore.api.Page;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", description = "List sessions, most recently updated first.",
    footer = {"", "Example: sessionstore list --limit 20 --json"})
final class ListCommand implements Callable<Integer> {
  @ParentCommand
  SessionstoreCommand root;

  @Option(names = "--all-projects", description = "Every project, not only the current one.")
  boolean allProjects;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N sessions (default 50).")
  int limit;

  @Option(names = "--cursor", paramLabel = "CURSOR", description = "Continue after the previous page.")
  String cursor;

  @Option(names = "--json", description = "A JSON array of metadata objects instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    Scope scope = allProjects ? Scope.allProjects() : Scope.project(root.writeProject());
    return print(root, root.store().search(SearchQuery.in(scope).limit(limit).cursor(cursor).build()), json);
  }

  static int print(SessionstoreCommand root, Page<SessionMetadata> page, boolean json) {
    if (json) {
      Format.jsonArray(root.out, page.items());
    } else {
      Format.table(root.out, page.items());
    }
    if (page.hasNext()) {
      root.err.println("next: --cursor " + page.nextCursor());
    }
    return Main.OK;
  }
}
