package io.sessionstore.cli;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.SessionMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "describe",
    description = "Set a session's summary and attributes; prints its metadata.",
    footer = {
      "",
      "Example: sessionstore describe review-42 --summary 'Security review' --attr ticket=SEC-7"
    })
final class DescribeCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "ID", description = "The session id.")
  String id;

  @Option(
      names = "--summary",
      paramLabel = "TEXT",
      description = "The new summary ('' removes it).")
  String summary;

  @Option(
      names = "--attr",
      paramLabel = "KEY=VALUE",
      description = "Set an attribute (repeatable).")
  List<String> attributes = new ArrayList<>();

  @Option(
      names = "--remove-attr",
      paramLabel = "KEY",
      description = "Remove an attribute (repeatable).")
  List<String> removeAttributes = new ArrayList<>();

  @Override
  public Integer call() {
    Map<String, String> put = new LinkedHashMap<>();
    for (String a : attributes) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new InvalidInputException("Invalid --attr '" + a + "': expected KEY=VALUE");
      }
      put.put(a.substring(0, eq), a.substring(eq + 1));
    }
    boolean clear = summary != null && summary.isEmpty();
    MetadataUpdate update =
        new MetadataUpdate(
            null,
            null,
            clear ? null : summary,
            clear,
            put,
            new LinkedHashSet<>(removeAttributes),
            null);
    SessionMetadata m = root.store().updateMetadata(root.resolve(id, null), update);
    Format.keyValues(root.out, m);
    return Main.OK;
  }
}
