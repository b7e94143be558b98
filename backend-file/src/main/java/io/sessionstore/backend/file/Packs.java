package io.sessionstore.backend.file;

import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.HeadCodec;
import io.sessionstore.spi.IoErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pack files: where new transcripts are written, many at once, so that a batch of them costs two
 * forced writes (the pack's bytes, then the index records that commit them) instead of two or more
 * per transcript and its folders. A transcript stays in its pack until its first append or
 * replacement, which moves it into a data file of its own.
 *
 * <p>Commits that arrive while a batch is being forced wait and go together in the next one ({@link
 * GroupCommit}): every waiting session's messages are written to the pack, which is forced once,
 * and their index records are appended in one forced write. Each session's record is a line of its
 * own, so a crash keeps or loses each session whole.
 *
 * <p>{@code packs/<name>.jsonl} holds the messages; {@code <name>.heads} the records that put
 * transcripts in it and take them out, in index record form (not forced: like the head snapshots,
 * only a rebuild of a lost index reads them); {@code <name>.lock} is held by the process that
 * writes the pack. A pack no index record refers to, and that nobody writes, is deleted: when its
 * last transcript leaves it, or when a process looks for a pack to write to.
 */
final class Packs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Packs.class);
  static final String DIR = "packs";

  /** A pack that has grown past this is not written to again. */
  private static final long FULL = 64L << 20;

  /**
   * Lock files this JVM holds. Closing any channel on a file drops the process's lock on it, so a
   * backend never opens a lock file that another backend of the same JVM holds.
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path dir;
  private final IndexLog index;

  /** Each thread hands in the sessions it commits: one, or a caller's whole batch. */
  private final GroupCommit<List<Prepared>> batches = new GroupCommit<>(this::write);

  /**
   * A session's new transcripts, their messages and heads encoded by the committing thread (the
   * writer of a batch only puts them together).
   */
  private record Prepared(List<Commit> commits, List<byte[]> data, List<String> heads) {
    /** Closes the packs, in turn with the batches. */
    static final Prepared CLOSE = new Prepared(null, null, null);

    static Prepared of(List<Commit> commits) {
      List<byte[]> data = new ArrayList<>(commits.size());
      List<String> heads = new ArrayList<>(commits.size());
      for (Commit c : commits) {
        data.add(FileBackend.jsonLines(c));
        heads.add(HeadCodec.encode(c.head()));
      }
      return new Prepared(commits, data, heads);
    }
  }

  /** The pack this backend writes to; touched by the leader only, or under {@code this}. */
  private Writing writing;

  private volatile String writingName;

  /** Guarded by this. */
  private boolean closed;

  private static final class Writing {
    final String name;
    final FileChannel data;
    final Held lock;
    long size;

    Writing(String name, FileChannel data, Held lock, long size) {
      this.name = name;
      this.data = data;
      this.lock = lock;
      this.size = size;
    }
  }

  private record Held(Path file, FileChannel channel, FileLock lock) {
    void release() throws IOException {
      try {
        lock.release();
        channel.close();
      } finally {
        HELD.remove(file);
      }
    }
  }

  Packs(Path root, IndexLog index) {
    this.dir = root.resolve(DIR);
    this.index = index;
  }

  Path file(String pack) {
    return dir.resolve(pack + ".jsonl");
  }

  private Path heads(String pack) {
    return dir.resolve(pack + ".heads");
  }

  private Path lockFile(String pack) {
    return dir.resolve(pack + ".lock");
  }

  // ---- writing
  // ------------------------------------------------------------------------------------------------

  /**
   * Commits new transcripts of sessions (each session's commits checked by the caller, under the
   * session's lock) in the next batch; returns when that batch is durable.
   */
  void commit(List<List<Commit>> sessions) throws IOException {
    batches.submit(sessions.stream().map(Prepared::of).toList());
  }

  private void write(List<List<Prepared>> handedIn) throws IOException {
    List<Prepared> all = handedIn.stream().flatMap(List::stream).toList();
    List<Prepared> group = all.stream().filter(p -> p != Prepared.CLOSE).toList();
    if (!group.isEmpty()) {
      writeBatch(group);
    }
    if (group.size() < all.size()) {
      Writing w;
      synchronized (this) {
        closed = true;
        w = writing;
      }
      if (w != null) {
        stopWriting(w);
      }
    }
  }

  private void writeBatch(List<Prepared> group) throws IOException {
    Writing pack = writing();
    // Each session's bytes are written where they go, not copied together first: a batch may hold
    // a large share of the import's memory budget.
    List<ByteBuffer> chunks = new ArrayList<>();
    long end = pack.size;
    List<IndexLog.Change> records = new ArrayList<>(group.size());
    long start = pack.size;
    for (Prepared session : group) {
      List<IndexLog.Change> puts = new ArrayList<>(session.commits().size());
      for (int i = 0; i < session.commits().size(); i++) {
        long offset = end;
        chunks.add(ByteBuffer.wrap(session.data().get(i)));
        end += session.data().get(i).length;
        puts.add(
            IndexLog.Change.inPack(
                session.commits().get(i).head(),
                session.heads().get(i),
                pack.name,
                offset,
                session.data().get(i).length,
                session.data().get(i).length));
      }
      records.add(IndexLog.Change.group(puts));
    }
    Path file = file(pack.name);
    // Bytes written are never written over, even when this batch fails: an index record that a
    // failed force still wrote may refer to them.
    pack.size = end;
    try {
      long at = start;
      for (ByteBuffer chunk : chunks) {
        long length = chunk.remaining();
        SecureFiles.writeFully(pack.data, file, chunk, at);
        at += length;
      }
      SecureFiles.force(pack.data, file);
    } catch (IOException | RuntimeException e) {
      if (!pack.data.isOpen()) {
        // An interrupt closes the channel: the next batch opens the pack again.
        stopWriting(pack);
      }
      throw e;
    }
    index.append(records);
    snapshot(pack.name, records.stream().map(IndexLog.Change::text).toList());
    if (pack.size >= FULL) {
      stopWriting(pack);
    }
  }

  /** No later batch goes to this pack. */
  private void stopWriting(Writing w) {
    synchronized (this) {
      if (writing == w) {
        writing = null;
        writingName = null;
      }
    }
    retire(w);
  }

  /**
   * Stops writing a pack: deleted when nothing refers to it (as forced to disk: under the index
   * lock, no record is being written), else left for readers and later writers.
   */
  private void retire(Writing w) {
    try {
      deleteIfUnused(w.name);
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "Could not delete the pack {} that nothing refers to: {}", file(w.name), describe(e));
    }
    try {
      w.data.close();
    } catch (IOException e) {
      LOG.debug("Could not close the pack {}: {}", file(w.name), describe(e));
    }
    try {
      w.lock.release();
    } catch (IOException e) {
      LOG.warn("Could not release the lock of the pack {}: {}", file(w.name), describe(e));
    }
  }

  /** Deletes a pack whose lock is held when no index record refers to it any more. */
  private void deleteIfUnused(String name) throws IOException {
    try (FileLocks.Held ix = index.lock()) {
      if (!Files.exists(file(name)) || index.packReferencesLocked(name) == 0) {
        delete(name);
      }
    }
  }

  /**
   * The pack to write to: this backend's, else one that another process wrote and left with room,
   * else a new one. Packs nothing refers to that it passes are deleted.
   */
  private synchronized Writing writing() throws IOException {
    if (closed) {
      throw new IllegalStateException("The file backend on " + dir.getParent() + " is closed");
    }
    if (writing != null) {
      return writing;
    }
    SecureFiles.createDirectories(dir);
    try (DirectoryStream<Path> packs = Files.newDirectoryStream(dir, "*.jsonl")) {
      for (Path p : packs) {
        String name = p.getFileName().toString().replaceFirst("\\.jsonl$", "");
        Held held = tryLock(name);
        if (held == null) {
          continue;
        }
        boolean keep = false;
        try {
          if (!Files.exists(p)) {
            delete(name);
          } else if (writing == null && Files.size(p) < FULL) {
            FileChannel data = FileChannel.open(p, StandardOpenOption.WRITE);
            writing = new Writing(name, data, held, data.size());
            keep = true;
          }
        } finally {
          if (!keep) {
            try {
              deleteIfUnused(name);
            } catch (IOException | RuntimeException e) {
              LOG.warn("Could not delete the pack {} that nothing refers to: {}", p, describe(e));
            }
            held.release();
          }
        }
      }
    }
    if (writing == null) {
      String name =
          "p-"
              + Long.toHexString(System.currentTimeMillis())
              + "-"
              + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
      Held held = tryLock(name);
      if (held == null) {
        throw new IOException("Cannot lock the new pack " + lockFile(name));
      }
      try {
        FileChannel data =
            SecureFiles.open(file(name), StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        SecureFiles.open(heads(name), StandardOpenOption.WRITE).close();
        SecureFiles.syncDirectory(dir);
        writing = new Writing(name, data, held, 0);
      } catch (IOException | RuntimeException e) {
        held.release();
        throw e;
      }
    }
    writingName = writing.name;
    return writing;
  }

  /** The lock of a pack, when nobody holds it. */
  private Held tryLock(String pack) throws IOException {
    // By its real path: one directory reached by two paths is one set of locks.
    Path file = dir.toRealPath().resolve(pack + ".lock");
    if (!HELD.add(file)) {
      return null;
    }
    FileChannel ch = null;
    try {
      ch = SecureFiles.open(file, StandardOpenOption.WRITE);
      FileLock lock = ch.tryLock();
      if (lock != null) {
        return new Held(file, ch, lock);
      }
    } catch (OverlappingFileLockException e) {
      // Not possible while HELD is kept; treated as held.
    } catch (IOException | RuntimeException e) {
      HELD.remove(file);
      if (ch != null) {
        ch.close();
      }
      throw e;
    }
    ch.close();
    HELD.remove(file);
    return null;
  }

  /** Deletes a pack whose lock is held (or only its lock file, when it was deleted meanwhile). */
  private void delete(String pack) throws IOException {
    SecureFiles.delete(file(pack));
    SecureFiles.delete(heads(pack));
    SecureFiles.delete(lockFile(pack));
  }

  // ---- after commits
  // ------------------------------------------------------------------------------------------------

  /**
   * Records a change of a transcript that stays in the pack (its metadata) where a rebuild finds
   * it.
   */
  void snapshot(String pack, String record) {
    snapshot(pack, List.of(record));
  }

  private void snapshot(String pack, List<String> records) {
    StringBuilder text = new StringBuilder();
    records.forEach(r -> text.append(IndexLog.line(r)));
    try (FileChannel ch = FileChannel.open(heads(pack), StandardOpenOption.APPEND)) {
      FileFaults.before(FileFaults.Op.WRITE, heads(pack));
      ByteBuffer buf = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    } catch (NoSuchFileException e) {
      // The pack is gone: nothing of it is rebuilt.
    } catch (IOException | RuntimeException e) {
      LOG.warn("Committed, but could not note it in {}: {}", heads(pack), describe(e));
    }
  }

  /**
   * After a commit took a transcript out of a pack (replaced, or deleted with its sub-transcripts
   * when it is a session's main one): notes it for a rebuild, and deletes the pack once nothing
   * refers to it and nobody writes it. A failure is logged: the commit has happened.
   */
  void left(String pack, SessionKey key, boolean deleted) {
    snapshot(pack, deleted ? IndexLog.deleteRecord(key) : IndexLog.leftRecord(key));
    if (pack.equals(writingName)) {
      return;
    }
    try {
      Held held = tryLock(pack);
      if (held == null) {
        return;
      }
      try {
        deleteIfUnused(pack);
      } finally {
        held.release();
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not delete the pack {} that nothing refers to: {}", file(pack), describe(e));
    }
  }

  /**
   * The records of the transcripts each pack holds, as its {@code .heads} file says, for rebuilding
   * a lost index.
   */
  List<String> snapshotRecords() throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.heads")) {
      for (Path f : files) {
        Map<SessionKey, String> live = new HashMap<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          String record = IndexLog.record(line);
          if (record != null) {
            IndexLog.replay(record, live);
          }
        }
        out.addAll(live.values());
      }
    }
    return out;
  }

  /** Closes the pack this backend writes, after the batch being written, if any. */
  @Override
  public void close() {
    try {
      batches.submit(List.of(Prepared.CLOSE));
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not close the pack of {}: {}", dir, describe(e));
    }
  }

  private static String describe(Exception e) {
    return e instanceof IOException io ? IoErrors.describe(io) : String.valueOf(e);
  }
}
