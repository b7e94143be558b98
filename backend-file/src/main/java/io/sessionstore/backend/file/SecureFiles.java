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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
    for (Path parent : createDirectoriesUnsynced(dir)) {
      syncDirectory(parent);
    }
  }

  /**
   * Creates the directory and any missing parents, each {@code 0700}; returns the directories that
   * got a new entry, to be {@link #forceTogether forced} before anything refers to them.
   */
  static List<Path> createDirectoriesUnsynced(Path dir) throws IOException {
    List<Path> changed = new ArrayList<>();
    create(dir, changed);
    return changed;
  }

  private static void create(Path dir, List<Path> changed) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.getParent();
    if (parent != null) {
      create(parent, changed);
    }
    try {
      Files.createDirectory(dir, DIR_ATTRS);
      if (parent != null) {
        changed.add(parent);
      }
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
    }
  }

  /** Forces to disk at once for {@link #forceTogether}; daemon threads, made when first needed. */
  private static final ExecutorService FORCING =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "sessionstore-file-force");
            t.setDaemon(true);
            return t;
          });

  /**
   * Forces a file's data and the entries of these directories to disk, all at once (a journaling
   * file system commits what is forced meanwhile together, so this costs about one forced write,
   * not one per file), and returns when every one is durable.
   */
  static void forceTogether(FileChannel ch, Path file, List<Path> dirs) throws IOException {
    if (dirs.isEmpty() || !POSIX) {
      force(ch, file);
      for (Path d : dirs) {
        syncDirectory(d);
      }
      return;
    }
    List<Future<Void>> others = new ArrayList<>(dirs.size());
    for (Path d : dirs) {
      others.add(
          FORCING.submit(
              () -> {
                syncDirectory(d);
                return null;
              }));
    }
    IOException failure = null;
    try {
      force(ch, file);
    } catch (IOException e) {
      failure = e;
    }
    awaitAll(others, failure);
  }

  /**
   * Waits for every task, whatever happens (each must be done before the caller goes on, which may
   * release locks; an interrupt is kept for later), then throws the first failure, the others added
   * to it.
   */
  static void awaitAll(List<Future<Void>> tasks, Throwable failure) throws IOException {
    boolean interrupted = false;
    for (Future<Void> f : tasks) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (failure == null) {
            failure = e.getCause();
          } else {
            failure.addSuppressed(e.getCause());
          }
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure instanceof IOException e) {
      throw e;
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
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
