package io.sessionstore.cli;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.claude.ClaudeConfig;
import io.sessionstore.claude.RecordResult;
import io.sessionstore.claude.ResumeResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "resume",
    description =
        "Continue a stored session with Claude Code ("
            + ClaudeConfig.COMMAND
            + "): "
            + "runs it with --resume ID -p PROMPT --output-format stream-json --verbose, passes its output through, "
            + "records it, and exits with its exit code.",
    footer = {
      "",
      "Example: sessionstore resume 5bd47723-9503-4aa4-a3a5-b44a19b4ef36 \"now add the tests\""
    })
final class ResumeCommand implements Callable<Integer>, LongRunning {
  @ParentCommand SessionstoreCommand root;

  @Parameters(index = "0", paramLabel = "ID", description = "The session id.")
  String id;

  @Parameters(index = "1", paramLabel = "PROMPT", description = "What to ask next.")
  String prompt;

  @Override
  public Integer call() {
    SessionKey key = root.resolve(id, null);
    ResumeResult r =
        root.claude()
            .resume(
                key,
                prompt,
                Path.of(""),
                line -> {
                  root.out.println(line);
                  root.out.flush();
                });
    for (RecordResult.Rejection rejection : r.rejected()) {
      root.err.println(
          "line " + rejection.line() + " of the output skipped: " + rejection.reason());
    }
    if (r.transcript() != null) {
      r.transcript()
          .diverged()
          .forEach(
              k ->
                  root.err.println(
                      "diverged: the transcript of "
                          + k
                          + " no longer starts with the stored lines; its new lines were not stored"));
    }
    SessionMetadata m = root.store().getMetadata(key).orElse(null);
    root.err.println(
        "recorded "
            + r.stored()
            + " messages into "
            + r.recordedInto()
            + (m == null ? "" : "; " + Format.totals(m)));
    return r.exitCode();
  }
}
