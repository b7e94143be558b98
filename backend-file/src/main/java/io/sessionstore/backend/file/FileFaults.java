package io.sessionstore.backend.file;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A fault-injection seam for tests of disk-full and crash behaviour: every write, force, truncate,
 * rename and delete the file backend makes is announced to an installed hook just before it
 * happens, so a test can fail it with an {@link IOException} or halt the JVM there. Nothing is
 * installed in production, where the seam costs one read of a field per file operation.
 */
public final class FileFaults {
  /** A file operation of the backend. */
  public enum Op {
    WRITE,
    FORCE,
    TRUNCATE,
    RENAME,
    DELETE
  }

  /** Sees an operation before it happens; throwing fails it. */
  @FunctionalInterface
  public interface Hook {
    void before(Op op, Path file) throws IOException;
  }

  private static volatile Hook hook;

  private FileFaults() {}

  /**
   * Installs a hook for every file backend of this JVM; {@code null} removes it. For tests only.
   */
  public static void install(Hook h) {
    hook = h;
  }

  static void before(Op op, Path file) throws IOException {
    Hook h = hook;
    if (h != null) {
      h.before(op, file);
    }
  }
}
