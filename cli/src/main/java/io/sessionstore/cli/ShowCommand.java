package io.sessionstore.cli;

import io.sessionstore.api.Message;
import io.sessionstore.api.SessionKey;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "show",
    description = "Print a session's messages as JSON Lines, exactly as stored.",
    footer = {"", "Example: sessionstore show review-42 > review-42.jsonl"})
final class ShowCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "ID", description = "The session id.")
  String id;

  @Option(names = "--subpath", paramLabel = "SUBPATH", description = "Show a sub-transcript.")
  String subpath;

  @Override
  public Integer call() {
    SessionKey key = root.resolve(id, subpath);
    try (Stream<Message> messages = root.store().streamMessages(key)) {
      Iterator<Message> it = messages.iterator();
      while (it.hasNext()) {
        byte[] line = it.next().json().getBytes(StandardCharsets.UTF_8);
        root.out.write(line, 0, line.length);
        root.out.write('\n');
      }
    }
    return Main.OK;
  }
}
