package io.sessionstore.server;

/**
 * The one place where text becomes HTML. Every string that reaches a page (a transcript's text, a
 * summary, a tag, a project name, an error message) goes through {@link #text} or {@link #attr};
 * nothing else writes untrusted text into markup. Both escape {@code & < > " '}, so their output is
 * safe in element content and in a quoted attribute value alike; neither may be used inside a
 * {@code <script>} or {@code <style>} element or an unquoted attribute, which the pages never have.
 *
 * <p>Beyond escaping, text is made honest to read: bidirectional control characters (which can make
 * text display in an order other than the one it has, the "Trojan Source" trick) and other
 * invisible control characters are shown as visible {@code ⟨U+202E⟩} marks instead of acting, and
 * unpaired surrogates become U+FFFD. Line feeds and tabs are kept (the page shows text with {@code
 * white-space: pre-wrap}).
 */
final class Html {
  /** The mark that opens a matched word in a search snippet. */
  static final char MARK_OPEN = '«';

  /** The mark that closes a matched word in a search snippet. */
  static final char MARK_CLOSE = '»';

  private Html() {}

  /** Text for element content. Null is the empty string. */
  static String text(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    append(out, s, 0, s.length());
    return out.toString();
  }

  /** Text for a double- or single-quoted attribute value. Null is the empty string. */
  static String attr(String s) {
    // The same escaping: it covers both quotes, so it is safe in either kind of attribute.
    return text(s);
  }

  /**
   * Text cut to {@code max} characters (not inside a surrogate pair), escaped; whether it was cut
   * is for the caller to say (see {@link #isLonger}).
   */
  static String text(String s, int max) {
    if (s == null) {
      return "";
    }
    return text(cut(s, max));
  }

  /** Whether {@code s} is longer than {@code max} characters. */
  static boolean isLonger(String s, int max) {
    return s != null && s.length() > max;
  }

  /** The first {@code max} characters of {@code s}, not splitting a surrogate pair. */
  static String cut(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int end = max;
    if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }

  /**
   * A search snippet whose matched words are between {@link #MARK_OPEN} and {@link #MARK_CLOSE}:
   * escaped as {@link #text}, with each marked part in a {@code <mark>} element. Marks that do not
   * pair up are dropped, so the markup is always balanced.
   */
  static String snippet(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(s.length() + 32);
    int i = 0;
    while (i < s.length()) {
      int open = s.indexOf(MARK_OPEN, i);
      int close = open < 0 ? -1 : s.indexOf(MARK_CLOSE, open + 1);
      if (open < 0 || close < 0) {
        appendUnmarked(out, s, i, s.length());
        break;
      }
      appendUnmarked(out, s, i, open);
      out.append("<mark>");
      appendUnmarked(out, s, open + 1, close);
      out.append("</mark>");
      i = close + 1;
    }
    return out.toString();
  }

  private static void appendUnmarked(StringBuilder out, String s, int from, int to) {
    String part = s.substring(from, to).replace(String.valueOf(MARK_OPEN), "");
    part = part.replace(String.valueOf(MARK_CLOSE), "");
    append(out, part, 0, part.length());
  }

  private static void append(StringBuilder out, String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        case '\n', '\t' -> out.append(c);
        case '\r' -> {
          // A CR of a CRLF is shown by the LF; a lone one as a line break.
          if (i + 1 >= to || s.charAt(i + 1) != '\n') {
            out.append('\n');
          }
        }
        default -> {
          if (Character.isHighSurrogate(c)) {
            if (i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
              out.append(c).append(s.charAt(++i));
            } else {
              out.append('\uFFFD');
            }
          } else if (Character.isLowSurrogate(c)) {
            out.append('\uFFFD');
          } else if (isHidden(c)) {
            out.append(String.format("⟨U+%04X⟩", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
  }

  /**
   * Characters that would act instead of showing: C0 and C1 controls (but line feed and tab), the
   * bidirectional embeddings, overrides, isolates and marks, and the line and paragraph separators.
   */
  static boolean isHidden(char c) {
    return c < 0x20
        || (c >= 0x7F && c <= 0x9F)
        || c == 0x061C
        || c == 0x200E
        || c == 0x200F
        || (c >= 0x202A && c <= 0x202E)
        || (c >= 0x2066 && c <= 0x2069)
        || c == 0x2028
        || c == 0x2029;
  }
}
