package io.sessionstore.api;

/**
 * Bad input: malformed JSON, a message that is not a JSON object, an invalid name, a bad archive
 * line. Nothing of the call that threw it was stored.
 */
public class InvalidInputException extends SessionStoreException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
