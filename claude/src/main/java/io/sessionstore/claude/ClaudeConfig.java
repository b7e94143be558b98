package io.sessionstore.claude;

import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.ConfigNamespace;
import java.util.List;

/**
 * The configuration keys of Claude Code interoperability, {@code sessionstore.claude.*} (the
 * README's "Configuration"), declared here and nowhere else. The core finds this class with {@link
 * java.util.ServiceLoader}, so it checks these keys (an unknown {@code sessionstore.claude.*} key
 * is an error) and reads their environment variables ({@code SESSIONSTORE_CLAUDE_COMMAND}, {@code
 * SESSIONSTORE_CLAUDE_CONFIG_DIR}, {@code SESSIONSTORE_CLAUDE_IMPORT_STATE}) as it does its own.
 * Immutable.
 */
public final class ClaudeConfig implements ConfigNamespace {
  /** The namespace, reserved for this module. */
  public static final String NAMESPACE = "claude";

  /** The Claude Code command, split at spaces; default {@value #DEFAULT_COMMAND}. */
  public static final String COMMAND = "sessionstore.claude.command";

  /**
   * Claude Code's configuration folder; default {@code $CLAUDE_CONFIG_DIR}, else {@code ~/.claude}.
   */
  public static final String CONFIG_DIR = "sessionstore.claude.config-dir";

  /**
   * Where {@code import-claude} remembers what it stored of each transcript file, so that importing
   * again reads only what changed; default {@code $XDG_STATE_HOME/sessionstore}, else {@code
   * ~/.local/state/sessionstore}. {@value #OFF}: remember nothing, read every file every time.
   */
  public static final String IMPORT_STATE = "sessionstore.claude.import-state";

  /** The value of {@link #IMPORT_STATE} that turns the remembering off. */
  public static final String OFF = "off";

  /** The value of {@link #COMMAND} when none is configured. */
  public static final String DEFAULT_COMMAND = "claude";

  private static final String PREFIX = "sessionstore." + NAMESPACE + ".";
  private static final List<ConfigKey> KEYS =
      List.of(
          ConfigKey.of(
              COMMAND.substring(PREFIX.length()), DEFAULT_COMMAND, "the Claude Code command"),
          ConfigKey.of(
              CONFIG_DIR.substring(PREFIX.length()),
              null,
              "Claude Code's configuration folder ($CLAUDE_CONFIG_DIR, else ~/.claude)"),
          ConfigKey.of(
              IMPORT_STATE.substring(PREFIX.length()),
              null,
              "where import-claude remembers what it stored of each transcript"
                  + " ($XDG_STATE_HOME/sessionstore, else ~/.local/state/sessionstore; off: nowhere)"));

  /** For {@link java.util.ServiceLoader}. */
  public ClaudeConfig() {}

  @Override
  public String name() {
    return NAMESPACE;
  }

  @Override
  public List<ConfigKey> configKeys() {
    return KEYS;
  }
}
