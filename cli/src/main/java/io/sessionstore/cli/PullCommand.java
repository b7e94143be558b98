package io.sessionstore.cli;

import io.sessionstore.api.SessionKey;
import io.sessionstore.claude.PullResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "pull",
    description =
        "Write a stored session back as a Claude Code transcript (with its sub-agents'"
            + " transcripts) where Claude Code started in a directory finds it, so that claude --resume ID works there.",
    footer = {
      "",
      "Example: sessionstore pull 5bd47723-9503-4aa4-a3a5-b44a19b4ef36 --dir ~/src/app"
    })
final class PullCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "ID", description = "The session id.")
  String id;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description =
          "The working directory Claude Code will run in " + "(default: the current directory).")
  Path dir;

  @Option(
      names = "--force",
      description = "Overwrite transcript files that differ from the stored ones.")
  boolean force;

  @Override
  public Integer call() {
    SessionKey key = root.resolve(id, null);
    PullResult r = root.claude().pull(key, dir != null ? dir : Path.of(""), force);
    root.out.println(
        "pulled "
            + key
            + " to "
            + r.transcript()
            + ": "
            + r.written().size()
            + " files written, "
            + r.unchanged().size()
            + " already up to date");
    return Main.OK;
  }
}
