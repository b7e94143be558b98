package io.sessionstore.api;

/**
 * Options of {@link SessionStore#importSessions}.
 *
 * @param replace replace a stored session whose messages diverge from the archive's, instead of leaving it alone
 * @param progress told after each line of the archive
 */
public record ImportOptions(boolean replace, ProgressListener progress) {
  public static final ImportOptions DEFAULTS = new ImportOptions(false, ProgressListener.NONE);

  public ImportOptions {
    progress = progress == null ? ProgressListener.NONE : progress;
  }

  public ImportOptions(boolean replace) {
    this(replace, ProgressListener.NONE);
  }
}
