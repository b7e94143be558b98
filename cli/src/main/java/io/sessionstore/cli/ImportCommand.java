package io.sessionstore.cli;

import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.SessionKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "import",
    description =
        "Merge an archive (plain or gzip) into the store. Importing it again " + "changes nothing.",
    footer = {"", "Example: sessionstore import reviews.jsonl.gz"})
final class ImportCommand implements Callable<Integer>, LongRunning {
  @ParentCommand SessionstoreCommand root;

  @Parameters(paramLabel = "FILE", description = "The archive ('-': standard input).")
  String file;

  @Option(
      names = "--replace",
      description = "Replace stored sessions that diverge from the archive.")
  boolean replace;

  @Override
  public Integer call() throws IOException {
    ImportResult r;
    try (InputStream in = open();
        TerminalProgress progress = new TerminalProgress(root.err, "imported lines")) {
      r = root.store().importSessions(in, new ImportOptions(replace, progress));
    }
    for (SessionKey k : r.diverged()) {
      root.err.println(
          "diverged: " + k + " differs from the archive; left unchanged (--replace replaces it)");
    }
    for (ImportResult.Rejection rejection : r.rejected()) {
      root.err.println("rejected line " + rejection.line() + ": " + rejection.reason());
    }
    root.err.println(
        "imported "
            + r.created()
            + " new, "
            + r.extended()
            + " extended, "
            + r.unchanged()
            + " unchanged, "
            + r.replaced()
            + " replaced, "
            + r.diverged().size()
            + " diverged sessions; "
            + r.messages()
            + " messages stored; "
            + r.rejected().size()
            + " lines rejected");
    return r.rejected().isEmpty() ? Main.OK : Main.BAD_INPUT;
  }

  private InputStream open() throws IOException {
    if (file.equals("-")) {
      return root.in;
    }
    if (Files.isDirectory(Path.of(file))) {
      throw new InvalidInputException("Cannot import " + file + ": it is a folder, not an archive");
    }
    try {
      return Files.newInputStream(Path.of(file));
    } catch (NoSuchFileException e) {
      throw new InvalidInputException("Cannot import " + file + ": no such file");
    }
  }
}
