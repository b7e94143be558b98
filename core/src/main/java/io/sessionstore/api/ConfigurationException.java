package io.sessionstore.api;

/**
 * Bad configuration: an unknown backend, a missing or malformed key, an unknown key in a known
 * namespace.
 */
public class ConfigurationException extends SessionStoreException {
  private static final long serialVersionUID = 1L;

  public ConfigurationException(String message) {
    super(message);
  }

  public ConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
