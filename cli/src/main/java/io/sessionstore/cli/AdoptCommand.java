package io.sessionstore.cli;

import io.sessionstore.api.Scope;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "adopt",
    description =
        "Take in sessions the storage holds that listings do not show yet: written there by another tool "
            + "(the Claude Agent SDK's S3 session store), or first commits whose writer died before indexing them. "
            + "Listings of every project never scan for them; run this (by hand or from cron) when such writers share "
            + "the store. A scan cut short goes on where it stopped.",
    footer = {"", "Example: sessionstore adopt --all-projects"})
final class AdoptCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Option(names = "--all-projects", description = "Every project, not only the current one.")
  boolean allProjects;

  @Override
  public Integer call() {
    Scope scope = allProjects ? Scope.allProjects() : Scope.project(root.writeProject());
    long adopted;
    try (TerminalProgress progress = new TerminalProgress(root.err, "adopt")) {
      adopted = root.store().adoptSessions(scope, progress);
    }
    root.out.println("adopted " + adopted + " session" + (adopted == 1 ? "" : "s"));
    return Main.OK;
  }
}
