package io.sessionstore.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.util.Objects;

/**
 * Binds {@link SessionStore} as a singleton built from configuration, exactly as {@code
 * SessionStore.builder().config(config).build()} would build it. The application closes the store
 * when it shuts down.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(new SessionStoreModule());   // configuration from the environment
 * SessionStore store = injector.getInstance(SessionStore.class);
 * }</pre>
 */
public final class SessionStoreModule extends AbstractModule {
  private final SessionStoreConfig config;

  /**
   * A module whose store reads its configuration from the environment ({@link
   * SessionStoreConfig#load()}).
   */
  public SessionStoreModule() {
    this(null);
  }

  /** A module whose store uses the given configuration. */
  public SessionStoreModule(SessionStoreConfig config) {
    this.config = config;
  }

  @Provides
  @Singleton
  SessionStore sessionStore() {
    return SessionStore.builder()
        .config(Objects.requireNonNullElseGet(config, SessionStoreConfig::load))
        .build();
  }
}
