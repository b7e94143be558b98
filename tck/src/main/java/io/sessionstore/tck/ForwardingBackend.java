package io.sessionstore.tck;

import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A backend that passes every call to another: for tests that change one behaviour of a real
 * backend (an outage, a planted bug) and keep the rest.
 */
public abstract class ForwardingBackend implements StorageBackend {
  private final StorageBackend delegate;

  protected ForwardingBackend(StorageBackend delegate) {
    this.delegate = delegate;
  }

  @Override
  public void start() {
    delegate.start();
  }

  @Override
  public Optional<StoredHead> head(SessionKey key) {
    return delegate.head(key);
  }

  @Override
  public Stream<String> messages(StoredHead head, long from) {
    return delegate.messages(head, from);
  }

  @Override
  public void commit(Commit commit) {
    delegate.commit(commit);
  }

  @Override
  public Stream<StoredHead> list(Scope scope) {
    return delegate.list(scope);
  }

  @Override
  public List<String> subpaths(SessionKey session) {
    return delegate.subpaths(session);
  }

  @Override
  public Optional<String> changeToken() {
    return delegate.changeToken();
  }

  @Override
  public boolean delete(SessionKey key, long expectedVersion) {
    return delegate.delete(key, expectedVersion);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
