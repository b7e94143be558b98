package io.sessionstore.spi;

/**
 * A backend that can leave unreachable data behind (for example messages of a transcript whose
 * delete was cut short by a crash) and remove it later. The core calls it after every cleanup that
 * deletes, scheduled or not.
 */
public interface SupportsHousekeeping {
  /**
   * Removes data no head refers to any more. Must never remove what a committed head refers to, nor
   * what a writer that is still running may be about to commit.
   *
   * @return how many stored objects (documents, files, keys) were removed
   */
  long removeLeftovers();
}
