package io.sessionstore.api;

/**
 * Base of every exception the store throws. All are unchecked; the subtype says what a caller can
 * do about it, and the message says what to fix ("Cannot X: reason"). Messages never contain
 * credentials.
 */
public abstract class SessionStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected SessionStoreException(String message) {
    super(message);
  }

  protected SessionStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
