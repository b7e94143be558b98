package io.sessionstore.cli;

import io.sessionstore.api.InvalidInputException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Times and durations on the command line: an ISO-8601 instant ({@code 2026-11-01T12:00:00Z}), a
 * date ({@code 2026-11-01}, its start in UTC), or a duration meaning that long ago ({@code 7d},
 * {@code 12h}, {@code 30m}, {@code 45s}, {@code 500ms}, {@code PT12H}).
 */
final class TimeArgs {
  private TimeArgs() {}

  static Instant instant(String option, String value, Clock clock) {
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      // not an instant
    }
    try {
      return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      // not a date
    }
    Duration ago = io.sessionstore.spi.ConfigValues.parseDuration(value);
    if (ago != null) {
      try {
        return clock.instant().minus(ago);
      } catch (java.time.DateTimeException | ArithmeticException e) {
        throw new InvalidInputException(
            "Invalid " + option + " '" + value + "': that is too long ago");
      }
    }
    throw new InvalidInputException(
        "Invalid "
            + option
            + " '"
            + value
            + "': expected an instant "
            + "(2026-11-01T12:00:00Z), a date (2026-11-01) or a duration ago (7d, 12h)");
  }

  static Duration duration(String option, String value) {
    Duration d = io.sessionstore.spi.ConfigValues.parseDuration(value);
    if (d == null) {
      throw new InvalidInputException(
          "Invalid "
              + option
              + " '"
              + value
              + "': expected a duration such as 30d, 12h, 15m, 45s or PT12H");
    }
    return d;
  }
}
