package io.sessionstore.examples;

import io.sessionstore.api.Message;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.claude.ClaudeCode;
import io.sessionstore.claude.PullResult;
import io.sessionstore.claude.TranscriptImportResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Imports a Claude Code transcript folder ({@code ~/.claude/projects}) into a store, twice to show
 * that a second import stores only what is new, then writes one session back where Claude Code
 * started in another directory finds it, so {@code claude --resume <id>} works there.
 *
 * <p>Arguments: {@code [PROJECTS_DIR]}. Without one it builds a folder from the bundled real
 * transcript and its subagent's transcript; your own {@code ~/.claude/projects} is only read when
 * you name it.
 */
public final class ImportTranscripts {
  private ImportTranscripts() {}

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("sessionstore-import-claude");
    Path projects = args.length > 0 ? Path.of(args[0]) : sampleProjects(work.resolve("projects"));
    try (SessionStore store =
        SessionStore.builder()
            .config(
                SessionStoreConfig.of(
                    Map.of("sessionstore.file.dir", work.resolve("store").toString())))
            .build()) {
      ClaudeCode claude = new ClaudeCode(store, List.of("claude"), work.resolve("claude-config"));
      TranscriptImportResult first = claude.importTranscripts(projects, ProgressListener.NONE);
      System.out.printf(
          "first import: %d files, %d sessions, %d lines stored%n",
          first.files(), first.sessions(), first.linesStored());
      TranscriptImportResult again = claude.importTranscripts(projects, ProgressListener.NONE);
      System.out.printf(
          "second import: %d lines stored, %d already there%n",
          again.linesStored(), again.linesSkipped());

      SessionMetadata m =
          store
              .getMetadata(store.findSessions(firstSessionId(projects)).get(0).key())
              .orElseThrow();
      System.out.printf(
          "%s: %d messages from %s to %s, subpaths %s, cwd %s%n",
          m.sessionId(),
          m.messageCount(),
          m.createdAt(),
          m.updatedAt(),
          m.subpaths(),
          m.attributes().get("cwd"));
      Path elsewhere = Files.createDirectories(work.resolve("checkout"));
      PullResult pulled = claude.pull(SessionKey.of(m.project(), m.sessionId()), elsewhere, false);
      System.out.println(
          "pulled for "
              + elsewhere
              + " to "
              + pulled.transcript()
              + " ("
              + pulled.written().size()
              + " files)");
    }
  }

  /**
   * A projects folder holding the bundled transcript and its subagent's, named as Claude Code names
   * them.
   */
  private static Path sampleProjects(Path projects) throws Exception {
    List<Message> transcript = Samples.messages("transcript.jsonl");
    String id =
        transcript.stream()
            .map(x -> x.tree().path("sessionId").asText(""))
            .filter(s -> !s.isEmpty())
            .findFirst()
            .orElseThrow();
    Path folder = Files.createDirectories(projects.resolve("-home-me-app"));
    write(folder.resolve(id + ".jsonl"), transcript);
    Path subagents = Files.createDirectories(folder.resolve(id).resolve("subagents"));
    write(subagents.resolve("agent-example.jsonl"), Samples.messages("transcript-subagent.jsonl"));
    return projects;
  }

  private static void write(Path file, List<Message> lines) throws Exception {
    Files.write(file, lines.stream().map(Message::json).toList(), StandardCharsets.UTF_8);
  }

  private static String firstSessionId(Path projects) throws Exception {
    try (var files = Files.walk(projects, 2)) {
      Path first =
          files.filter(f -> f.toString().endsWith(".jsonl")).sorted().findFirst().orElseThrow();
      String name = first.getFileName().toString();
      return name.substring(0, name.length() - ".jsonl".length());
    }
  }
}
