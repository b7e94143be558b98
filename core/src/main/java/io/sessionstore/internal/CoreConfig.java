package io.sessionstore.internal;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.BackendRegistry;
import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.ConfigNamespace;
import io.sessionstore.spi.ConfigValues;
import io.sessionstore.spi.StorageBackendProvider;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's own keys and the checked, typed settings of a {@link SessionStoreConfig}: an unknown
 * key in a known namespace is an error, a value that does not parse is an error naming the key.
 */
public final class CoreConfig {
  private static final Logger LOG = LoggerFactory.getLogger(CoreConfig.class);

  public static final String PREFIX = "sessionstore.";
  public static final String BACKEND = BackendRegistry.BACKEND_KEY;
  public static final String PROJECT = "sessionstore.project";
  public static final String CACHE_ENABLED = "sessionstore.cache.enabled";
  public static final String CACHE_HEAP_ENTRIES = "sessionstore.cache.heap-entries";
  public static final String CACHE_OFFHEAP = "sessionstore.cache.offheap";
  public static final String CACHE_TTL = "sessionstore.cache.ttl";
  public static final String CLEANUP_MAX_AGE = "sessionstore.cleanup.max-age";
  public static final String CLEANUP_INTERVAL = "sessionstore.cleanup.interval";
  public static final String PRICING_FILE = io.sessionstore.api.PriceTable.FILE_KEY;
  public static final String SEARCH_INDEX_DIR = "sessionstore.search.index-dir";
  public static final String SEARCH_THINKING = "sessionstore.search.thinking";
  public static final String SEARCH_TOOL_RESULT_CHARS = "sessionstore.search.tool-result-chars";

  public static final String DEFAULT_BACKEND = "file";
  public static final String DEFAULT_PROJECT = "default";

  /** The core's keys with their defaults, in the order of the documentation. */
  public static final List<ConfigKey> KEYS =
      List.of(
          ConfigKey.of("backend", DEFAULT_BACKEND, "name of the storage backend provider"),
          ConfigKey.of("project", DEFAULT_PROJECT, "project used when none is given"),
          ConfigKey.of("cache.enabled", "true", "whether loaded sessions and metadata are cached"),
          ConfigKey.of(
              "cache.heap-entries",
              "10000",
              "largest number of cached entries per cache, on the heap"),
          ConfigKey.of(
              "cache.offheap", null, "size of an off-heap cache tier, e.g. 64MB (off when unset)"),
          ConfigKey.of(
              "cache.ttl",
              "30s",
              "how long a cached entry lives: the bound on seeing other processes' writes"),
          ConfigKey.of(
              "cleanup.max-age",
              null,
              "scheduled cleanup: delete sessions not updated for this long"),
          ConfigKey.of(
              "cleanup.interval",
              null,
              "scheduled cleanup: how often it runs (default 1h when max-age is set)"),
          ConfigKey.of(
              "pricing.file",
              null,
              "a LiteLLM-style JSON price list laid over the bundled prices (unset: bundled only)"),
          ConfigKey.of(
              "search.index-dir",
              null,
              "where the full-text index lives (unset: the file store's own directory, else"
                  + " $XDG_CACHE_HOME/sessionstore/search/<store>, else"
                  + " ~/.cache/sessionstore/search/<store>)"),
          ConfigKey.of("search.thinking", "true", "whether full-text search indexes thinking"),
          ConfigKey.of(
              "search.tool-result-chars",
              "4000",
              "how much of each tool result full-text search indexes, in characters"));

  private final SessionStoreConfig config;
  private final String backend;
  private final String project;

  private CoreConfig(SessionStoreConfig config, String backend, String project) {
    this.config = config;
    this.backend = backend;
    this.project = project;
  }

  /**
   * Every key the core, the modules found ({@link ConfigNamespace}) and the registry's providers
   * declare.
   */
  public static Set<String> declaredKeys(BackendRegistry registry) {
    return declaredKeys(registry, ConfigNamespace.discover());
  }

  /** Every key the core, the given modules and the registry's providers declare, full names. */
  public static Set<String> declaredKeys(BackendRegistry registry, List<ConfigNamespace> modules) {
    Set<String> keys = new TreeSet<>();
    KEYS.forEach(k -> keys.add(PREFIX + k.name()));
    for (ConfigNamespace n : modules) {
      n.configKeys().forEach(k -> keys.add(PREFIX + n.name() + "." + k.name()));
    }
    for (StorageBackendProvider p : registry.providers()) {
      p.configKeys().forEach(k -> keys.add(PREFIX + p.name() + "." + k.name()));
    }
    return keys;
  }

  public static boolean isReservedNamespace(String name) {
    return BackendRegistry.RESERVED_NAMES.contains(name);
  }

  /**
   * As {@link #check(SessionStoreConfig, BackendRegistry, List)} with the modules {@link
   * ConfigNamespace} finds.
   */
  public static CoreConfig check(SessionStoreConfig config, BackendRegistry registry) {
    return check(config, registry, ConfigNamespace.discover());
  }

