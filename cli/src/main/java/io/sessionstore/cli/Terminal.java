package io.sessionstore.cli;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** How wide the output may be, and how wide text shows. */
final class Terminal {
  private Terminal() {}

  /** Whether standard output is a terminal: set by {@link Main#main}, false in a test's process. */
  static volatile boolean stdoutIsTerminal;

  /**
   * The columns a table may take: {@code COLUMNS} when it is a positive number, else the terminal's
   * width when standard output is a terminal, else 0: no limit (piped output keeps whole values, so
   * that what a script reads does not depend on a window).
   */
  static int columns() {
    return columns(System.getenv(), stdoutIsTerminal);
  }

  static int columns(Map<String, String> env, boolean terminal) {
    String c = env.get("COLUMNS");
    if (c != null) {
      try {
        int n = Integer.parseInt(c.strip());
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // not a number: as if unset
      }
    }
    return terminal ? ttyColumns() : 0;
  }

  /**
   * The terminal's width as {@code stty size} reports it (bash does not export {@code COLUMNS}), 80
   * when it cannot tell.
   */
  private static int ttyColumns() {
    File tty = new File("/dev/tty");
    if (!tty.exists()) {
      return 80;
    }
    try {
      Process p =
          new ProcessBuilder("stty", "size")
              .redirectInput(tty)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(1, TimeUnit.SECONDS)) {
        p.destroy();
        return 80;
      }
      String[] size =
          new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
              .strip()
              .split(" ");
      int n = size.length == 2 ? Integer.parseInt(size[1]) : 0;
      return n > 0 ? n : 80;
    } catch (java.io.IOException | NumberFormatException e) {
      return 80;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 80;
    }
  }

  /**
   * The columns a string takes on a terminal: East Asian wide characters and emoji take two,
   * combining marks and zero-width characters none, everything else one.
   */
  static int width(String s) {
    int w = 0;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      w += width(c);
    }
    return w;
  }

  static int width(int c) {
    int type = Character.getType(c);
    if (type == Character.NON_SPACING_MARK
        || type == Character.ENCLOSING_MARK
        || type == Character.FORMAT
        || c == 0x200B) {
      return 0;
    }
    boolean wide =
        (c >= 0x1100 && c <= 0x115F)
            || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F)
            || (c >= 0xAC00 && c <= 0xD7A3)
            || (c >= 0xF900 && c <= 0xFAFF)
            || (c >= 0xFE30 && c <= 0xFE4F)
            || (c >= 0xFF00 && c <= 0xFF60)
            || (c >= 0xFFE0 && c <= 0xFFE6)
            || (c >= 0x1F300 && c <= 0x1F64F)
            || (c >= 0x1F900 && c <= 0x1F9FF)
            || (c >= 0x20000 && c <= 0x3FFFD);
    return wide ? 2 : 1;
  }

  /**
   * The string cut to at most {@code max} columns, ending in {@code …} when cut; with {@code
   * fromStart}, the start is cut instead ({@code …/src/app}: the end of a path says most).
   */
  static String fit(String s, int max, boolean fromStart) {
    if (width(s) <= max) {
      return s;
    }
    if (max <= 1) {
      return max == 1 ? "…" : "";
    }
    StringBuilder kept = new StringBuilder();
    int w = 0;
    if (fromStart) {
      int i = s.length();
      while (i > 0) {
        int c = s.codePointBefore(i);
        if (w + width(c) > max - 1) {
          break;
        }
        w += width(c);
        i -= Character.charCount(c);
      }
      return "…" + s.substring(i);
    }
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (w + width(c) > max - 1) {
        break;
      }
      kept.appendCodePoint(c);
      w += width(c);
      i += Character.charCount(c);
    }
    return kept + "…";
  }
}
