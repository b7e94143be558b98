package io.sessionstore.cli;

import io.sessionstore.api.CleanupResult;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "cleanup",
    description =
        "Delete sessions not active for a while (by their newest message; tagging or describing is"
            + " not activity), with their sub-transcripts. One project unless --all-projects.",
    footer = {"", "Example: sessionstore cleanup --older-than 30d --keep-tag keep --dry-run"})
final class CleanupCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Option(
      names = "--older-than",
      paramLabel = "DURATION",
      required = true,
      description = "Delete sessions last active longer ago than this, e.g. 30d, 12h.")
  String olderThan;

  @Option(names = "--dry-run", description = "Only print what would be deleted.")
  boolean dryRun;

  @Option(
      names = "--keep-tag",
      paramLabel = "TAG",
      description = "Spare sessions with this tag (repeat: any of them).")
  List<String> keepTags = new ArrayList<>();

  @Option(
      names = "--all-projects",
      description = "Every project, not only the chosen or default one.")
  boolean allProjects;

  @Override
  public Integer call() {
    Scope scope = root.writeScope(allProjects);
    Duration maxAge = TimeArgs.duration("--older-than", olderThan);
    Set<String> keep = new LinkedHashSet<>(keepTags);
    CleanupResult r;
    try (TerminalProgress progress = new TerminalProgress(root.err, "cleanup")) {
      r = root.store().cleanupOldSessions(maxAge, scope, keep, dryRun, progress);
    }
    for (SessionMetadata m : r.removed()) {
      root.out.println(
          (dryRun ? "would remove " : "removed ")
              + m.key()
              + " (last active "
              + m.lastActivityAt()
              + ")");
    }
    root.out.println(
        (dryRun ? "would remove " : "removed ")
            + r.count()
            + " session"
            + (r.count() == 1 ? "" : "s"));
    root.hintOtherProjects(
        scope,
        r.count() == 0,
        all ->
            root.store().cleanupOldSessions(maxAge, all, keep, true, ProgressListener.NONE).count()
                > 0);
    return Main.OK;
  }
}