  /**
   * Checks every {@code sessionstore.*} key: the core's must be declared, and so must those in the
   * namespace of any provider or module found; keys of a namespace nobody declares (a backend, or a
   * module such as {@code sessionstore-claude}, not on the class path) are ignored.
   */
  public static CoreConfig check(
      SessionStoreConfig config, BackendRegistry registry, List<ConfigNamespace> modules) {
    Set<String> declared = declaredKeys(registry, modules);
    for (String key : config.asMap().keySet()) {
      if (!key.startsWith(PREFIX) || declared.contains(key)) {
        continue;
      }
      String rest = key.substring(PREFIX.length());
      int dot = rest.indexOf('.');
      String namespace = dot < 0 ? rest : rest.substring(0, dot);
      if (dot > 0
          && ConfigNamespace.MODULE_NAMES.contains(namespace)
          && modules.stream().noneMatch(n -> n.name().equals(namespace))) {
        LOG.debug("Ignoring {}: the module of the '{}' namespace is not installed", key, namespace);
        continue;
      }
      if (dot < 0 || isReservedNamespace(namespace)) {
        throw new ConfigurationException(
            "Unknown configuration key "
                + key
                + ": known keys are "
                + String.join(", ", coreKeysOf(namespace, declared)));
      }
      Optional<StorageBackendProvider> provider = registry.find(namespace);
      if (provider.isPresent()) {
        throw new ConfigurationException(
            "Unknown configuration key "
                + key
                + ": the "
                + namespace
                + " backend knows "
                + String.join(", ", coreKeysOf(namespace, declared)));
      }
      LOG.debug("Ignoring {}: no backend named '{}' is installed", key, namespace);
    }
    String backend = value(config, BACKEND).strip();
    String project = value(config, PROJECT).strip();
    try {
      SessionKey.checkName("project", project);
    } catch (InvalidInputException e) {
      throw new ConfigurationException("Invalid " + PROJECT + ": " + e.getMessage());
    }
    CoreConfig checked = new CoreConfig(config, backend, project);
    // Parse every typed value now, so that a bad one fails at start-up, not on first use.
    checked.cacheEnabled();
    checked.heapEntries();
    checked.offheapBytes();
    checked.cacheTtl();
    checked.cleanupMaxAge();
    checked.cleanupInterval();
    checked.searchIndexDir();
    checked.searchThinking();
    checked.searchToolResultChars();
    return checked;
  }

  private static List<String> coreKeysOf(String namespace, Set<String> declared) {
    String prefix = PREFIX + namespace + ".";
    List<String> keys = declared.stream().filter(k -> k.startsWith(prefix)).toList();
    return keys.isEmpty() ? List.of(BACKEND, PROJECT) : keys;
  }

  private static String value(SessionStoreConfig config, String key) {
    String name = key.substring(PREFIX.length());
    String fallback =
        KEYS.stream()
            .filter(k -> k.name().equals(name))
            .findFirst()
            .map(ConfigKey::defaultValue)
            .orElse(null);
    return config.get(key).filter(v -> !v.isBlank()).orElse(fallback);
  }

  private Optional<String> optional(String key) {
    return Optional.ofNullable(value(config, key)).map(String::strip).filter(v -> !v.isEmpty());
  }

  /**
   * These settings without the cache layer and the scheduled cleanup (for a short-lived process);
   * the values were checked already.
   */
  public CoreConfig withoutBackgroundWork() {
    return new CoreConfig(
        config.with(CACHE_ENABLED, "false").with(CLEANUP_MAX_AGE, ""), backend, project);
  }

  public String backend() {
    return backend;
  }

  public String project() {
    return project;
  }

  public boolean cacheEnabled() {
    return ConfigValues.bool(CACHE_ENABLED, value(config, CACHE_ENABLED));
  }

  public int heapEntries() {
    int n = ConfigValues.integer(CACHE_HEAP_ENTRIES, value(config, CACHE_HEAP_ENTRIES));
    if (n < 1) {
      throw new ConfigurationException(
          "Invalid " + CACHE_HEAP_ENTRIES + " '" + n + "': it must be at least 1");
    }
    return n;
  }

  public Optional<Long> offheapBytes() {
    return optional(CACHE_OFFHEAP).map(v -> ConfigValues.size(CACHE_OFFHEAP, v));
  }

  public Duration cacheTtl() {
    return ConfigValues.duration(CACHE_TTL, value(config, CACHE_TTL));
  }

  public Optional<Duration> cleanupMaxAge() {
    return optional(CLEANUP_MAX_AGE).map(v -> ConfigValues.duration(CLEANUP_MAX_AGE, v));
  }

  public Optional<Duration> cleanupInterval() {
    Optional<Duration> interval =
        optional(CLEANUP_INTERVAL).map(v -> ConfigValues.duration(CLEANUP_INTERVAL, v));
    if (interval.isPresent() && interval.get().isZero()) {
      throw new ConfigurationException(
          "Invalid " + CLEANUP_INTERVAL + ": it must be longer than 0");
    }
    return interval;
  }

  /** The price file to lay over the bundled prices, when one is configured. */
  public Optional<java.nio.file.Path> pricingFile() {
    return optional(PRICING_FILE).map(java.nio.file.Path::of);
  }

  /** The configured folder of the full-text index, if one is. */
  public Optional<java.nio.file.Path> searchIndexDir() {
    return optional(SEARCH_INDEX_DIR).map(v -> ConfigValues.path(SEARCH_INDEX_DIR, v));
  }

  public boolean searchThinking() {
    return ConfigValues.bool(SEARCH_THINKING, value(config, SEARCH_THINKING));
  }

  public int searchToolResultChars() {
    int n = ConfigValues.integer(SEARCH_TOOL_RESULT_CHARS, value(config, SEARCH_TOOL_RESULT_CHARS));
    if (n < 0) {
      throw new ConfigurationException(
          "Invalid " + SEARCH_TOOL_RESULT_CHARS + " '" + n + "': it must not be negative");
    }
    return n;
  }

  /** The store this configuration opens, to tell the caches of different stores apart. */
  public String storeIdentity() {
    return BackendRegistry.storeIdentity(config);
  }

  /** The configuration of one backend: the values in its namespace. */
  public BackendConfig backendConfig(StorageBackendProvider provider) {
    return BackendConfig.of(provider, config.asMap());
  }
}
