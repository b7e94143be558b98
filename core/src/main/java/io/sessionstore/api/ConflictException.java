package io.sessionstore.api;

/** A write lost a race: the stored version is not the one the caller expected. Reload and retry. */
public class ConflictException extends SessionStoreException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }

  public ConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
