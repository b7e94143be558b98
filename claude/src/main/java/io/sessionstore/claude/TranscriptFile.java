package io.sessionstore.claude;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.spi.Utf8Lines;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One transcript file as Claude Code writes it: JSON Lines that only ever grow. The complete lines
 * are checked one by one and kept as their exact text; a last line without its newline is still
 * being written and is left out.
 *
 * <p>A read also says where it stopped ({@link #mark()}: the end of the last complete line, where
 * that line starts and a hash of its bytes), so that a later read of the grown file can take up
 * there ({@link #readFrom}) after checking that the line is still what it was.
 */
final class TranscriptFile {
  /**
   * The most of the last line a mark keeps a hash of: its end, newline included. A long line (a
   * tool's output) is not read again whole to check it.
   */
  static final int CHECKED = 4096;

  /**
   * Where a read of a file stopped, and what the file held just before.
   *
   * @param lastStart where the last complete line starts
   * @param end where it ends (after its newline): where the read stopped
   * @param lines the complete lines up to {@code end}, blank and rejected ones included
   * @param lastHash the {@link #hash} of the last complete line's last {@link #CHECKED} bytes
   */
  record Mark(long lastStart, long end, long lines, String lastHash) {
    /**
     * A read that found no complete line. Its hash, that of no bytes, written out: computing it
     * when the class loads costs an import that reads nothing the start of the JDK's digests.
     */
    static final Mark START =
        new Mark(0, 0, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    /** Where the bytes the hash covers start. */
    long checkedStart() {
      return Math.max(lastStart, end - CHECKED);
    }
  }

  final Path path;

  /** The valid lines read (by {@link #readFrom}: the new ones only). */
  final List<Message> lines;

  /** What {@link TranscriptMetadata} takes from each of {@link #lines}, read as it was checked. */
  final List<TranscriptMetadata.Line> lineMetadata;

  /** The lines read that are not JSON objects; nothing of them is stored. */
  final List<TranscriptImportResult.Rejection> rejected;

  /** Whether the file ends with a line still being written. */
  final boolean pending;

  /** The bytes the file held as it was read. */
  final long size;

  /** Where the read stopped: after the last complete line. */
  final Mark mark;

  /** Bytes read from the file. */
  final long bytesRead;

  private TranscriptFile(
      Path path,
      List<Message> lines,
      List<TranscriptMetadata.Line> lineMetadata,
      List<TranscriptImportResult.Rejection> rejected,
      boolean pending,
      long size,
      Mark mark,
      long bytesRead) {
    this.path = path;
    this.lines = lines;
    this.lineMetadata = lineMetadata;
    this.rejected = rejected;
    this.pending = pending;
    this.size = size;
    this.mark = mark;
    this.bytesRead = bytesRead;
  }

  /**
   * The whole file.
   *
   * @throws IOException when the file cannot be read
   */
  static TranscriptFile read(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return read(path, ch, Mark.START, 0);
    }
  }

  /**
   * The lines a file gained after {@code mark}, or null when the file no longer holds, right before
   * the mark, the line it held there (it was shortened or rewritten: read it whole).
   *
   * @throws IOException when the file cannot be read
   */
  static TranscriptFile readFrom(Path path, Mark mark) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      if (ch.size() < mark.end()) {
        return null;
      }
      if (!hash(ch, mark.checkedStart(), mark.end()).equals(mark.lastHash())) {
        return null;
      }
      return read(path, ch, mark, mark.end() - mark.checkedStart());
    }
  }

  private static TranscriptFile read(Path path, FileChannel ch, Mark from, long bytesBefore)
      throws IOException {
    List<Message> lines = new ArrayList<>();
    List<TranscriptMetadata.Line> lineMetadata = new ArrayList<>();
    List<TranscriptImportResult.Rejection> rejected = new ArrayList<>();
    ch.position(from.end());
    InputStream in = Channels.newInputStream(ch);
    Utf8Lines reader = Utf8Lines.continuing(in, from.lines());
    // Where the last complete line starts and ends, counted from the start of the file.
    long lastStart = from.lastStart();
    long end = from.end();
    long numbered = from.lines();
    // The last complete line's bytes as read.
    byte[] lastLine = null;
    boolean pending = false;
    try {
      while (true) {
        long before = from.end() + reader.position();
        byte[] line;
        try {
          line = reader.nextBytes();
        } catch (InvalidInputException tooLong) {
          if (!reader.lastHadNewline()) {
            // still being written
            pending = true;
            break;
          }
          rejected.add(
              new TranscriptImportResult.Rejection(path, reader.number(), tooLong.getMessage()));
          lastStart = before;
          end = from.end() + reader.position();
          numbered = reader.number();
          lastLine = null;
          continue;
        }
        if (line == null) {
          break;
        }
        if (!reader.lastHadNewline()) {
          // still being written (a character may be cut in two)
          pending = !Utf8Lines.blank(line);
          break;
        }
        lastStart = before;
        end = from.end() + reader.position();
        numbered = reader.number();
        lastLine = line;
        try {
          Message.Parsed<TranscriptMetadata.Line> parsed =
              Message.parse(line, TranscriptMetadata::line);
          lineMetadata.add(parsed.read());
          lines.add(parsed.message());
        } catch (InvalidInputException e) {
          if (!Utf8Lines.blank(line)) {
            rejected.add(
                new TranscriptImportResult.Rejection(path, reader.number(), e.getMessage()));
          }
        }
      }
    } catch (BackendUnavailableException e) {
      throw new IOException(e.getMessage(), e.getCause());
    }
    long size = from.end() + reader.position();
    long bytesRead = bytesBefore + reader.position();
    String lastHash = from.lastHash();
    if (end != from.end()) {
      // A valid line is its UTF-8 bytes and a newline unless it had a '\r' or a byte-order mark,
      // which make it longer than that: then its bytes are read again.
      long checked = new Mark(lastStart, end, numbered, null).checkedStart();
      if (lastLine != null && lastLine.length + 1 == end - lastStart) {
        byte[] bytes = Arrays.copyOf(lastLine, lastLine.length + 1);
        bytes[lastLine.length] = '\n';
        lastHash = hash(Arrays.copyOfRange(bytes, (int) (checked - lastStart), bytes.length));
      } else {
        lastHash = hash(ch, checked, end);
        bytesRead += end - checked;
      }
    }
    return new TranscriptFile(
        path,
        lines,
        lineMetadata,
        rejected,
        pending,
        size,
        new Mark(lastStart, end, numbered, lastHash),
        bytesRead);
  }

  /** The hash of the bytes from {@code start} to {@code end}. */
  private static String hash(FileChannel ch, long start, long end) throws IOException {
    MessageDigest digest = sha256();
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(64 * 1024, Math.max(1, end - start)));
    for (long at = start; at < end; ) {
      buf.clear().limit((int) Math.min(buf.capacity(), end - at));
      int n = ch.read(buf, at);
      if (n < 0) {
        throw new IOException("it ended while being read");
      }
      digest.update(buf.flip());
      at += n;
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The hash a mark keeps of a line's bytes (its terminator included): SHA-256, hex. */
  static String hash(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
