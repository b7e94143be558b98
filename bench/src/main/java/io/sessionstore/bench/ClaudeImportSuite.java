package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import io.sessionstore.api.ProgressListener;
import io.sessionstore.claude.ClaudeCode;
import io.sessionstore.claude.TranscriptImportResult;
import io.sessionstore.tck.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * {@code import-claude-again}: Claude Code's transcripts imported again with nothing changed (the
 * cron or hook case), on the file backend, against its floor, one {@code stat} per transcript file.
 * The history is built from the kit's real transcripts: {@link Sizes#searchSmall()} sessions in
 * folders of 50, every fifth with a sub-agent's transcript (1,000 sessions: 1,200 files).
 */
final class ClaudeImportSuite {
  private final Target target;
  private final Sizes sizes;
  private final Path dir;
  private final Consumer<Row> out;

  ClaudeImportSuite(Target target, Sizes sizes, Path dir, Consumer<Row> out) {
    this.target = target;
    this.sizes = sizes;
    this.dir = dir;
    this.out = out;
  }

  void run() throws Exception {
    Path projects = dir.resolve("projects");
    List<Path> files = history(projects);
    long bytes = 0;
    for (Path f : files) {
      bytes += Files.size(f);
    }
    int iterations = Math.max(3, sizes.bulkIterations() * 3);
    firstImports(projects, files, bytes);
    try (Namespace ns = Namespace.open(target)) {
      ClaudeCode claude =
          new ClaudeCode(ns.store, List.of("claude"), dir.resolve("claude-config"))
              .withImportState(dir.resolve("state"), "bench");
      // The first import (not measured) reads everything and remembers what it stored.
      claude.importTranscripts(projects, ProgressListener.NONE);
      Stats stats =
          Sampler.time(
              1,
              iterations,
              i -> {
                TranscriptImportResult r =
                    claude.importTranscripts(projects, ProgressListener.NONE);
                if (r.filesRead() != 0 || r.files() != files.size()) {
                  throw new IllegalStateException(
                      "An unchanged import read " + r.filesRead() + " of " + r.files() + " files");
                }
              });
      out.accept(Row.of(IMPORT_CLAUDE_AGAIN, target.name(), SESSIONSTORE, stats, bytes));
    }
    Stats floor =
        Sampler.time(
            1,
            iterations,
            i -> {
              for (Path f : files) {
                Files.readAttributes(f, BasicFileAttributes.class);
              }
            });
    out.accept(Row.of(IMPORT_CLAUDE_AGAIN, target.name(), FLOOR, floor, bytes));
  }

  /**
   * {@code import-claude}: the whole history imported into an empty store, each time into a new
   * namespace (usage accounting included: what it adds is in the bench README).
   */
  private void firstImports(Path projects, List<Path> transcripts, long bytes) throws Exception {
    int files = transcripts.size();
    int iterations = Math.max(2, sizes.bulkIterations());
    long[] nanos = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      try (Namespace ns = Namespace.open(target)) {
        ClaudeCode claude = new ClaudeCode(ns.store, List.of("claude"), dir.resolve("config-" + i));
        long start = System.nanoTime();
        TranscriptImportResult r = claude.importTranscripts(projects, ProgressListener.NONE);
        nanos[i] = System.nanoTime() - start;
        if (r.files() != files) {
          throw new IllegalStateException("Imported " + r.files() + " files, not " + files);
        }
      }
    }
    out.accept(Row.throughput(IMPORT_CLAUDE, target.name(), SESSIONSTORE, new Stats(nanos), bytes));
    // The floor (the issue's `cp -r` and `sync`): every transcript read and its bytes written as
    // one object of the backend's floor, forced to disk once.
    Floor copy = target.floor();
    Stats floor =
        Sampler.time(
            1,
            iterations,
            i -> {
              ByteArrayOutputStream all = new ByteArrayOutputStream();
              for (Path f : transcripts) {
                Files.copy(f, all);
              }
              copy.write("import-claude-" + i, all.toByteArray());
            });
    out.accept(Row.throughput(IMPORT_CLAUDE, target.name(), FLOOR, floor, bytes));
  }

  /** Writes the history; returns its transcript files. */
  private List<Path> history(Path projects) throws Exception {
    List<String> mains = new ArrayList<>();
    List<String> subs = new ArrayList<>();
    for (String f : Fixtures.files()) {
      if (f.startsWith("claude-projects/") && f.endsWith(".jsonl")) {
        (f.contains("/subagents/") ? subs : mains).add(f);
      }
    }
    List<Path> files = new ArrayList<>();
    for (int s = 0; s < sizes.searchSmall(); s++) {
      Path folder = projects.resolve(String.format("-home-dev-src-project-%03d", s / 50));
      String id = new UUID(0x5e55, s).toString();
      files.add(write(folder.resolve(id + ".jsonl"), mains.get(s % mains.size())));
      if (s % 5 == 0) {
        files.add(
            write(
                folder.resolve(id).resolve("subagents").resolve("agent-a" + s + ".jsonl"),
                subs.get(s % subs.size())));
      }
    }
    return files;
  }

  private static Path write(Path file, String fixture) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, Fixtures.text(fixture), StandardCharsets.UTF_8);
    return file;
  }
}
