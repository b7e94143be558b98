package io.sessionstore.cli;

import io.sessionstore.api.NotFoundException;
import io.sessionstore.api.SessionKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "delete",
    description = "Delete a session with its sub-transcripts, or one sub-transcript.",
    footer = {"", "Example: sessionstore delete review-42"})
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "ID", description = "The session id.")
  String id;

  @Option(
      names = "--subpath",
      paramLabel = "SUBPATH",
      description = "Delete only this sub-transcript.")
  String subpath;

  @Override
  public Integer call() {
    SessionKey key = root.resolve(id, subpath);
    if (!root.store().deleteSession(key)) {
      throw new NotFoundException("Session " + key + " does not exist");
    }
    root.out.println("deleted " + key);
    return Main.OK;
  }
}
