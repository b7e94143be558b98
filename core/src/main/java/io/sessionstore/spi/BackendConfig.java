package io.sessionstore.spi;

import io.sessionstore.api.ConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The configuration of one backend: its declared keys with their configured or default values.
 * Accessors parse and validate; every error names the full key ({@code
 * sessionstore.<backend>.<key>}). Secret values never appear in {@link #toString()} or in an error
 * message.
 */
public final class BackendConfig {
  private final String backend;
  private final Map<String, ConfigKey> keys = new LinkedHashMap<>();
  private final Map<String, String> values;

  /**
   * @param backend the provider name, i.e. the namespace
   * @param keys the keys the provider declares
   * @param configured configured values by relative key name
   */
  public BackendConfig(String backend, List<ConfigKey> keys, Map<String, String> configured) {
    this.backend = Objects.requireNonNull(backend, "backend is null");
    keys.forEach(k -> this.keys.put(k.name(), k));
    this.values = Map.copyOf(configured);
  }

  /**
   * The configuration a provider gets from a whole configuration: the values of its own namespace
   * ({@code sessionstore.<name>.*}), for tests and tools that create a backend without a store.
   */
  public static BackendConfig of(
      StorageBackendProvider provider, Map<String, String> sessionstoreConfig) {
    String prefix = "sessionstore." + provider.name() + ".";
    Map<String, String> own = new LinkedHashMap<>();
    sessionstoreConfig.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            own.put(k.substring(prefix.length()), v);
          }
        });
    return new BackendConfig(provider.name(), provider.configKeys(), own);
  }

  /** The backend's name. */
  public String backend() {
    return backend;
  }

  /** The full key, {@code sessionstore.<backend>.<key>}. */
  public String fullKey(String key) {
    return "sessionstore." + backend + "." + key;
  }

  /** The configured value, else the key's default, else empty. */
  public Optional<String> get(String key) {
    ConfigKey declared = keys.get(key);
    if (declared == null) {
      throw new IllegalArgumentException(
          "Key " + fullKey(key) + " is not declared by its provider");
    }
    String value = values.get(key);
    if (value == null || value.isBlank()) {
      value = declared.defaultValue();
    }
    return Optional.ofNullable(value).map(String::strip);
  }

  /** The value, which must be present. */
  public String require(String key) {
    return get(key)
        .orElseThrow(
            () ->
                new ConfigurationException(
                    "Missing configuration: "
                        + fullKey(key)
                        + " is required ("
                        + keys.get(key).description()
                        + ")"));
  }

  public Optional<Path> path(String key) {
    return get(key).map(v -> ConfigValues.path(fullKey(key), v));
  }

  public Optional<Duration> duration(String key) {
    return get(key).map(v -> ConfigValues.duration(fullKey(key), v));
  }

  public Optional<Long> size(String key) {
    return get(key).map(v -> ConfigValues.size(fullKey(key), v));
  }

  public Optional<Boolean> bool(String key) {
    return get(key).map(v -> ConfigValues.bool(fullKey(key), v));
  }

  public Optional<Integer> integer(String key) {
    return get(key).map(v -> ConfigValues.integer(fullKey(key), v));
  }

  /** The value, which must be one of the allowed ones (compared ignoring case), or empty. */
  public Optional<String> oneOf(String key, List<String> allowed) {
    return get(key).map(v -> ConfigValues.oneOf(fullKey(key), v, allowed));
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(backend).append('{');
    values.forEach(
        (k, v) -> {
          ConfigKey declared = keys.get(k);
          out.append(k)
              .append('=')
              .append(declared != null && declared.secret() ? "****" : v)
              .append(", ");
        });
    if (!values.isEmpty()) {
      out.setLength(out.length() - 2);
    }
    return out.append('}').toString();
  }
}
