package io.sessionstore.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class Utf8LinesTest {
  private static Utf8Lines lines(String text, int max) {
    return new Utf8Lines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
  }

  /**
   * Lines decoded where they lie in the buffer and lines gathered across reads decode alike, and
   * exactly what a reporting decoder rejects is rejected (U+FFFD written as UTF-8 is valid).
   */
  @Test
  void linesAreDecodedAsAStrictDecoderDecodesThem() throws IOException {
    java.util.Random r = new java.util.Random(8);
    byte[][] pieces = {
      "a".getBytes(StandardCharsets.UTF_8),
      "é€😀".getBytes(StandardCharsets.UTF_8),
      "\uFFFD".getBytes(StandardCharsets.UTF_8),
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
      {(byte) 0xc0, (byte) 0xaf},
      {(byte) 0xe2, (byte) 0x82},
      {(byte) 0xff},
      {'\r'},
      {'\n'}
    };
    ByteArrayOutputStream input = new ByteArrayOutputStream();
    for (int i = 0; i < 200_000; i++) {
      int p = r.nextInt(100) < 90 ? 0 : r.nextInt(pieces.length);
      input.write(pieces[p]);
      if (r.nextInt(1000) == 0) {
        input.write("x".repeat(70_000).getBytes(StandardCharsets.UTF_8)); // longer than the buffer
      }
    }
    byte[] bytes = input.toByteArray();
    Utf8Lines reader = new Utf8Lines(new ByteArrayInputStream(bytes));
    int start = 0;
    int valid = 0;
    int invalid = 0;
    for (int end = 0; end < bytes.length; end++) {
      if (bytes[end] != '\n') {
        continue;
      }
      int to = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
      String expected;
      try {
        expected =
            StandardCharsets.UTF_8
                .newDecoder()
                .decode(java.nio.ByteBuffer.wrap(bytes, start, to - start))
                .toString();
        valid++;
      } catch (java.nio.charset.CharacterCodingException e) {
        expected = "rejected";
        invalid++;
      }
      String actual;
      try {
        actual = reader.next();
      } catch (InvalidInputException e) {
        actual = "rejected";
      }
      assertEquals(expected, actual, "line " + reader.number());
      start = end + 1;
    }
    assertTrue(valid > 100 && invalid > 100, valid + " valid, " + invalid + " invalid");
  }

  @Test
  void aLineOverTheLimitIsRejectedAndTheNextOneIsRead() {
    Utf8Lines r = lines("short\n" + "x".repeat(100) + "\nnext\r\n", 10);
    assertEquals("short", r.next());
    InvalidInputException e = assertThrows(InvalidInputException.class, r::next);
    assertEquals("Invalid line 2: it is 100 bytes long, at most 10 are allowed", e.getMessage());
    assertEquals("next", r.next());
    assertEquals(3, r.number());
    assertNull(r.next());
  }

  @Test
  void thePositionIsTheBytesConsumedAndAContinuingReaderNumbersOnWithoutABom() {
    byte[] text = "\uFEFFcaf\u00e9\r\n\nbad\u0000\nlast".getBytes(StandardCharsets.UTF_8);
    Utf8Lines r = new Utf8Lines(new ByteArrayInputStream(text));
    assertEquals("caf\u00e9", r.next());
    assertEquals(3 + 5 + 2, r.position());
    assertEquals("", r.next());
    assertEquals(11, r.position());
    assertEquals("bad\u0000", r.next());
    assertEquals("last", r.next());
    assertEquals(text.length, r.position());

    byte[] more = "\uFEFF{}\nnext\n".getBytes(StandardCharsets.UTF_8);
    Utf8Lines c = Utf8Lines.continuing(new ByteArrayInputStream(more), 4);
    assertEquals("\uFEFF{}", c.next(), "in the middle of a file a BOM is text");
    assertEquals(5, c.number());
    assertEquals("next", c.next());
    assertEquals(6, c.number());
    assertEquals(more.length, c.position());
  }

  @Test
  void aTruncatedGzipStreamIsReportedOnceAndThenEnds() throws IOException {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
      for (int i = 0; i < 10_000; i++) {
        gz.write(("line " + i + " " + Math.random() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] cut = Arrays.copyOf(zipped.toByteArray(), zipped.size() / 2);
    Utf8Lines r = new Utf8Lines(new GZIPInputStream(new ByteArrayInputStream(cut)));
    int read = 0;
    InvalidInputException damage = null;
    while (true) {
      try {
        if (r.next() == null) {
          break;
        }
        read++;
      } catch (InvalidInputException e) {
        assertNull(damage, "reported once");
        damage = e;
      }
    }
    assertTrue(read > 0 && read < 10_000, "the whole lines before the cut: " + read);
    assertTrue(
        damage != null && damage.getMessage().contains("truncated or damaged"),
        String.valueOf(damage));
  }

  @Test
  void onlyTheFirstByteOrderMarkIsTheStreams() {
    Utf8Lines r = lines("\ufeff\ufeff{}\n\ufeff{}\n", 100);
    assertEquals("\ufeff{}", r.next());
    assertEquals("\ufeff{}", r.next());
  }

  /** Every newline is found wherever it falls in an eight-byte word, among bytes of any value. */
  @Test
  void newlinesAreFoundAtEveryOffset() {
    java.util.Random random = new java.util.Random(1130);
    for (int trial = 0; trial < 20_000; trial++) {
      byte[] bytes = new byte[random.nextInt(40)];
      random.nextBytes(bytes);
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] == '\n' || random.nextInt(10) == 0) {
          bytes[i] = (byte) (random.nextBoolean() ? 0x0b : 0x8a);
        }
      }
      int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
      int expected = bytes.length;
      if (bytes.length > from && random.nextBoolean()) {
        expected = from + random.nextInt(bytes.length - from);
        bytes[expected] = '\n';
        if (expected + 1 < bytes.length && random.nextBoolean()) {
          bytes[expected + 1] = '\n';
        }
      }
      assertEquals(expected, Utf8Lines.newline(bytes, from, bytes.length), Arrays.toString(bytes));
    }
  }

  /** A byte beyond ASCII is seen wherever it falls in an eight-byte word or in the tail. */
  @Test
  void aByteBeyondAsciiIsFoundAtEveryOffset() {
    java.util.Random random = new java.util.Random(1201);
    for (int trial = 0; trial < 20_000; trial++) {
      byte[] bytes = new byte[random.nextInt(40)];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = (byte) random.nextInt(128);
      }
      if (bytes.length > 0 && random.nextBoolean()) {
        bytes[random.nextInt(bytes.length)] = (byte) (0x80 + random.nextInt(128));
      }
      int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
      int to = from + random.nextInt(bytes.length - from + 1);
      boolean expected = true;
      for (int i = from; i < to; i++) {
        expected &= bytes[i] >= 0;
      }
      assertEquals(expected, Utf8Lines.ascii(bytes, from, to), Arrays.toString(bytes));
      String text = Utf8Lines.strictOrNull(bytes, from, to);
      if (expected) {
        assertEquals(new String(bytes, from, to - from, StandardCharsets.UTF_8), text);
      }
    }
  }

  /** Lines split in one pass are the lines one reader reads, and the first invalid one is named. */
  @Test
  void strictLinesAreTheLinesOfAReader() throws IOException {
    java.util.Random random = new java.util.Random(1202);
    byte[][] pieces = {
      "abcdefgh".getBytes(StandardCharsets.UTF_8),
      "a".getBytes(StandardCharsets.UTF_8),
      "é€😀".getBytes(StandardCharsets.UTF_8),
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
      {(byte) 0xc0, (byte) 0xaf},
      {'\r'},
      {'\n'},
      {'\n', '\n'}
    };
    for (int trial = 0; trial < 20_000; trial++) {
      ByteArrayOutputStream input = new ByteArrayOutputStream();
      for (int i = random.nextInt(12); i > 0; i--) {
        int p = random.nextInt(100);
        input.write(pieces[p < 40 ? 0 : p < 60 ? 1 : p < 70 ? 6 : 2 + random.nextInt(6)]);
      }
      byte[] bytes = input.toByteArray();
      List<String> expected = new java.util.ArrayList<>();
      String error = null;
      Utf8Lines reader = new Utf8Lines(new ByteArrayInputStream(bytes), false);
      while (true) {
        try {
          String line = reader.next();
          if (line == null) {
            break;
          }
          expected.add(line);
        } catch (InvalidInputException e) {
          error = e.getMessage();
          break;
        }
      }
      try {
        assertEquals(expected, Utf8Lines.strictLines(bytes), Arrays.toString(bytes));
        assertEquals(null, error, Arrays.toString(bytes));
      } catch (InvalidInputException e) {
        assertEquals(error, e.getMessage(), Arrays.toString(bytes));
      }
    }
  }

  @Test
  void aLineIsBlankAsItsTextIs() {
    for (String text : List.of("", " \t\r", "\u2003\u3000 ", " {}", "\u00a0", "x")) {
      assertEquals(text.isBlank(), Utf8Lines.blank(text.getBytes(StandardCharsets.UTF_8)), text);
    }
    assertEquals(false, Utf8Lines.blank(new byte[] {' ', (byte) 0xff}));
  }
}
