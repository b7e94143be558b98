package io.sessionstore.cli;

import io.sessionstore.api.Scope;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "reindex",
    description =
        "Derive usage and cost anew from the stored messages of sessions stored before usage"
            + " accounting (all sessions with --all); resumable. Then rebuild the full-text"
            + " index from every session.",
    footer = {"", "Example: sessionstore reindex"})
final class ReindexCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Option(
      names = "--all",
      description = "Every session, not only those whose usage is not known (after new prices).")
  boolean all;

  @Option(names = "--all-projects", description = "Every project (the default without --project).")
  boolean allProjects;

  @Override
  public Integer call() {
    boolean oneProject =
        !allProjects
            && (root.project != null || root.config().get("sessionstore.project").isPresent());
    Scope scope = oneProject ? Scope.project(root.writeProject()) : Scope.allProjects();
    long n;
    try (TerminalProgress progress = new TerminalProgress(root.err, "reindex")) {
      n = root.store().reindexUsage(scope, all, progress);
    }
    root.out.println("reindexed " + n + " session" + (n == 1 ? "" : "s"));
    long indexed;
    try (TerminalProgress progress = new TerminalProgress(root.err, "full-text index")) {
      indexed = root.store().rebuildTextIndex(progress);
    }
    root.out.println(
        "indexed " + indexed + " session" + (indexed == 1 ? "" : "s") + " for full-text search");
    return Main.OK;
  }
}
