package io.sessionstore.cli;

import io.sessionstore.api.CleanupResult;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionMetadata;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "cleanup",
    description = "Delete sessions not updated for a while, with their sub-transcripts.",
    footer = {"", "Example: sessionstore cleanup --older-than 30d --dry-run"})
final class CleanupCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Option(
      names = "--older-than",
      paramLabel = "DURATION",
      required = true,
      description = "Delete sessions last updated longer ago than this, e.g. 30d, 12h.")
  String olderThan;

  @Option(names = "--dry-run", description = "Only print what would be deleted.")
  boolean dryRun;

  @Option(names = "--all-projects", description = "Every project, not only the current one.")
  boolean allProjects;

  @Override
  public Integer call() {
    Scope scope = allProjects ? Scope.allProjects() : Scope.project(root.writeProject());
    CleanupResult r;
    try (TerminalProgress progress = new TerminalProgress(root.err, "cleanup")) {
      r =
          root.store()
              .cleanupOldSessions(
                  TimeArgs.duration("--older-than", olderThan), scope, dryRun, progress);
    }
    for (SessionMetadata m : r.removed()) {
      root.out.println(
          (dryRun ? "would remove " : "removed ") + m.key() + " (updated " + m.updatedAt() + ")");
    }
    root.out.println(
        (dryRun ? "would remove " : "removed ")
            + r.count()
            + " session"
            + (r.count() == 1 ? "" : "s"));
    return Main.OK;
  }
}
