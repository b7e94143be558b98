package io.sessionstore.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetadataJsonTest {
  /** The short way of parsing times gives what {@link Instant#parse} gives, errors included. */
  @Test
  void timesParseAsInstantParseDoes() {
    List<String> texts =
        new ArrayList<>(
            List.of(
                "2026-01-31T12:00:00Z",
                "2026-01-31T12:00:00.123Z",
                "0000-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999Z",
                "2024-02-29T00:00:00Z",
                "2025-02-29T00:00:00Z",
                "2025-04-31T00:00:00Z",
                "2025-13-01T00:00:00Z",
                "2025-00-01T00:00:00Z",
                "2025-01-00T00:00:00Z",
                "2025-01-01T24:00:00Z",
                "2025-01-01T23:60:00Z",
                "2025-12-31T23:59:60Z",
                "2025-01-01T00:00:00.1Z",
                "2025-01-01T00:00:00.123456Z",
                "2025-01-01T00:00:00.123456789Z",
                "2025-01-01t00:00:00Z",
                "2025-01-01T00:00:00z",
                "2025-01-01T00:00:00+01:00",
                "2025-01-01T00:00:00.12XZ",
                "2025-01-01T00:00:00,123Z",
                "2025-01-0\u0661T00:00:00Z",
                "+10000-01-01T00:00:00Z",
                "-0001-01-01T00:00:00Z",
                " 2025-01-01T00:00:00Z",
                ""));
    Random random = new Random(16);
    for (int i = 0; i < 10_000; i++) {
      Instant t =
          Instant.ofEpochMilli(
              random.nextLong(
                  Instant.parse("0000-01-01T00:00:00Z").toEpochMilli(),
                  Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli()));
      texts.add(t.toString());
    }
    for (String text : texts) {
      assertEquals(
          parsed(() -> Instant.parse(text)), parsed(() -> MetadataJson.parseInstant(text)), text);
    }
  }

  private static Object parsed(java.util.function.Supplier<Instant> parse) {
    try {
      return parse.get();
    } catch (DateTimeParseException e) {
      return e.getMessage();
    }
  }
}
