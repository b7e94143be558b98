package io.sessionstore.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimestampsTest {
  /** Every text the fast path reads, the ISO formatters read to the same instant. */
  @Test
  void readsWhatTheIsoFormattersReadTheSame() {
    List<String> texts =
        new ArrayList<>(
            List.of(
                "2025-10-01T12:34:56.789Z",
                "2025-10-01T12:34:56Z",
                "2025-10-01T12:34:56.1Z",
                "2025-10-01T12:34:56.123456789Z",
                "2024-02-29T23:59:59.999Z",
                "0000-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999999Z"));
    Random r = new Random(3);
    for (int i = 0; i < 20_000; i++) {
      String s = texts.get(r.nextInt(7));
      char[] c = s.toCharArray();
      c[r.nextInt(c.length)] = "0123456789-:.TZz+ 6".charAt(r.nextInt(19));
      texts.add(new String(c));
      texts.add(s.substring(0, r.nextInt(s.length() + 1)));
    }
    int read = 0;
    for (String s : texts) {
      Instant fast = Timestamps.utc(s);
      Instant offset = iso(DateTimeFormatter.ISO_OFFSET_DATE_TIME, s);
      Instant instant = iso(DateTimeFormatter.ISO_INSTANT, s);
      if (fast != null) {
        read++;
        assertEquals(offset, fast, s);
        assertEquals(instant, fast, s);
      }
    }
    assertEquals(true, read > 5_000, "read " + read);
    assertNull(Timestamps.utc("2025-10-01T12:34:56+00:00"));
    assertNull(Timestamps.utc("2025-02-30T12:34:56Z"));
    assertNull(Timestamps.utc("2025-10-01T24:00:00Z"));
  }

  private static Instant iso(DateTimeFormatter f, String s) {
    try {
      return f.parse(s, Instant::from);
    } catch (DateTimeException e) {
      return null;
    }
  }
}
