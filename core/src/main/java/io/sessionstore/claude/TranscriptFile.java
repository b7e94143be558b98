package io.sessionstore.claude;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One transcript file as Claude Code writes it: JSON Lines that only ever grow. The complete lines are checked one
 * by one and kept as their exact text; a last line without its newline is still being written and is left out.
 */
final class TranscriptFile {
  final Path path;
  final List<Message> lines;
  final List<TranscriptImportResult.Rejection> rejected;
  final boolean pending;

  private TranscriptFile(Path path, List<Message> lines, List<TranscriptImportResult.Rejection> rejected,
      boolean pending) {
    this.path = path;
    this.lines = lines;
    this.rejected = rejected;
    this.pending = pending;
  }

  /** @throws IOException when the file cannot be read */
  static TranscriptFile read(Path path) throws IOException {
    byte[] bytes = Files.readAllBytes(path);
    List<Message> lines = new ArrayList<>();
    List<TranscriptImportResult.Rejection> rejected = new ArrayList<>();
    int start = 0;
    long number = 0;
    while (start < bytes.length) {
      int end = indexOf(bytes, (byte) '\n', start);
      if (end < 0) {
        return new TranscriptFile(path, lines, rejected, !isBlank(bytes, start, bytes.length));
      }
      number++;
      int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
      if (number == 1 && stop - start >= 3 && (bytes[start] & 0xff) == 0xef && (bytes[start + 1] & 0xff) == 0xbb
          && (bytes[start + 2] & 0xff) == 0xbf) {
        start += 3;
      }
      if (!isBlank(bytes, start, stop)) {
        try {
          lines.add(Message.parse(utf8(bytes, start, stop)));
        } catch (InvalidInputException e) {
          rejected.add(new TranscriptImportResult.Rejection(path, number, e.getMessage()));
        }
      }
      start = end + 1;
    }
    return new TranscriptFile(path, lines, rejected, false);
  }

  private static String utf8(byte[] bytes, int from, int to) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, from, to - from))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException("Invalid line: it is not valid UTF-8");
    }
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isBlank(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] != ' ' && bytes[i] != '\t' && bytes[i] != '\r') {
        return false;
      }
    }
    return true;
  }
}
