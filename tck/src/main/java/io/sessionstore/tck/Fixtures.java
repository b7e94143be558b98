package io.sessionstore.tck;

import io.sessionstore.api.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real Claude Code data bundled with the kit (see {@code fixtures/README.md} beside this class for
 * what each file shows and its licence): transcripts as written to {@code ~/.claude/projects}, and
 * stream-json output.
 */
public final class Fixtures {
  private static final String ROOT = "fixtures/";

  private Fixtures() {}

  /** Paths of every data file, relative to the fixtures folder. */
  public static List<String> files() {
    return List.of(text("INDEX").split("\n"));
  }

  /** Paths of the JSON Lines files (transcripts and stream-json output). */
  public static List<String> jsonLinesFiles() {
    return files().stream().filter(f -> f.endsWith(".jsonl")).toList();
  }

  /** Paths of the single pretty-printed stream-json messages. */
  public static List<String> singleMessages() {
    return files().stream().filter(f -> f.endsWith(".json")).toList();
  }

  /**
   * The lines of a JSON Lines file exactly as they are in the file, without terminators; blank
   * lines dropped.
   */
  public static List<String> lines(String path) {
    List<String> out = new ArrayList<>();
    for (String line : text(path).split("\n")) {
      String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      if (!l.isBlank()) {
        out.add(l);
      }
    }
    return out;
  }

  public static List<Message> messages(String path) {
    return lines(path).stream().map(Message::of).toList();
  }

  /** The whole text of a fixture file. */
  public static String text(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream(ROOT + path)) {
      if (in == null) {
        throw new IllegalArgumentException("No fixture " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A transcript that has subagent transcripts, with the names of those. */
  public static String transcriptWithSubagents() {
    return files().stream()
        .filter(f -> f.startsWith("claude-projects/") && f.contains("/subagents/"))
        .map(f -> f.substring(0, f.indexOf("/subagents/")) + ".jsonl")
        .filter(files()::contains)
        .findFirst()
        .orElseThrow();
  }

  /**
   * The subagent transcripts of a transcript, as (subpath, file) pairs: subpath {@code
   * subagents/<name>}.
   */
  public static List<String[]> subagentsOf(String transcript) {
    String folder =
        transcript.substring(0, transcript.length() - ".jsonl".length()) + "/subagents/";
    return files().stream()
        .filter(f -> f.startsWith(folder))
        .map(
            f ->
                new String[] {
                  "subagents/" + f.substring(folder.length(), f.length() - ".jsonl".length()), f
                })
        .toList();
  }

  /**
   * Writes the real {@code ~/.claude/projects} tree ({@code claude-projects/}: one folder per
   * working directory, {@code <id>.jsonl} transcripts and {@code <id>/subagents/*.jsonl}) into a
   * folder, byte for byte.
   *
   * @return the folder
   */
  public static Path writeClaudeProjects(Path dir) {
    String prefix = "claude-projects/";
    try {
      for (String f : files()) {
        if (f.startsWith(prefix)) {
          Path target = dir.resolve(f.substring(prefix.length()));
          Files.createDirectories(target.getParent());
          try (InputStream in = Fixtures.class.getResourceAsStream(ROOT + f)) {
            Files.write(target, in.readAllBytes());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /**
   * The stream-json output of a real {@code claude -p --output-format stream-json --verbose} run.
   */
  public static String streamJsonOutput() {
    return text(
        jsonLinesFiles().stream()
            .filter(f -> f.startsWith("stream-json/"))
            .findFirst()
            .orElseThrow());
  }
}
