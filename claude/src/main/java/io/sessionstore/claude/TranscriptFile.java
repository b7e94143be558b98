package io.sessionstore.claude;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.spi.Utf8Lines;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One transcript file as Claude Code writes it: JSON Lines that only ever grow. The complete lines
 * are checked one by one and kept as their exact text; a last line without its newline is still
 * being written and is left out.
 */
final class TranscriptFile {
  final Path path;
  final List<Message> lines;
  final List<TranscriptImportResult.Rejection> rejected;
  final boolean pending;

  private TranscriptFile(
      Path path,
      List<Message> lines,
      List<TranscriptImportResult.Rejection> rejected,
      boolean pending) {
    this.path = path;
    this.lines = lines;
    this.rejected = rejected;
    this.pending = pending;
  }

  /**
   * @throws IOException when the file cannot be read
   */
  static TranscriptFile read(Path path) throws IOException {
    List<Message> lines = new ArrayList<>();
    List<TranscriptImportResult.Rejection> rejected = new ArrayList<>();
    try (InputStream in = Files.newInputStream(path)) {
      Utf8Lines reader = new Utf8Lines(in);
      while (true) {
        String line;
        try {
          line = reader.next();
        } catch (InvalidInputException notUtf8) {
          if (!reader.lastHadNewline()) {
            // a character cut in two by a write still going on
            return new TranscriptFile(path, lines, rejected, true);
          }
          rejected.add(
              new TranscriptImportResult.Rejection(path, reader.number(), notUtf8.getMessage()));
          continue;
        }
        if (line == null) {
          return new TranscriptFile(path, lines, rejected, false);
        }
        if (!reader.lastHadNewline()) {
          return new TranscriptFile(path, lines, rejected, !line.isBlank());
        }
        if (!line.isBlank()) {
          try {
            lines.add(Message.parse(line));
          } catch (InvalidInputException e) {
            rejected.add(
                new TranscriptImportResult.Rejection(path, reader.number(), e.getMessage()));
          }
        }
      }
    } catch (BackendUnavailableException e) {
      throw new IOException(e.getMessage(), e.getCause());
    }
  }
}
