package io.sessionstore.api;

import java.util.Collection;
import java.util.Map;

/** Validation of the user-settable parts of metadata, shared by the value types of this package. */
final class Checks {
  static final int MAX_TAG_LENGTH = 128;
  static final String RESERVED_ATTRIBUTE_PREFIX = "sessionstore.";

  private Checks() {}

  static void tags(Collection<String> tags) {
    for (String tag : tags) {
      if (tag == null || tag.isEmpty()) {
        throw new InvalidInputException("Invalid tag: it is empty");
      }
      if (tag.length() > MAX_TAG_LENGTH) {
        throw new InvalidInputException(
            "Invalid tag '"
                + SessionKey.printable(tag)
                + "': it is "
                + tag.length()
                + " characters long, at most "
                + MAX_TAG_LENGTH
                + " are allowed");
      }
      if (hasControl(tag)) {
        throw new InvalidInputException(
            "Invalid tag '" + SessionKey.printable(tag) + "': it contains a control character");
      }
    }
  }

  static void attributeKeys(Collection<String> keys) {
    for (String key : keys) {
      if (key == null || key.isEmpty()) {
        throw new InvalidInputException("Invalid attribute: its key is empty");
      }
      if (hasControl(key)) {
        throw new InvalidInputException(
            "Invalid attribute key '"
                + SessionKey.printable(key)
                + "': it contains a control character");
      }
      if (key.startsWith(RESERVED_ATTRIBUTE_PREFIX)) {
        throw new InvalidInputException(
            "Invalid attribute key '"
                + key
                + "': keys starting with '"
                + RESERVED_ATTRIBUTE_PREFIX
                + "' are reserved");
      }
    }
  }

  static void attributes(Map<String, String> attributes) {
    attributeKeys(attributes.keySet());
    attributes.forEach(
        (k, v) -> {
          if (v == null) {
            throw new InvalidInputException("Invalid attribute '" + k + "': its value is missing");
          }
        });
  }

  static void summary(String summary) {
    if (summary != null && hasControl(summary)) {
      throw new InvalidInputException(
          "Invalid summary: it contains a control character (it must be one line)");
    }
  }

  private static boolean hasControl(String s) {
    return s.chars().anyMatch(c -> SessionKey.isControl((char) c));
  }
}
