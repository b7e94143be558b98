package io.sessionstore.claude;

import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.spi.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Imports Claude Code transcripts (the README's "Claude Code"). Each session goes in through {@link
 * SessionStore#importSession}, so the archive import's merge rules apply: a new session is created,
 * a stored one whose lines start the file's gets the new lines appended as they are, and one that
 * does not is reported as diverged and left alone. Not thread-safe: one import per instance.
 */
final class TranscriptImporter {
  static final String SUBAGENTS = "subagents";

  private final SessionStore store;
  private long files;
  private long created;
  private long extended;
  private long unchanged;
  private long stored;
  private long skipped;
  private long pending;
  private final List<SessionKey> diverged = new ArrayList<>();
  private final List<TranscriptImportResult.Rejection> rejected = new ArrayList<>();

  TranscriptImporter(SessionStore store) {
    this.store = store;
  }

  /**
   * Every {@code <folder>/<id>.jsonl} and {@code <folder>/<id>/subagents/*.jsonl} under a projects
   * folder; or, when the folder holds transcripts itself and none of its folders does, it is one
   * project's folder and those are imported.
   */
  TranscriptImporter importProjects(Path projectsDir, ProgressListener progress) {
    if (!Files.isDirectory(projectsDir)) {
      throw new InvalidInputException(
          "Cannot import Claude Code transcripts from " + projectsDir + ": no such folder");
    }
    List<Path> entries = children(projectsDir);
    List<Path> folders = entries.stream().filter(Files::isDirectory).toList();
    List<Path> loose = entries.stream().filter(TranscriptImporter::isTranscript).toList();
    if (!loose.isEmpty() && folders.stream().noneMatch(TranscriptImporter::holdsSessions)) {
      folders = List.of(projectsDir);
    } else {
      for (Path f : loose) {
        files++;
        rejected.add(
            new TranscriptImportResult.Rejection(
                f,
                0,
                "not in a project's folder (import its folder on "
                    + "its own to take it into that project)"));
      }
    }
    long done = 0;
    for (Path folder : folders) {
      TreeSet<String> ids = new TreeSet<>();
      for (Path p : children(folder)) {
        String name = p.getFileName().toString();
        if (isTranscript(p)) {
          ids.add(name.substring(0, name.length() - ".jsonl".length()));
        } else if (Files.isDirectory(p.resolve(SUBAGENTS))) {
          ids.add(name);
        }
      }
      for (String id : ids) {
        SessionKey key;
        try {
          key = SessionKey.of(folder.getFileName().toString(), id);
        } catch (InvalidInputException e) {
          rejected.add(
              new TranscriptImportResult.Rejection(
                  folder.resolve(id + ".jsonl"), 0, e.getMessage()));
          continue;
        }
        importSession(key, folder.resolve(id + ".jsonl"), folder.resolve(id).resolve(SUBAGENTS));
      }
      progress.progress(++done, folders.size());
    }
    return this;
  }

  /** One session: its transcript file and its sub-agents' files, either of which may be absent. */
  TranscriptImporter importSession(SessionKey key, Path transcript, Path subagentsDir) {
    TranscriptFile main = Files.isRegularFile(transcript) ? read(transcript) : null;
    if (main != null && main.lines.isEmpty()) {
      // Nothing valid in it (yet): no session is made of an empty file.
      main = null;
    }
    Map<String, TranscriptFile> subs = new TreeMap<>();
    if (Files.isDirectory(subagentsDir)) {
      try (Stream<Path> walk = Files.walk(subagentsDir)) {
        for (Path p : walk.filter(TranscriptImporter::isTranscript).sorted().toList()) {
          String relative =
              subagentsDir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
          String subpath =
              SUBAGENTS + "/" + relative.substring(0, relative.length() - ".jsonl".length());
          try {
            key.withSubpath(subpath);
          } catch (InvalidInputException e) {
            files++;
            rejected.add(new TranscriptImportResult.Rejection(p, 0, e.getMessage()));
            continue;
          }
          TranscriptFile sub = read(p);
          if (sub != null && !sub.lines.isEmpty()) {
            subs.put(subpath, sub);
          }
        }
      } catch (IOException e) {
        rejected.add(
            new TranscriptImportResult.Rejection(
                subagentsDir, 0, "cannot be read: " + IoErrors.describe(e)));
      }
    }
    if (main == null && subs.isEmpty()) {
      return this;
    }
    long lines =
        (main == null ? 0 : main.lines.size())
            + subs.values().stream().mapToLong(f -> f.lines.size()).sum();
    Map<String, List<Message>> subpaths = new TreeMap<>();
    subs.forEach((name, f) -> subpaths.put(name, f.lines));
    ImportResult r =
        store.importSession(
            metadata(key, main, subs),
            main == null ? List.of() : main.lines,
            subpaths,
            new ImportOptions(false, true, ProgressListener.NONE));
    if (!r.rejected().isEmpty()) {
      rejected.add(
          new TranscriptImportResult.Rejection(transcript, 0, r.rejected().get(0).reason()));
      return this;
    }
    if (!r.diverged().isEmpty()) {
      diverged.add(key);
      return this;
    }
    created += r.created();
    extended += r.extended();
    unchanged += r.unchanged();
    stored += r.messages();
    skipped += lines - r.messages();
    return this;
  }

  TranscriptImportResult result() {
    return new TranscriptImportResult(
        files, created, extended, unchanged, diverged, stored, skipped, pending, rejected);
  }

  private TranscriptFile read(Path file) {
    files++;
    try {
      TranscriptFile f = TranscriptFile.read(file);
      rejected.addAll(f.rejected);
      pending += f.pending ? 1 : 0;
      return f;
    } catch (IOException e) {
      rejected.add(
          new TranscriptImportResult.Rejection(file, 0, "cannot be read: " + IoErrors.describe(e)));
      return null;
    }
  }

  /**
   * The session's metadata, as its lines give it (the README's "Claude Code"). For a session stored
   * before, what an earlier import derived is refreshed, and what someone changed since is kept: a
   * stored value that differs from what the stored lines give was set by a person.
   */
  private SessionMetadata metadata(
      SessionKey key, TranscriptFile main, Map<String, TranscriptFile> subs) {
    List<Message> lines = main == null ? List.of() : main.lines;
    TranscriptMetadata derived = TranscriptMetadata.of(lines);
    String summary = derived.summary();
    Map<String, String> attributes = new TreeMap<>(derived.attributes());
    Optional<SessionMetadata> before = store.getMetadata(key);
    if (before.isPresent() && before.get().messageCount() <= lines.size()) {
      SessionMetadata stored = before.get();
      TranscriptMetadata earlier =
          TranscriptMetadata.of(lines.subList(0, (int) stored.messageCount()));
      if (stored.summary() != null && !stored.summary().equals(earlier.summary())) {
        summary = stored.summary();
      }
      for (Map.Entry<String, String> a : stored.attributes().entrySet()) {
        if (attributes.containsKey(a.getKey())
            && !a.getValue().equals(earlier.attributes().get(a.getKey()))) {
          attributes.put(a.getKey(), a.getValue());
        }
      }
    }
    Instant first = derived.first();
    Instant last = derived.last();
    if (first == null) {
      // No timestamps in the transcript: the sub-agents' lines, else when the files were written.
      for (TranscriptFile f : subs.values()) {
        TranscriptMetadata s = TranscriptMetadata.of(f.lines);
        first = earliest(first, s.first());
        last = latest(last, s.last());
      }
    }
    if (first == null) {
      last = modified(main, subs);
      first = last;
    }
    return SessionMetadata.of(key, first)
        .withUpdatedAt(last)
        .withSummary(summary)
        .withAttributes(attributes);
  }

  private static Instant modified(TranscriptFile main, Map<String, TranscriptFile> subs) {
    Instant latest = null;
    List<TranscriptFile> all = new ArrayList<>(subs.values());
    if (main != null) {
      all.add(main);
    }
    for (TranscriptFile f : all) {
      try {
        latest = latest(latest, Files.getLastModifiedTime(f.path).toInstant());
      } catch (IOException e) {
        // the file was read a moment ago; without its time, the others' (or now) will do
      }
    }
    return latest != null ? latest : Instant.now();
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null || (b != null && b.isBefore(a)) ? b : a;
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null || (b != null && b.isAfter(a)) ? b : a;
  }

  /** Whether a folder holds sessions: transcripts, or sub-agents' folders of sessions. */
  private static boolean holdsSessions(Path folder) {
    return children(folder).stream()
        .anyMatch(p -> isTranscript(p) || Files.isDirectory(p.resolve(SUBAGENTS)));
  }

  private static boolean isTranscript(Path p) {
    return p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p);
  }

  private static List<Path> children(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new InvalidInputException("Cannot read " + dir + ": " + IoErrors.describe(e));
    }
  }
}
