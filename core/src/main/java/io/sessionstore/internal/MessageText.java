package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sessionstore.spi.Json;
import java.io.IOException;

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
}
