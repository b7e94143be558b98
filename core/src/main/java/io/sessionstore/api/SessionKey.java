package io.sessionstore.api;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The address of a transcript: a project, a session id and, for a sub-transcript such as a
 * subagent's, a subpath of 1 to 8 segments joined by {@code /}. The same addressing as the Claude
 * Agent SDK's {@code SessionStore} ({@code project_key}, {@code session_id}, {@code subpath}).
 *
 * <p>Every name is validated on construction, so a key can never make a backend touch anything
 * outside its own storage: 1 to 255 UTF-8 bytes, no control characters, no {@code /} or {@code \},
 * not {@code .} or {@code ..}, no leading or trailing whitespace, not starting with {@code
 * .sessionstore} (reserved). Names are case-sensitive.
 *
 * @param project the namespace, never null
 * @param sessionId the session's name in its project, never null
 * @param subpath the sub-transcript, or null for the session's main transcript
 */
public record SessionKey(String project, String sessionId, String subpath) {
  /** Largest size of one name in UTF-8 bytes. */
  public static final int MAX_NAME_BYTES = 255;

  /**
   * Largest size of project, session id and subpath together, in UTF-8 bytes (S3 keys end at
   * 1,024).
   */
  public static final int MAX_KEY_BYTES = 900;

  /** Largest number of segments in a subpath. */
  public static final int MAX_SUBPATH_SEGMENTS = 8;

  private static final String RESERVED_PREFIX = ".sessionstore";

  public SessionKey {
    checkName("project", project);
    checkName("session id", sessionId);
    if (subpath != null) {
      checkSubpath(subpath);
    }
    int total =
        utf8Length(project) + utf8Length(sessionId) + (subpath == null ? 0 : utf8Length(subpath));
    if (total > MAX_KEY_BYTES) {
      throw new InvalidInputException(
          "Invalid key: project, session id and subpath together are "
              + total
              + " UTF-8 bytes, at most "
              + MAX_KEY_BYTES
              + " are allowed");
    }
  }

  /** The key of a session's main transcript. */
  public static SessionKey of(String project, String sessionId) {
    return new SessionKey(project, sessionId, null);
  }

  /** The key of a sub-transcript of a session. */
  public static SessionKey of(String project, String sessionId, String subpath) {
    return new SessionKey(project, sessionId, Objects.requireNonNull(subpath, "subpath is null"));
  }

  /** Whether this key addresses a sub-transcript rather than a session's main transcript. */
  public boolean isSubpath() {
    return subpath != null;
  }

  /** The key of this session's main transcript (this key itself when it is one). */
  public SessionKey main() {
    return subpath == null ? this : new SessionKey(project, sessionId, null);
  }

  /** The key of a sub-transcript of this key's session. */
  public SessionKey withSubpath(String subpath) {
    return of(project, sessionId, subpath);
  }

  // equals and hashCode written out: a record's are bound through method handles on first use,
  // which a short command pays for, and a key is hashed wherever sessions are kept in a map.
  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof SessionKey k
            && project.equals(k.project)
            && sessionId.equals(k.sessionId)
            && Objects.equals(subpath, k.subpath));
  }

  @Override
  public int hashCode() {
    return (project.hashCode() * 31 + sessionId.hashCode()) * 31 + Objects.hashCode(subpath);
  }

  /**
   * {@code project/sessionId} or {@code project/sessionId [subpath]}: for messages a person reads.
   */
  @Override
  public String toString() {
    return project + "/" + sessionId + (subpath == null ? "" : " [" + subpath + "]");
  }

  /**
   * Checks one name (a project, a session id or a subpath segment) against the naming rules.
   *
   * @throws InvalidInputException naming what is wrong with it
   */
  public static void checkName(String what, String name) {
    if (name == null) {
      throw new InvalidInputException("Invalid " + what + ": it is missing");
    }
    String problem = nameProblem(name);
    if (problem != null) {
      throw new InvalidInputException("Invalid " + what + " '" + printable(name) + "': " + problem);
    }
  }

  private static void checkSubpath(String subpath) {
    String[] segments = subpath.split("/", -1);
    if (segments.length > MAX_SUBPATH_SEGMENTS) {
      throw new InvalidInputException(
          "Invalid subpath '"
              + printable(subpath)
              + "': it has "
              + segments.length
              + " segments, at most "
              + MAX_SUBPATH_SEGMENTS
              + " are allowed");
    }
    for (String segment : segments) {
      String problem = nameProblem(segment);
      if (problem != null) {
        throw new InvalidInputException(
            "Invalid subpath '"
                + printable(subpath)
                + "': segment '"
                + printable(segment)
                + "' "
                + problem);
      }
    }
  }

  private static String nameProblem(String name) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    int bytes = utf8Length(name);
    if (bytes > MAX_NAME_BYTES) {
      return "it is " + bytes + " UTF-8 bytes long, at most " + MAX_NAME_BYTES + " are allowed";
    }
    if (name.equals(".") || name.equals("..")) {
      return "'.' and '..' are not names";
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      return "names starting with '" + RESERVED_PREFIX + "' are reserved";
    }
    if (Character.isWhitespace(name.charAt(0))
        || Character.isWhitespace(name.charAt(name.length() - 1))
        || Character.isSpaceChar(name.charAt(0))
        || Character.isSpaceChar(name.charAt(name.length() - 1))) {
      return "it starts or ends with whitespace";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (isControl(c)) {
        return "it contains a control character";
      }
      if (c == '/' || c == '\\') {
        return "it contains '" + c + "'";
      }
      if (Character.isSurrogate(c)) {
        boolean paired =
            Character.isHighSurrogate(c)
                && i + 1 < name.length()
                && Character.isLowSurrogate(name.charAt(i + 1));
        if (!paired) {
          return "it contains an unpaired surrogate, which is not valid UTF-8";
        }
        i++;
      }
    }
    return null;
  }

  /**
   * Control characters in the wide sense: C0 and C1 controls (U+0000–U+001F, U+007F–U+009F) and the
   * Unicode line and paragraph separators (U+2028, U+2029). Some readers end a line at U+0085 or
   * U+2028 (XML 1.1, JavaScript), so a name holding one would not come back from every backend as
   * it went in.
   */
  static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** The name with control characters escaped, so that an error message stays on one line. */
  static String printable(String name) {
    StringBuilder out = new StringBuilder();
    int limit = Math.min(name.length(), 120);
    for (int i = 0; i < limit; i++) {
      char c = name.charAt(i);
      if (isControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return name.length() > limit ? out + "…" : out.toString();
  }
}
