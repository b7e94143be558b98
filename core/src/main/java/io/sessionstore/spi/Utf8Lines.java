package io.sessionstore.spi;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads lines of strict UTF-8 from a stream: {@code \n} or {@code \r\n} ends a line and is not part
 * of it, a UTF-8 byte-order mark at the start is dropped, and a line that is not valid UTF-8 is
 * reported rather than repaired. Messages, transcripts and archives are read with it, and a backend
 * reading back the lines it stored should be too, so that every line reads the same everywhere. Not
 * thread-safe; does not close the stream.
 */
public final class Utf8Lines {
  private final InputStream in;

  /** The longest line of input read by default: one message. */
  public static final int MAX_LINE_BYTES = 128 << 20;

  private final boolean crlf;
  private final int maxLineBytes;
  private final byte[] buffer = new byte[64 * 1024];
  private int pos;
  private int limit;
  private long number;
  private long position;
  private boolean lastHadNewline = true;
  private boolean damaged;

  /**
   * Lines of text given to the store, at most {@link #MAX_LINE_BYTES} each: {@code \r\n} ends a
   * line too.
   */
  public Utf8Lines(InputStream in) {
    this(in, MAX_LINE_BYTES);
  }

  /**
   * Lines of text given to the store, at most {@code maxLineBytes} each: {@code \r\n} ends a line
   * too.
   */
  public Utf8Lines(InputStream in, int maxLineBytes) {
    this(in, true, maxLineBytes);
  }

  /**
   * @param crlf whether {@code \r\n} ends a line (input); false for text the store wrote, where
   *     every line ends with {@code \n} and a {@code \r} before it belongs to the line, and lines
   *     are as long as they were written
   */
  public Utf8Lines(InputStream in, boolean crlf) {
    this(in, crlf, crlf ? MAX_LINE_BYTES : Integer.MAX_VALUE - 16);
  }

  private Utf8Lines(InputStream in, boolean crlf, int maxLineBytes) {
    this.in = in;
    this.crlf = crlf;
    this.maxLineBytes = maxLineBytes;
  }

  /**
   * Lines of text given to the store that a reader takes up in the middle, after {@code
   * linesBefore} lines already read (by an earlier reader of a file that grew since): they are
   * numbered from {@code linesBefore + 1}, and a byte-order mark is only dropped when {@code
   * linesBefore} is 0. {@code \r\n} ends a line too.
   */
  public static Utf8Lines continuing(InputStream in, long linesBefore) {
    if (linesBefore < 0) {
      throw new IllegalArgumentException("linesBefore is negative: " + linesBefore);
    }
    Utf8Lines lines = new Utf8Lines(in, true, MAX_LINE_BYTES);
    lines.number = linesBefore;
    return lines;
  }

