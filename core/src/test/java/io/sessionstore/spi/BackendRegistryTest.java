package io.sessionstore.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ConfigurationException;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendRegistryTest {
  /** A provider of a given name; its backends are never created here. */
  public static class Named implements StorageBackendProvider {
    private final String name;

    public Named() {
      this("by-class");
    }

    Named(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public List<ConfigKey> configKeys() {
      return List.of();
    }

    @Override
    public StorageBackend create(BackendConfig config) {
      throw new UnsupportedOperationException("not needed here");
    }
  }

  static final class Other extends Named {
    Other(String name) {
      super(name);
    }
  }

  @Test
  void anUnknownNameListsTheAvailableBackends() {
    BackendRegistry r = BackendRegistry.of(List.of(new Named("file"), new Named("s3")));
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> r.provider("nosuch"));
    assertTrue(e.getMessage().contains("Unknown backend 'nosuch'"), e.getMessage());
    assertTrue(e.getMessage().contains("Available backends: file, s3"), e.getMessage());
  }

  @Test
  void twoProvidersWithOneNameAreRejected() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> BackendRegistry.of(List.of(new Named("x"), new Other("x"))));
    assertTrue(e.getMessage().contains("provided twice"), e.getMessage());
  }

  @Test
  void invalidAndReservedNamesAreRejected() {
    assertThrows(
        ConfigurationException.class, () -> BackendRegistry.of(List.of(new Named("Has Space"))));
    assertThrows(
        ConfigurationException.class, () -> BackendRegistry.of(List.of(new Named("cache"))));
    assertThrows(ConfigurationException.class, () -> BackendRegistry.of(List.of(new Named(null))));
  }

  @Test
  void aClassNameLoadsThatProvider() {
    BackendRegistry r = BackendRegistry.of(List.of());
    assertInstanceOf(Named.class, r.provider(Named.class.getName()));
    assertThrows(ConfigurationException.class, () -> r.provider("com.example.Missing"));
    assertThrows(ConfigurationException.class, () -> r.provider(String.class.getName()));
  }

  @Test
  void discoveryWithoutProvidersSaysHowToAddOne() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> BackendRegistry.discover(ClassLoader.getPlatformClassLoader()).provider("file"));
    assertTrue(e.getMessage().contains("none"), e.getMessage());
    assertEquals(List.of(), BackendRegistry.discover(ClassLoader.getPlatformClassLoader()).names());
  }
}
