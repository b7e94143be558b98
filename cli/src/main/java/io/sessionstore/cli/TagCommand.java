package io.sessionstore.cli;

import io.sessionstore.api.SessionMetadata;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "tag",
    description = "Add and remove tags of a session; prints its tags.",
    footer = {"", "Example: sessionstore tag review-42 --add done --remove todo"})
final class TagCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "ID", description = "The session id.")
  String id;

  @Option(names = "--add", paramLabel = "TAG", description = "A tag to add (repeatable).")
  List<String> add = new ArrayList<>();

  @Option(names = "--remove", paramLabel = "TAG", description = "A tag to remove (repeatable).")
  List<String> remove = new ArrayList<>();

  @Override
  public Integer call() {
    SessionMetadata m =
        root.store()
            .updateTags(
                root.resolve(id, null), new LinkedHashSet<>(add), new LinkedHashSet<>(remove));
    root.out.println(String.join(" ", m.tags()));
    return Main.OK;
  }
}
