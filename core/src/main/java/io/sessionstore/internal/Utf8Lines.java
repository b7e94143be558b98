package io.sessionstore.internal;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads lines of strict UTF-8 from a stream: {@code \n} or {@code \r\n} ends a line and is not part of it, a UTF-8
 * byte-order mark at the start is dropped, and a line that is not valid UTF-8 is reported rather than repaired.
 * Not thread-safe; does not close the stream.
 */
public final class Utf8Lines {
  private final InputStream in;
  private final boolean crlf;
  private final byte[] buffer = new byte[64 * 1024];
  private int pos;
  private int limit;
  private long number;
  private boolean lastHadNewline = true;

  /** Lines of text given to the store: {@code \r\n} ends a line too. */
  public Utf8Lines(InputStream in) {
    this(in, true);
  }

  /**
   * @param crlf whether {@code \r\n} ends a line (input); false for text the store wrote, where every line ends
   *     with {@code \n} and a {@code \r} before it belongs to the line
   */
  public Utf8Lines(InputStream in, boolean crlf) {
    this.in = in;
    this.crlf = crlf;
  }

  /** The number of the line last returned, from 1. */
  public long number() {
    return number;
  }

  /** Whether the line last returned ended with a line terminator (a last line may not). */
  public boolean lastHadNewline() {
    return lastHadNewline;
  }

  /**
   * The next line, or null at the end.
   *
   * @throws InvalidInputException when the line is not valid UTF-8 (the line is consumed; reading may go on)
   */
  public String next() {
    ByteArrayOutputStream line = null;
    boolean sawNewline = false;
    try {
      while (true) {
        if (pos == limit) {
          limit = in.read(buffer, 0, buffer.length);
          pos = 0;
          if (limit <= 0) {
            limit = 0;
            break;
          }
        }
        int start = pos;
        while (pos < limit && buffer[pos] != '\n') {
          pos++;
        }
        if (line == null) {
          line = new ByteArrayOutputStream(Math.max(64, pos - start));
        }
        line.write(buffer, start, pos - start);
        if (pos < limit) {
          pos++;
          sawNewline = true;
          break;
        }
      }
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new InvalidInputException("Cannot read input: it is truncated or damaged (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot read input: " + e.getMessage(), e);
    }
    if (line == null || (!sawNewline && line.size() == 0)) {
      return null;
    }
    number++;
    lastHadNewline = sawNewline;
    byte[] bytes = line.toByteArray();
    int end = bytes.length;
    if (crlf && sawNewline && end > 0 && bytes[end - 1] == '\r') {
      end--;
    }
    int begin = 0;
    if (crlf && number == 1 && end >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
        && (bytes[2] & 0xff) == 0xbf) {
      begin = 3;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, begin, end - begin))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException("Invalid line " + number + ": it is not valid UTF-8");
    }
  }
}
