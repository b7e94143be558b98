package io.sessionstore.spi;

import io.sessionstore.api.ConfigurationException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsing of configuration values, as {@link BackendConfig}'s accessors and the core's own settings
 * do it, for a backend or tool that reads values from elsewhere. Every error is a {@link
 * io.sessionstore.api.ConfigurationException} that names the key and says what a valid value looks
 * like. Stateless and thread-safe.
 */
public final class ConfigValues {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB)?", Pattern.CASE_INSENSITIVE);

  /** About 100,000 years: the longest duration accepted. */
  static final Duration MAX_DURATION = Duration.ofDays(36_500_000L);

  private ConfigValues() {}

  /**
   * {@code 30d}, {@code 12h}, {@code 15m}, {@code 45s}, {@code 500ms} or ISO-8601 such as {@code
   * PT12H}.
   */
  public static Duration duration(String key, String value) {
    Duration d = parseDuration(value);
    if (d == null) {
      throw new ConfigurationException(
          "Invalid "
              + key
              + " '"
              + value
              + "': expected a duration such as 30d, 12h, 15m, 45s, 500ms or PT12H");
    }
    return d;
  }

  /** The duration, or null when the text is not one (for callers with their own error message). */
  public static Duration parseDuration(String value) {
    String v = value.strip();
    Matcher m = DURATION.matcher(v);
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        Duration d =
            switch (m.group(2)) {
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              default -> Duration.ofDays(n);
            };
        // Longer than any clock can go back: not a usable duration.
        return d.compareTo(MAX_DURATION) > 0 ? null : d;
      } catch (NumberFormatException | ArithmeticException e) {
        return null;
      }
    }
    try {
      Duration d = Duration.parse(v);
      return d.isNegative() || d.compareTo(MAX_DURATION) > 0 ? null : d;
    } catch (DateTimeParseException | ArithmeticException e) {
      return null;
    }
  }

  /** Bytes: {@code 64MB}, {@code 1GB}, {@code 512KB}, or a plain number of bytes. */
  public static long size(String key, String value) {
    Matcher m = SIZE.matcher(value.strip());
    if (!m.matches()) {
      throw new ConfigurationException(
          "Invalid " + key + " '" + value + "': expected a size such as 64MB or 1GB");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new ConfigurationException(
          "Invalid " + key + " '" + value + "': the number is too large");
    }
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    int shift =
        switch (unit) {
          case "KB" -> 10;
          case "MB" -> 20;
          case "GB" -> 30;
          case "TB" -> 40;
          default -> 0;
        };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new ConfigurationException(
          "Invalid " + key + " '" + value + "': the size is too large");
    }
    return n << shift;
  }

  /** {@code true} or {@code false}, ignoring case. */
  public static boolean bool(String key, String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default ->
          throw new ConfigurationException(
              "Invalid " + key + " '" + value + "': expected true or false");
    };
  }

  /** A whole number that fits an {@code int}. */
  public static int integer(String key, String value) {
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new ConfigurationException(
          "Invalid " + key + " '" + value + "': expected a whole number");
    }
  }

  /** A path; a leading {@code ~} is the user's home ({@code $HOME} when set). */
  public static Path path(String key, String value) {
    String v = value.strip();
    if (v.equals("~") || v.startsWith("~/")) {
      v = home() + v.substring(1);
    }
    try {
      return Path.of(v);
    } catch (InvalidPathException e) {
      throw new ConfigurationException(
          "Invalid " + key + " '" + value + "': not a valid path (" + e.getReason() + ")");
    }
  }

  /** The allowed value that equals this one ignoring case, as the allowed list spells it. */
  public static String oneOf(String key, String value, List<String> allowed) {
    for (String a : allowed) {
      if (a.equalsIgnoreCase(value.strip())) {
        return a;
      }
    }
    throw new ConfigurationException(
        "Invalid " + key + " '" + value + "': expected one of " + String.join(", ", allowed));
  }

  /**
   * The user's home: {@code $HOME} when set, as Claude Code does, else the JVM's {@code user.home}.
   */
  public static String home() {
    String home = System.getenv("HOME");
    return home != null && !home.isBlank() ? home : System.getProperty("user.home");
  }
}
