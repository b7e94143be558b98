package io.sessionstore.api;

/**
 * Options of {@link SessionStore#importSessions}.
 *
 * @param replace replace a stored session whose messages diverge from the archive's, instead of leaving it alone
 */
public record ImportOptions(boolean replace) {
  public static final ImportOptions DEFAULTS = new ImportOptions(false);
}
