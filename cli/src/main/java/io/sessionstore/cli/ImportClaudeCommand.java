package io.sessionstore.cli;

import io.sessionstore.api.SessionKey;
import io.sessionstore.claude.ClaudeCode;
import io.sessionstore.claude.TranscriptImportResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "import-claude",
    description =
        "Import Claude Code's own transcripts: every <folder>/<id>.jsonl "
            + "becomes session <id> of project <folder>, sub-agents' transcripts its subpaths. Importing again stores only "
            + "the lines added since, and reads only files that changed (it remembers what it stored in "
            + "sessionstore.claude.import-state).",
    footer = {"", "Example: sessionstore import-claude ~/.claude/projects"})
final class ImportClaudeCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(
      paramLabel = "DIR",
      arity = "0..1",
      description =
          "The projects folder (default: the projects folder "
              + "of Claude Code's configuration folder, $CLAUDE_CONFIG_DIR or ~/.claude).")
  Path dir;

  @Override
  public Integer call() {
    ClaudeCode claude = root.claude();
    Path from = dir != null ? dir : claude.projectsDir();
    TranscriptImportResult r;
    try (TerminalProgress progress = new TerminalProgress(root.err, "project folders")) {
      r = claude.importTranscripts(from, progress);
    }
    for (SessionKey k : r.diverged()) {
      root.err.println(
          "diverged: " + k + " holds lines the transcript does not start with; left unchanged");
    }
    for (TranscriptImportResult.Rejection rejection : r.rejected()) {
      root.err.println("rejected " + rejection);
    }
    root.out.println(
        "imported "
            + r.files()
            + " files ("
            + r.filesRead()
            + " read, "
            + r.bytesRead()
            + " bytes), "
            + r.sessions()
            + " sessions ("
            + r.created()
            + " new, "
            + r.extended()
            + " extended, "
            + r.unchanged()
            + " unchanged, "
            + r.diverged().size()
            + " diverged); "
            + r.linesStored()
            + " lines stored, "
            + r.linesSkipped()
            + " skipped, "
            + r.rejected().size()
            + " rejected"
            + (r.linesPending() == 0
                ? ""
                : ", " + r.linesPending() + " unfinished last lines left for the next import"));
    return r.rejected().isEmpty() ? Main.OK : Main.BAD_INPUT;
  }
}
