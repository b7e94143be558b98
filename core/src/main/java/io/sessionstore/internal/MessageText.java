package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sessionstore.spi.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Helpers on a message's JSON text that never re-encode it. */
public final class MessageText {
  private MessageText() {}

  /**
   * The index of the first surrogate that is not half of a pair, or -1: such text cannot be stored
   * as UTF-8.
   */
  public static int unpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The top-level {@code uuid} field when it is a non-empty string, read without building a tree.
   */
  public static String uuid(String json) {
    try (JsonParser p = Json.parser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("uuid".equals(name) && value == JsonToken.VALUE_STRING) {
          String uuid = p.getText();
          return uuid.isEmpty() ? null : uuid;
        }
        p.skipChildren();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  /** 128 bits of the SHA-256 of the text's UTF-8 bytes: identifies the exact bytes of a message. */
  public static Digest digest(String json) {
    byte[] d = sha256().digest(json.getBytes(StandardCharsets.UTF_8));
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (d[i] & 0xff);
      lo = (lo << 8) | (d[i + 8] & 0xff);
    }
    return new Digest(hi, lo);
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** A 128-bit digest of a message's bytes. */
  public record Digest(long hi, long lo) {}
}
