package io.sessionstore.server;

import io.sessionstore.api.SessionKey;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Addresses of the browser's pages. Project names and session ids may hold any character but {@code
 * /} and {@code \} (Claude Code's encoded folders start with {@code -}), so each is one
 * percent-encoded path segment; every address built here is a path on this server (it starts with
 * one {@code /}), so no link or redirect can lead elsewhere.
 */
final class Urls {
  private Urls() {}

  /** The session page of a key (with its subpath as a parameter, when it has one). */
  static String session(SessionKey key) {
    String base = "/session/" + segment(key.project()) + "/" + segment(key.sessionId());
    return key.isSubpath() ? base + "?subpath=" + param(key.subpath()) : base;
  }

  /** An address under a session's page, such as {@code download.jsonl}. */
  static String sessionPart(SessionKey key, String part) {
    String base =
        "/session/" + segment(key.project()) + "/" + segment(key.sessionId()) + "/" + part;
    return key.isSubpath() ? base + "?subpath=" + param(key.subpath()) : base;
  }

  /** A path segment: everything but unreserved characters percent-encoded as UTF-8. */
  static String segment(String s) {
    return encode(s, false);
  }

  /** A query parameter's name or value. */
  static String param(String s) {
    return encode(s, true);
  }

  private static String encode(String s, boolean query) {
    StringBuilder out = new StringBuilder(s.length() + 8);
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        out.append((char) c);
      } else if (query && c == ' ') {
        out.append('+');
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }

  /**
   * Decodes percent-encoding (and {@code +} as a space when {@code query}); a malformed escape is
   * kept as it is.
   */
  static String decode(String s, boolean query) {
    if (s.indexOf('%') < 0 && (!query || s.indexOf('+') < 0)) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi << 4 | lo);
          i += 2;
          continue;
        }
      }
      if (query && c == '+') {
        out.write(' ');
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
          b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        out.writeBytes(b);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The parameters of a raw query string, in order; a name may come several times. */
  static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq), true);
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
      params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return params;
  }

  /** A query string ({@code ?a=1&b=2}) of the non-blank values, or the empty string. */
  static String queryString(Map<String, String> params) {
    StringBuilder out = new StringBuilder();
    params.forEach(
        (k, v) -> {
          if (v != null && !v.isBlank()) {
            out.append(out.length() == 0 ? '?' : '&').append(param(k)).append('=').append(param(v));
          }
        });
    return out.toString();
  }
}
