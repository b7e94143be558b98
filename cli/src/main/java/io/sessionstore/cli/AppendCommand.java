package io.sessionstore.cli;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.WriteResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "append",
    description =
        "Append messages to a session, creating it when absent. A message already"
            + " stored (same uuid, same bytes) is skipped.",
    footer = {
      "",
      "Example: sessionstore append review-42 --file more.jsonl",
      "         tail -n 2 more.jsonl | sessionstore append review-42"
    })
final class AppendCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "ID", description = "The session id.")
  String id;

  @Option(
      names = "--file",
      paramLabel = "FILE",
      description = "Read the messages from FILE ('-': standard input, " + "the default).")
  String file;

  @Option(names = "--subpath", paramLabel = "SUBPATH", description = "Append to a sub-transcript.")
  String subpath;

  @Override
  public Integer call() {
    var messages = MessageSource.read(file, root.in);
    SessionKey key = root.resolveExact(id, subpath);
    WriteResult r = root.store().appendMessages(key, messages);
    root.out.println(
        "appended " + key + ": " + r.stored() + " stored, " + r.skipped() + " skipped");
    return Main.OK;
  }
}
