package io.sessionstore.spi;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads the timestamps messages carry without a {@link java.time.format.DateTimeFormatter}, which
 * costs about a microsecond a line: a bulk import reads one per line.
 */
public final class Timestamps {
  private Timestamps() {}

  /**
   * The instant of {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, the form Claude Code and the Agent SDK
   * write, with 1 to 9 digits of fraction; null for any other text, which an ISO formatter should
   * then read (it reads this form to the same instant).
   */
  public static Instant utc(String s) {
    int n = s.length();
    if (n < 20
        || n > 30
        || n == 21
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(n - 1) != 'Z'
        || (n > 20 && s.charAt(19) != '.')) {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 7);
    int day = digits(s, 8, 10);
    int hour = digits(s, 11, 13);
    int minute = digits(s, 14, 16);
    int second = digits(s, 17, 19);
    int fraction = n > 20 ? digits(s, 20, n - 1) : 0;
    if (year < 0
        || month < 0
        || day < 0
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59
        || fraction < 0) {
      return null;
    }
    for (int i = n - 1; i < 29; i++) {
      fraction *= 10;
    }
    long epochDay;
    try {
      epochDay = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException e) {
      return null;
    }
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600 + minute * 60 + second, fraction);
  }

  /** The number the ASCII digits from {@code start} to {@code end} spell, or -1. */
  private static int digits(String s, int start, int end) {
    int v = 0;
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
