package io.sessionstore.api;

/** The storage could not be reached or used: disk, network, credentials. A retry may help. */
public class BackendUnavailableException extends SessionStoreException {
  private static final long serialVersionUID = 1L;

  public BackendUnavailableException(String message) {
    super(message);
  }

  public BackendUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