  /**
   * The bytes of input consumed: through the end of the line last returned (or rejected), its
   * terminator included. A reader of a file that grows can go on from here later.
   */
  public long position() {
    return position;
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
   * @throws InvalidInputException when the line is not valid UTF-8 or longer than the limit (the
   *     line is consumed; reading may go on), or when the input is damaged (a truncated gzip
   *     stream, say: the lines read so far stand, and the reader is at its end from then on)
   */
  public String next() {
    return nextLine((bytes, from, to) -> strict(bytes, from, to, number));
  }

  /**
   * The next line's bytes, not yet decoded, or null at the end: for a reader that decodes its lines
   * on other threads. {@link #strict strict(bytes, 0, bytes.length, number())} decodes them as
   * {@link #next} would have.
   *
   * @throws InvalidInputException as {@link #next} does, but for a line that is not valid UTF-8
   */
  public byte[] nextBytes() {
    return nextLine(java.util.Arrays::copyOfRange);
  }

  /** What a line's bytes {@code [from, to)} make. */
  private interface LineMaker<T> {
    T make(byte[] bytes, int from, int to);
  }

  private <T> T nextLine(LineMaker<T> maker) {
    if (damaged) {
      return null;
    }
    ByteArrayOutputStream line = null;
    boolean sawNewline = false;
    long length = 0;
    // A line whole in the buffer is taken from there; a longer one is gathered first.
    int inBuffer = newline(buffer, pos, limit);
    if (inBuffer < limit) {
      int start = pos;
      position += inBuffer + 1 - pos;
      pos = inBuffer + 1;
      if (inBuffer - start > maxLineBytes) {
        number++;
        lastHadNewline = true;
        throw tooLong(inBuffer - start);
      }
      return line(buffer, start, inBuffer, true, maker);
    }
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
        pos = newline(buffer, pos, limit);
        length += pos - start;
        position += pos - start;
        if (line == null) {
          line = new ByteArrayOutputStream(Math.max(64, pos - start));
        }
        // Past the limit the rest of the line is only skipped, so a huge line costs no memory.
        if (length <= maxLineBytes) {
          line.write(buffer, start, pos - start);
        }
        if (pos < limit) {
          pos++;
          position++;
          sawNewline = true;
          break;
        }
      }
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      damaged = true;
      throw new InvalidInputException(
          "Cannot read input past line "
              + number
              + ": it is truncated or damaged ("
              + e.getMessage()
              + ")",
          e);
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot read input: " + e.getMessage(), e);
    }
    if (length > maxLineBytes) {
      number++;
      lastHadNewline = sawNewline;
      throw tooLong(length);
    }
    if (line == null || (!sawNewline && line.size() == 0)) {
      return null;
    }
    byte[] bytes = line.toByteArray();
    return line(bytes, 0, bytes.length, sawNewline, maker);
  }

  /**
   * Whether a line's bytes are blank as their text would be ({@link String#isBlank}): decoded only
   * when they are not plainly blank or not.
   */
  public static boolean blank(byte[] line) {
    for (byte b : line) {
      if (b < 0) {
        String text = strictOrNull(line, 0, line.length);
        return text != null && text.isBlank();
      }
      if (!Character.isWhitespace(b)) {
        return false;
      }
    }
    return true;
  }

  // Eight bytes at a time: four times faster than a byte at a time where the optimising compiler,
  // which would vectorise the plain loop, is not used (the CLI runs C1 alone).
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL;
  private static final long LOW_BITS = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;

  /** Where the first {@code '\n'} of {@code bytes[from, to)} is, else {@code to}. */
  static int newline(byte[] bytes, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long found = newlines((long) LONGS.get(bytes, i));
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    while (i < to && bytes[i] != '\n') {
      i++;
    }
    return i;
  }

  /**
   * A word whose lowest set bit is the high bit of the first newline among the eight bytes of
   * {@code word} (little-endian), or 0 when there is none: a borrow can only set bits above a zero
   * byte of {@code word ^ NEWLINES}, so bits above the first may be wrong, never below it.
   */
  private static long newlines(long word) {
    long v = word ^ NEWLINES;
    return (v - LOW_BITS) & ~v & HIGH_BITS;
  }

  /** Whether {@code bytes[from, to)} are all ASCII, looked at eight at a time. */
  static boolean ascii(byte[] bytes, int from, int to) {
    int i = from;
    long high = 0;
    for (; i + 8 <= to; i += 8) {
      high |= (long) LONGS.get(bytes, i);
    }
    for (; i < to; i++) {
      high |= bytes[i];
    }
    return (high & HIGH_BITS) == 0;
  }

  private InvalidInputException tooLong(long length) {
    return new InvalidInputException(
        "Invalid line "
            + number
            + ": it is "
            + length
            + " bytes long, at most "
            + maxLineBytes
            + " are allowed");
  }

  /** The next line, bytes {@code [begin, end)} without their newline. */
  private <T> T line(byte[] bytes, int begin, int end, boolean sawNewline, LineMaker<T> maker) {
    number++;
    lastHadNewline = sawNewline;
    if (crlf && sawNewline && end > begin && bytes[end - 1] == '\r') {
      end--;
    }
    if (crlf
        && number == 1
        && end - begin >= 3
        && (bytes[begin] & 0xff) == 0xef
        && (bytes[begin + 1] & 0xff) == 0xbb
        && (bytes[begin + 2] & 0xff) == 0xbf) {
      begin += 3;
    }
    return maker.make(bytes, begin, end);
  }

  /**
   * Bytes {@code [from, to)} decoded as strict UTF-8, as this reader decodes a line: for a backend
   * that reads the lines it stored another way.
   *
   * @param line the line's number, for the error
   * @throws InvalidInputException when they are not valid UTF-8
   */
  public static String strict(byte[] bytes, int from, int to, long line) {
    String text = strictOrNull(bytes, from, to);
    if (text == null) {
      throw new InvalidInputException("Invalid line " + line + ": it is not valid UTF-8");
    }
    return text;
  }

  /**
   * Bytes {@code [from, to)} decoded as strict UTF-8, or null when they are not valid UTF-8. The
   * text holds no unpaired surrogate: UTF-8 has no form for one.
   */
  public static String strictOrNull(byte[] bytes, int from, int to) {
    if (ascii(bytes, from, to)) {
      // Most lines of real transcripts are ASCII (95% of their bytes), which the Latin-1 decoder
      // copies without the UTF-8 decoder's byte-at-a-time scan for high bits (under C1, not
      // vectorised: a tenth of import-claude's CPU).
      return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }
    return beyondAsciiOrNull(bytes, from, to);
  }

  /** Whether bytes {@code [from, to)} are strict UTF-8, as {@link #strictOrNull} decodes them. */
  public static boolean isStrict(byte[] bytes, int from, int to) {
    return ascii(bytes, from, to) || beyondAsciiOrNull(bytes, from, to) != null;
  }

  /**
   * The lines of {@code bytes}, each ended by {@code \n} but the last, which may lack it, decoded
   * as strict UTF-8: how a backend that stored lines reads many of them at once.
   *
   * @throws InvalidInputException naming the first line (from 1) that is not valid UTF-8
   */
  public static List<String> strictLines(byte[] bytes) {
    List<String> lines = new ArrayList<>();
    int n = bytes.length;
    for (int begin = 0; begin < n; ) {
      // One pass finds the line's end and whether it is ASCII: a second pass over it costs a cold
      // load under C1 a tenth more.
      int i = begin;
      long high = 0;
      for (long found; i + 8 <= n; i += 8) {
        long word = (long) LONGS.get(bytes, i);
        if ((found = newlines(word)) != 0) {
          int end = i + (Long.numberOfTrailingZeros(found) >>> 3);
          for (; i < end; i++) {
            high |= bytes[i];
          }
          break;
        }
        high |= word;
      }
      for (; i < n && bytes[i] != '\n'; i++) {
        high |= bytes[i];
      }
      String line =
          (high & HIGH_BITS) == 0
              ? new String(bytes, begin, i - begin, StandardCharsets.ISO_8859_1)
              : beyondAsciiOrNull(bytes, begin, i);
      if (line == null) {
        throw new InvalidInputException(
            "Invalid line " + (lines.size() + 1) + ": it is not valid UTF-8");
      }
      lines.add(line);
      begin = i + 1;
    }
    return lines;
  }

  private static String beyondAsciiOrNull(byte[] bytes, int from, int to) {
    // The String constructor is many times faster than a decoder, and replaces with U+FFFD exactly
    // what the decoder would report: without a U+FFFD in its result, the bytes were valid.
    String fast = new String(bytes, from, to - from, StandardCharsets.UTF_8);
    if (fast.indexOf('\uFFFD') < 0) {
      return fast;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, from, to - from))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
