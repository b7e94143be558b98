package io.sessionstore.cli;

import io.sessionstore.api.SessionMetadata;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "info",
    description = "Print a session's metadata.",
    footer = {"", "Example: sessionstore info review-42 --json"})
final class InfoCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "ID", description = "The session id.")
  String id;

  @Option(names = "--json", description = "One JSON object instead of 'key: value' lines.")
  boolean json;

  @Override
  public Integer call() {
    SessionMetadata m = root.metadata(root.resolve(id, null));
    if (json) {
      root.out.println(m.toJson());
    } else {
      Format.keyValues(root.out, m);
    }
    return Main.OK;
  }
}
