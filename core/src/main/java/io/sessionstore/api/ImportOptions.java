package io.sessionstore.api;

/**
 * Options of {@link SessionStore#importSessions}.
 *
 * @param replace replace a stored session whose messages diverge from the archive's, instead of
 *     leaving it alone
 * @param archivedMetadataWins for a stored session, take the archive's summary and attributes over
 *     the stored ones (attributes the archive lacks are kept); by default the stored ones win and
 *     the archive's fill gaps
 * @param progress told after each line of the archive
 */
public record ImportOptions(
    boolean replace, boolean archivedMetadataWins, ProgressListener progress) {
  public static final ImportOptions DEFAULTS =
      new ImportOptions(false, false, ProgressListener.NONE);

  public ImportOptions {
    progress = progress == null ? ProgressListener.NONE : progress;
  }

  public ImportOptions(boolean replace) {
    this(replace, false, ProgressListener.NONE);
  }

  public ImportOptions(boolean replace, ProgressListener progress) {
    this(replace, false, progress);
  }
}
