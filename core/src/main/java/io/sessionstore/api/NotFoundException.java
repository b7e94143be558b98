package io.sessionstore.api;

/** A session (or sub-transcript) that does not exist was asked for. */
public class NotFoundException extends SessionStoreException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(message);
  }

  public NotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
