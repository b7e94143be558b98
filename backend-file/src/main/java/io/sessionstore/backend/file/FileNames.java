package io.sessionstore.backend.file;

import io.sessionstore.api.SessionKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where a transcript lives under the store's directory. Names are percent-encoded (anything outside
 * {@code [a-z0-9._-]}, upper-case letters included, so that {@code A} and {@code a} stay two
 * sessions on a case-insensitive file system), and an encoding longer than fits a file name becomes
 * a prefix plus a hash. No name can contain a path separator after encoding, so no key reaches
 * outside the directory.
 */
final class FileNames {
  private static final int MAX_FILE_NAME = 200;

  private final Path root;

  FileNames(Path root) {
    this.root = root;
  }

  Path projects() {
    return root.resolve("projects");
  }

  Path sessionDir(SessionKey key) {
    return projects().resolve(encode(key.project())).resolve(encode(key.sessionId()));
  }

  Path transcriptDir(SessionKey key) {
    Path session = sessionDir(key);
    return key.isSubpath() ? session.resolve("sub").resolve(encode(key.subpath())) : session;
  }

  static String dataFileName(long generation) {
    return "m-" + Long.toHexString(generation) + ".jsonl";
  }

  static String encode(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
        out.append((char) c);
      } else {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    if (out.length() <= MAX_FILE_NAME) {
      return out.toString();
    }
    // '~' never appears in an encoded name, so a hashed name cannot collide with a plain one.
    return out.substring(0, 120) + "~" + sha256Hex(name).substring(0, 40);
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
