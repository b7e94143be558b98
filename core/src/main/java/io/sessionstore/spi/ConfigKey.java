package io.sessionstore.spi;

import java.util.Objects;

/**
 * A configuration key a backend (or the core) declares.
 *
 * @param name the key relative to its namespace, e.g. {@code dir} for {@code
 *     sessionstore.file.dir}: lower-case letters, digits, {@code -} and {@code .}
 * @param defaultValue the value when none is configured, or null when there is none
 * @param secret whether the value must never be shown (it is masked in logs and error messages)
 * @param description one line for the documentation and {@code sessionstore backends}
 */
public record ConfigKey(String name, String defaultValue, boolean secret, String description) {
  public ConfigKey {
    Objects.requireNonNull(name, "name is null");
    Objects.requireNonNull(description, "description is null");
    if (!name.matches("[a-z0-9][a-z0-9.-]*")) {
      throw new IllegalArgumentException(
          "Invalid configuration key name '"
              + name
              + "': use lower-case letters, digits, '-' and '.'");
    }
  }

  public static ConfigKey of(String name, String defaultValue, String description) {
    return new ConfigKey(name, defaultValue, false, description);
  }

  public static ConfigKey secret(String name, String description) {
    return new ConfigKey(name, null, true, description);
  }
}
