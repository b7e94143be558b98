package io.sessionstore.server;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Numbers, money and times as the pages show them (English, UTC). */
final class Format {
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  private Format() {}

  /** {@code $12.30}, {@code $0.0123}, {@code $0.000030}: enough decimals to show small costs. */
  static String usd(BigDecimal d) {
    if (d == null) {
      return "";
    }
    BigDecimal abs = d.abs();
    int scale =
        abs.compareTo(BigDecimal.ONE) >= 0
            ? 2
            : abs.compareTo(new BigDecimal("0.01")) >= 0 || abs.signum() == 0 ? 4 : 6;
    return "$" + d.setScale(scale, RoundingMode.HALF_UP).toPlainString();
  }

  /** {@code 12,345}. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** {@code 1.2M}, {@code 34k}, {@code 999}: short counts for tables and charts. */
  static String shortCount(long n) {
    if (n >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.1fG", n / 1e9);
    }
    if (n >= 1_000_000) {
      return String.format(Locale.ROOT, "%.1fM", n / 1e6);
    }
    if (n >= 10_000) {
      return String.format(Locale.ROOT, "%.0fk", n / 1e3);
    }
    return count(n);
  }

  /** {@code 2026-03-01 10:00} (UTC). */
  static String when(Instant t) {
    return t == null ? "" : WHEN.format(t);
  }
}
