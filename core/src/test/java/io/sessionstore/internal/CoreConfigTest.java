package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.BackendConfig;
import io.sessionstore.spi.BackendRegistry;
import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.ConfigNamespace;
import io.sessionstore.spi.ConfigValues;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CoreConfigTest {
  static final class Provider implements StorageBackendProvider {
    @Override
    public String name() {
      return "demo";
    }

    @Override
    public List<ConfigKey> configKeys() {
      return List.of(
          ConfigKey.of("dir", "/default", "a directory"),
          ConfigKey.secret("password", "a secret"),
          ConfigKey.of("timeout", "5s", "a duration"));
    }

    @Override
    public StorageBackend create(BackendConfig config) {
      throw new UnsupportedOperationException("not needed here");
    }
  }

  private static final BackendRegistry REGISTRY = BackendRegistry.of(List.of(new Provider()));

  private static CoreConfig check(Map<String, String> values) {
    return CoreConfig.check(SessionStoreConfig.of(values), REGISTRY);
  }

  @Test
  void defaultsApplyWhenNothingIsConfigured() {
    CoreConfig c = check(Map.of());
    assertEquals("file", c.backend());
    assertEquals("default", c.project());
    assertTrue(c.cacheEnabled());
    assertEquals(10_000, c.heapEntries());
    assertEquals(Duration.ofSeconds(30), c.cacheTtl());
    assertEquals(Optional.empty(), c.offheapBytes());
    assertEquals(Optional.empty(), c.cleanupMaxAge());
  }

  @Test
  void typedValuesAreParsed() {
    CoreConfig c =
        check(
            Map.of(
                "sessionstore.cache.ttl",
                "500ms",
                "sessionstore.cache.offheap",
                "64MB",
                "sessionstore.cleanup.max-age",
                "30d",
                "sessionstore.cleanup.interval",
                "PT12H",
                "sessionstore.project",
                "-home-me-repo"));
    assertEquals(Duration.ofMillis(500), c.cacheTtl());
    assertEquals(Optional.of(64L << 20), c.offheapBytes());
    assertEquals(Optional.of(Duration.ofDays(30)), c.cleanupMaxAge());
    assertEquals(Optional.of(Duration.ofHours(12)), c.cleanupInterval());
    assertEquals("-home-me-repo", c.project());
  }

  @Test
  void aBadValueFailsNamingItsKey() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class, () -> check(Map.of("sessionstore.cache.ttl", "soon")));
    assertTrue(
        e.getMessage().contains("sessionstore.cache.ttl") && e.getMessage().contains("30d"),
        e.getMessage());
    assertThrows(
        ConfigurationException.class, () -> check(Map.of("sessionstore.cache.enabled", "maybe")));
    assertThrows(
        ConfigurationException.class, () -> check(Map.of("sessionstore.cache.heap-entries", "0")));
    assertThrows(ConfigurationException.class, () -> check(Map.of("sessionstore.project", "../x")));
  }

  @Test
  void anUnknownKeyInAKnownNamespaceIsAnError() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class, () -> check(Map.of("sessionstore.demo.dri", "/x")));
    assertTrue(
        e.getMessage().contains("sessionstore.demo.dir"),
        "lists the known keys: " + e.getMessage());
    assertThrows(ConfigurationException.class, () -> check(Map.of("sessionstore.cache.size", "1")));
    assertThrows(ConfigurationException.class, () -> check(Map.of("sessionstore.bakend", "file")));
  }

  /** A module's namespace as the claude module declares its own (found by ServiceLoader there). */
  static final class Module implements ConfigNamespace {
    @Override
    public String name() {
      return "claude";
    }

    @Override
    public List<ConfigKey> configKeys() {
      return List.of(
          ConfigKey.of("command", "claude", "a command"),
          ConfigKey.of("config-dir", null, "a folder"));
    }
  }

  @Test
  void aModulesKeysAreCheckedWhenTheModuleIsInstalled() {
    SessionStoreConfig good = SessionStoreConfig.of(Map.of("sessionstore.claude.command", "x"));
    assertEquals("file", CoreConfig.check(good, REGISTRY, List.of(new Module())).backend());
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                CoreConfig.check(
                    SessionStoreConfig.of(Map.of("sessionstore.claude.cmd", "x")),
                    REGISTRY,
                    List.of(new Module())));
    assertTrue(
        e.getMessage().contains("sessionstore.claude.command")
            && e.getMessage().contains("sessionstore.claude.config-dir"),
        "lists the known keys: " + e.getMessage());
    assertTrue(
        CoreConfig.declaredKeys(REGISTRY, List.of(new Module()))
            .containsAll(
                List.of(
                    "sessionstore.claude.command",
                    "sessionstore.claude.config-dir",
                    "sessionstore.demo.dir")));
  }

  @Test
  void keysOfAModuleThatIsNotInstalledAreIgnoredButTheNamespaceStaysReserved() {
    assertEquals(
        "file",
        CoreConfig.check(
                SessionStoreConfig.of(Map.of("sessionstore.claude.cmd", "x")), REGISTRY, List.of())
            .backend());
    assertThrows(
        ConfigurationException.class,
        () ->
            CoreConfig.check(
                SessionStoreConfig.of(Map.of("sessionstore.cache.size", "1")),
                REGISTRY,
                List.of()));
  }

  @Test
  void keysOfABackendThatIsNotInstalledAreIgnored() {
    assertEquals("file", check(Map.of("sessionstore.s3.bucket", "b")).backend());
  }

  @Test
  void aBackendSeesItsOwnKeysWithDefaultsAndMaskedSecrets() {
    CoreConfig c =
        check(Map.of("sessionstore.demo.password", "hunter2", "sessionstore.demo.timeout", "2m"));
    BackendConfig b = c.backendConfig(new Provider());
    assertEquals(Optional.of("/default"), b.get("dir"));
    assertEquals(Optional.of(Duration.ofMinutes(2)), b.duration("timeout"));
    assertEquals("hunter2", b.require("password"));
    assertFalse(b.toString().contains("hunter2"), b.toString());
  }

  @Test
  void durationsAndSizesHaveTheDocumentedForms() {
    assertEquals(Duration.ofDays(30), ConfigValues.duration("k", "30d"));
    assertEquals(Duration.ofHours(12), ConfigValues.duration("k", "12h"));
    assertEquals(Duration.ofMinutes(15), ConfigValues.duration("k", "15m"));
    assertEquals(Duration.ofSeconds(45), ConfigValues.duration("k", "45s"));
    assertEquals(Duration.ofMillis(500), ConfigValues.duration("k", "500ms"));
    assertEquals(Duration.ofHours(12), ConfigValues.duration("k", "PT12H"));
    assertThrows(ConfigurationException.class, () -> ConfigValues.duration("k", "-5d"));
    assertEquals(1L << 30, ConfigValues.size("k", "1GB"));
    assertEquals(512L << 10, ConfigValues.size("k", "512kb"));
    assertThrows(ConfigurationException.class, () -> ConfigValues.size("k", "lots"));
  }
}
