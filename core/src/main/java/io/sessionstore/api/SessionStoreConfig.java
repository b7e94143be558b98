package io.sessionstore.api;

import io.sessionstore.internal.ApiBridge;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The store's configuration: {@code sessionstore.*} keys and their values, immutable. Defaults are
 * not held here; they apply where a key is absent.
 *
 * <p>{@link #load()} gathers, later sources winning: {@code sessionstore.properties} on the class
 * path, the file named by {@code SESSIONSTORE_CONFIG}, environment variables ({@code
 * sessionstore.file.dir} ↔ {@code SESSIONSTORE_FILE_DIR}; only variables of declared keys are read)
 * and system properties. {@link #of(Map)} takes exactly the given values, for embedding and tests.
 */
public final class SessionStoreConfig {
  private final SortedMap<String, String> values;

  private SessionStoreConfig(Map<String, String> values) {
    this.values = Collections.unmodifiableSortedMap(new TreeMap<>(values));
  }

  /** Exactly the given values, nothing from the environment. */
  public static SessionStoreConfig of(Map<String, String> values) {
    return new SessionStoreConfig(values);
  }

  /** No values: every key has its default. */
  public static SessionStoreConfig defaults() {
    return new SessionStoreConfig(Map.of());
  }

  /** The configuration from every source of the environment; see the class description. */
  public static SessionStoreConfig load() {
    return load(null, Map.of());
  }

  /**
   * The configuration from every source, with a configuration file (instead of {@code
   * SESSIONSTORE_CONFIG}) and values that win over all sources, as the command line's {@code
   * --config FILE} and {@code -D key=value} give.
   *
   * @param file a properties file, or null
   * @throws ConfigurationException when the file cannot be read
   */
  public static SessionStoreConfig load(Path file, Map<String, String> overrides) {
    return new SessionStoreConfig(ApiBridge.loadConfig(file, overrides));
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** A copy with one more value. */
  public SessionStoreConfig with(String key, String value) {
    SortedMap<String, String> copy = new TreeMap<>(values);
    copy.put(key, value);
    return new SessionStoreConfig(copy);
  }

  /** Every configured value, sorted by key. */
  public Map<String, String> asMap() {
    return values;
  }

  @Override
  public String toString() {
    return values.keySet().toString();
  }
}
