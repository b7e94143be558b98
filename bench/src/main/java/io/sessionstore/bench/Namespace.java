package io.sessionstore.bench;

import io.sessionstore.api.SessionStore;
import java.time.Clock;
import java.util.Map;

/**
 * A store on a fresh namespace of a target; closing it closes the store and frees the namespace.
 */
final class Namespace implements AutoCloseable {
  final Map<String, String> config;
  final SessionStore store;
  private final Target target;

  private Namespace(Target target, Map<String, String> config, SessionStore store) {
    this.target = target;
    this.config = config;
    this.store = store;
  }

  static Namespace open(Target target) throws Exception {
    return open(target, Clock.systemUTC());
  }

  static Namespace open(Target target, Clock clock) throws Exception {
    Map<String, String> config = target.freshConfig();
    return new Namespace(target, config, Target.open(config, clock));
  }

  @Override
  public void close() throws Exception {
    store.close();
    target.release(config);
  }
}
