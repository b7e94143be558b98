package io.sessionstore.backend.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * File operations of the file backend: everything it creates is private to its owner (directories
 * {@code 0700}, files {@code 0600}, set at creation, since sessions hold prompts, code and
 * secrets), and durable writes force the data and the directory entry to disk.
 */
final class SecureFiles {
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final FileAttribute<?>[] DIR_ATTRS =
      POSIX
          ? new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))
          }
          : new FileAttribute<?>[0];
  private static final FileAttribute<?>[] FILE_ATTRS =
      POSIX
          ? new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
          }
          : new FileAttribute<?>[0];

  private SecureFiles() {}

  /**
   * Creates the directory and any missing parents, each {@code 0700}, and forces each new entry
   * into its parent directory, so that a commit never refers to a folder a power loss could take
   * back.
   */
  static void createDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.getParent();
    if (parent != null) {
      createDirectories(parent);
    }
    try {
      Files.createDirectory(dir, DIR_ATTRS);
      if (parent != null) {
        syncDirectory(parent);
      }
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
    }
  }

  /** Opens a file, creating it {@code 0600} when missing. */
  static FileChannel open(Path file, OpenOption... options) throws IOException {
    Set<OpenOption> set = new java.util.HashSet<>(Set.of(options));
    set.add(StandardOpenOption.CREATE);
    return FileChannel.open(file, set, FILE_ATTRS);
  }

  static void writeFully(FileChannel ch, Path file, ByteBuffer data, long position)
      throws IOException {
    FileFaults.before(FileFaults.Op.WRITE, file);
    long pos = position;
    while (data.hasRemaining()) {
      pos += ch.write(data, pos);
    }
  }

  static void force(FileChannel ch, Path file) throws IOException {
    FileFaults.before(FileFaults.Op.FORCE, file);
    ch.force(false);
  }

  static void truncate(FileChannel ch, Path file, long size) throws IOException {
    FileFaults.before(FileFaults.Op.TRUNCATE, file);
    ch.truncate(size);
  }

  /** Deletes a file; missing is fine. */
  static void delete(Path file) throws IOException {
    FileFaults.before(FileFaults.Op.DELETE, file);
    Files.deleteIfExists(file);
  }

  /**
   * Replaces a file atomically: the content goes to a temporary file, which is renamed over the
   * target. When that fails, the temporary file is deleted (a full disk must not stay full of it);
   * one a crash left is overwritten.
   *
   * @param durable whether to force the content and the directory entry to disk before returning
   */
  static void replace(Path target, byte[] content, boolean durable) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      try (FileChannel ch =
          open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writeFully(ch, tmp, ByteBuffer.wrap(content), 0);
        if (durable) {
          FileFaults.before(FileFaults.Op.FORCE, tmp);
          ch.force(true);
        }
      }
      FileFaults.before(FileFaults.Op.RENAME, target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      try {
        delete(tmp);
      } catch (IOException | RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    if (durable) {
      syncDirectory(target.getParent());
    }
  }

  /**
   * Forces a directory's entries (a file created or renamed in it) to disk, where the platform
   * allows it.
   */
  static void syncDirectory(Path dir) throws IOException {
    if (!POSIX) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      FileFaults.before(FileFaults.Op.FORCE, dir);
      ch.force(true);
    }
  }

  /** Deletes a file tree; missing is fine. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        delete(p);
      }
    }
  }
}
