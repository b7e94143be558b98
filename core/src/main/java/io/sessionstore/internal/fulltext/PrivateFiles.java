package io.sessionstore.internal.fulltext;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.Set;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.Lock;

/**
 * Lucene's folder as the index needs it: every file it creates readable by its owner alone (the
 * index holds prompts, code and secrets, like the sessions it is made from), and nothing forced to
 * disk. The index is a cache: a commit that a crashed process left is whole (the operating system
 * has its bytes), and what a power loss damages is found by Lucene's checksums and built again;
 * forcing every commit would cost more than the query it serves.
 */
final class PrivateFiles extends FilterDirectory {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private final Path dir;

  PrivateFiles(FSDirectory in) {
    super(in);
    this.dir = in.getDirectory();
  }

  @Override
  public IndexOutput createOutput(String name, IOContext context) throws IOException {
    return ownerOnly(super.createOutput(name, context));
  }

  @Override
  public IndexOutput createTempOutput(String prefix, String suffix, IOContext context)
      throws IOException {
    return ownerOnly(super.createTempOutput(prefix, suffix, context));
  }

  @Override
  public Lock obtainLock(String name) throws IOException {
    Lock lock = super.obtainLock(name);
    if (POSIX) {
      Files.setPosixFilePermissions(dir.resolve(name), OWNER_ONLY);
    }
    return lock;
  }

  @Override
  public void sync(Collection<String> names) {}

  @Override
  public void syncMetaData() {}

  private IndexOutput ownerOnly(IndexOutput out) throws IOException {
    if (POSIX) {
      Files.setPosixFilePermissions(dir.resolve(out.getName()), OWNER_ONLY);
    }
    return out;
  }
}
