package io.sessionstore.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the CLI in this process on a file store in a folder, as a script would: stdin in, exit code
 * and output out.
 */
final class CliRun {
  private final Path store;

  CliRun(Path store) {
    this.store = store;
  }

  record Result(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  Result bytes(byte[] stdin, String... args) {
    // Imports of Claude Code transcripts remember what they stored beside the store, not in the
    // home folder of whoever runs the tests.
    List<String> all =
        new ArrayList<>(
            List.of(
                "-D",
                "sessionstore.file.dir=" + store,
                "-D",
                "sessionstore.claude.import-state="
                    + store.resolveSibling(store.getFileName() + "-import-state")));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            all.toArray(String[]::new),
            new ByteArrayInputStream(stdin),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Result input(String stdin, String... args) {
    return bytes(stdin.getBytes(StandardCharsets.UTF_8), args);
  }

  Result run(String... args) {
    return input("", args);
  }
}
