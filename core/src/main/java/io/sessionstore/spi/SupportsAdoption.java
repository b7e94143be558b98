package io.sessionstore.spi;

import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;

/**
 * A backend whose listings come from an index that can lack sessions its storage holds: sessions
 * another tool wrote there (the Claude Agent SDK's S3 session store writes the same layout), or
 * first commits whose writer died before indexing them. Reading such a session by its key finds it;
 * listings of every project never scan the storage for them (that would cost every fresh process
 * requests in proportion to the sessions held). {@link #adopt} does, when asked: {@code
 * SessionStore.adoptSessions}, {@code sessionstore adopt}.
 */
public interface SupportsAdoption {
  /**
   * Scans the scope's storage and takes in every session the index lacks. A scan of every project
   * that was cut short goes on where it stopped the next time.
   *
   * @return how many sessions were taken in
   */
  long adopt(Scope scope, ProgressListener progress);
}
