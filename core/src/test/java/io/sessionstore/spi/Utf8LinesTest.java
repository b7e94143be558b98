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
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class Utf8LinesTest {
  private static Utf8Lines lines(String text, int max) {
    return new Utf8Lines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
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
}
