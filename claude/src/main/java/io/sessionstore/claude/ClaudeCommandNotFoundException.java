package io.sessionstore.claude;

import io.sessionstore.api.ConfigurationException;

/** The Claude Code command ({@link ClaudeConfig#COMMAND}) could not be run. */
public final class ClaudeCommandNotFoundException extends ConfigurationException {
  private static final long serialVersionUID = 1L;

  public ClaudeCommandNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
