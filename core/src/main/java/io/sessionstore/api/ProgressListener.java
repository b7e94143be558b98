package io.sessionstore.api;

/**
 * Told how far a long operation (an export, an import, a cleanup) has come. Called on the caller's
 * thread.
 */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = (done, total) -> {};

  /**
   * @param done units done so far (sessions, or archive lines for an import)
   * @param total units in all, or -1 when not known in advance
   */
  void progress(long done, long total);
}
