package io.sessionstore.cli;

import io.sessionstore.api.SessionMetadata;
import io.sessionstore.claude.RecordOptions;
import io.sessionstore.claude.RecordResult;
import io.sessionstore.claude.Recorder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "record",
    description =
        "Record a live stream of JSON messages from standard input (what claude -p "
            + "--output-format stream-json --verbose prints), storing each as it arrives.",
    footer = {
      "",
      "Example: claude -p \"fix the tests\" --output-format stream-json --verbose | sessionstore record "
          + "--tag ci"
    })
final class RecordCommand implements Callable<Integer>, LongRunning {
  @ParentCommand SessionstoreCommand root;

  @Option(
      names = "--id",
      paramLabel = "ID",
      description =
          "Record into this session (default: the session_id of "
              + "the stream's system/init message).")
  String id;

  @Option(names = "--tag", paramLabel = "TAG", description = "Tag the session (repeatable).")
  List<String> tags = new ArrayList<>();

  @Option(
      names = "--summary",
      paramLabel = "TEXT",
      description = "A one-line summary of the session.")
  String summary;

  @Override
  public Integer call() {
    RecordOptions options =
        new RecordOptions(root.writeProject(), id, null, new LinkedHashSet<>(tags), summary);
    RecordResult r = Recorder.of(root.store(), options).record(root.in, line -> {});
    report(r);
    return r.rejected().isEmpty() ? Main.OK : Main.BAD_INPUT;
  }

  private void report(RecordResult r) {
    for (RecordResult.Rejection rejection : r.rejected()) {
      root.err.println("line " + rejection.line() + " skipped: " + rejection.reason());
    }
    if (r.key() == null) {
      root.out.println("recorded nothing: the stream held no JSON messages");
      return;
    }
    SessionMetadata m = r.metadata();
    root.out.println(
        "recorded "
            + r.key()
            + ": "
            + r.stored()
            + " stored, "
            + r.skipped()
            + " skipped"
            + (m == null ? "" : "; " + Format.totals(m)));
  }
}
