package io.sessionstore.spi;

import java.util.List;

/**
 * A named factory of {@link StorageBackend}s, found through {@link java.util.ServiceLoader}: list
 * the implementing class in {@code META-INF/services/io.sessionstore.spi.StorageBackendProvider}.
 * The store picks the provider whose {@link #name()} is the value of {@code sessionstore.backend}.
 *
 * <p>Implementations need a public no-argument constructor and must do no I/O in it.
 */
public interface StorageBackendProvider {
  /**
   * The name users select the backend by, e.g. {@code file}, {@code s3}, {@code mongo}: lower-case
   * letters, digits and {@code -}, starting with a letter. It is also the namespace of the
   * backend's configuration keys ({@code sessionstore.<name>.<key>}). The names {@code backend},
   * {@code project}, {@code cache}, {@code cleanup} and {@code claude} are reserved.
   */
  String name();

  /**
   * The configuration keys the backend reads, relative to {@code sessionstore.<name>.}. Only these
   * are accepted in the backend's namespace and read from the environment ({@code
   * SESSIONSTORE_<NAME>_<KEY>}).
   */
  List<ConfigKey> configKeys();

  /**
   * Creates a backend from its configuration without doing any I/O; the store calls {@link
   * StorageBackend#start()} next.
   *
   * @throws io.sessionstore.api.ConfigurationException when a value is missing or malformed
   */
  StorageBackend create(BackendConfig config);
}
