package io.sessionstore.cli;

import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.WriteResult;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "save",
    description =
        "Store a session's messages (JSON Lines or one JSON array), replacing any it" + " had.",
    footer = {"", "Example: sessionstore save review-42 --file session.jsonl --tag review"})
final class SaveCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "ID", description = "The session id.")
  String id;

  @Option(
      names = "--file",
      paramLabel = "FILE",
      description = "Read the messages from FILE ('-': standard input, " + "the default).")
  String file;

  @Option(
      names = "--subpath",
      paramLabel = "SUBPATH",
      description = "Save a sub-transcript, e.g. subagents/agent-1.")
  String subpath;

  @Option(
      names = "--tag",
      paramLabel = "TAG",
      description = "Tag the session (repeatable); replaces its tags.")
  List<String> tags = new ArrayList<>();

  @Option(
      names = "--summary",
      paramLabel = "TEXT",
      description = "A one-line summary of the session.")
  String summary;

  @Override
  public Integer call() {
    SessionKey key = new SessionKey(root.writeProject(), id, subpath);
    SaveOptions options =
        new SaveOptions(tags.isEmpty() ? null : new LinkedHashSet<>(tags), summary, null, null);
    WriteResult r = root.store().saveSession(key, MessageSource.read(file, root.in), options);
    root.out.println("saved " + key + ": " + r.stored() + " stored, " + r.skipped() + " skipped");
    return Main.OK;
  }
}
