package io.sessionstore.api;

import io.sessionstore.internal.ApiBridge;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link SessionStore}. By default it reads the configuration from the environment ({@link
 * SessionStoreConfig#load()}) and picks the backend named by {@code sessionstore.backend} among the
 * providers {@link java.util.ServiceLoader} finds. Not thread-safe.
 */
public final class SessionStoreBuilder {
  private SessionStoreConfig config;
  private StorageBackend backend;
  private List<StorageBackendProvider> providers;
  private Clock clock = Clock.systemUTC();
  private boolean shortLived;

  SessionStoreBuilder() {}

  /** The configuration to use instead of {@link SessionStoreConfig#load()}. */
  public SessionStoreBuilder config(SessionStoreConfig config) {
    this.config = Objects.requireNonNull(config, "config is null");
    return this;
  }

  /**
   * A backend instance to use instead of one made by a provider; the store starts and closes it.
   */
  public SessionStoreBuilder backend(StorageBackend backend) {
    this.backend = Objects.requireNonNull(backend, "backend is null");
    return this;
  }

  /** The providers to choose from instead of those {@link java.util.ServiceLoader} finds. */
  public SessionStoreBuilder providers(List<StorageBackendProvider> providers) {
    this.providers = List.copyOf(providers);
    return this;
  }

  /** The clock of {@code createdAt} and {@code updatedAt}. */
  public SessionStoreBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock is null");
    return this;
  }

  /**
   * For a process that does one thing and exits, such as a command-line run: the store starts no
   * cache layer and no scheduled cleanup, whatever {@code sessionstore.cache.*} and {@code
   * sessionstore.cleanup.*} say (their values are still checked). Neither would pay for its start
   * there, and a cleanup would run at a moment nobody chose. Off by default.
   */
  public SessionStoreBuilder shortLived(boolean shortLived) {
    this.shortLived = shortLived;
    return this;
  }

  /**
   * Checks the configuration, creates and starts the backend, and returns the store.
   *
   * @throws ConfigurationException when the configuration is wrong (an unknown backend lists the
   *     available ones)
   * @throws BackendUnavailableException when the backend cannot be reached
   */
  public SessionStore build() {
    SessionStoreConfig cfg = config != null ? config : SessionStoreConfig.load();
    return ApiBridge.build(cfg, providers, backend, clock, shortLived);
  }
}
