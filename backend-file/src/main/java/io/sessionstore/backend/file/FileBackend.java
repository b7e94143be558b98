package io.sessionstore.backend.file;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.HeadCodec;
import io.sessionstore.spi.IoErrors;
import io.sessionstore.spi.JsonStreams;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.SupportsBatchCommits;
import io.sessionstore.spi.SupportsOrderedListing;
import io.sessionstore.spi.Utf8Lines;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The local file backend: a directory that holds, for every transcript, its messages as JSON Lines
 * (one file per generation, only ever appended to) and a snapshot of its head; and one index log
 * whose records commit every change. See {@link IndexLog} for the log and the module README for the
 * layout and its guarantees.
 *
 * <p>A commit runs under the session's lock (threads and processes): it checks the version in the
 * index, appends the messages to the data file and forces them to disk, then appends the index
 * record and forces it — the commit point — and last refreshes the head snapshot. A crash before
 * the index record leaves bytes past the committed length, which are never read and are cut off by
 * the next write. Appending costs the size of the new messages.
 */
public final class FileBackend
    implements StorageBackend, SupportsBatchCommits, SupportsOrderedListing {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FileBackend.class);
  static final String LAYOUT = "sessionstore-file";

  /**
   * 2: index records that group several heads; 3: packs (older stores are upgraded when opened).
   */
  static final int LAYOUT_VERSION = 3;

  private static final String HEAD_SNAPSHOT = "head.json";

  private final Path root;
  private final FileNames names;
  private final FileLocks locks;
  private final IndexLog index;
  private final Packs packs;
  private volatile boolean closed;

  /**
   * Transcript directories whose files of replaced generations could not be deleted after a commit.
   */
  private final java.util.Set<Path> untidy = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static final long COMPACT_AFTER = 10_000;

  /** A backend on a directory; nothing is touched until {@link #start()}. */
  public FileBackend(Path dir) {
    this(dir, COMPACT_AFTER);
  }

  FileBackend(Path dir, long compactAfter) {
    this.root = dir.toAbsolutePath().normalize();
    this.names = new FileNames(root);
    this.locks = new FileLocks(root.resolve("locks"));
    this.index =
        new IndexLog(root.resolve("index.log"), locks, this::snapshotRecords, compactAfter);
    this.packs = new Packs(root, index);
  }

  /** The directory of the store. */
  public Path directory() {
    return root;
  }

  @Override
  public void start() {
    try {
      SecureFiles.createDirectories(root);
      SecureFiles.createDirectories(root.resolve("locks"));
      checkFormat();
      // The index is read at the first call that needs it: a command that asks only whether
      // anything changed (changeToken) never decodes its heads.
    } catch (IOException e) {
      throw unavailable("open the file store", e);
    }
  }

  @Override
  public Optional<String> changeToken() {
    checkOpen();
    try {
      return Optional.ofNullable(index.changeToken());
    } catch (IOException e) {
      throw unavailable("read the index of the file store", e);
    }
  }

  /**
   * Writes the format marker and an empty index into a new store; checks the marker of an existing
   * one.
   */
  private void checkFormat() throws IOException {
    Path marker = root.resolve("format");
    if (!Files.exists(marker)) {
      try (FileLocks.Held held = locks.index()) {
        if (!Files.exists(marker)) {
          if (!Files.exists(names.projects()) && !Files.exists(root.resolve("index.log"))) {
            SecureFiles.replace(root.resolve("index.log"), new byte[0], true);
          }
          SecureFiles.replace(marker, format().getBytes(StandardCharsets.UTF_8), true);
        }
      }
      return;
    }
    JsonNode n;
    try {
      n = JsonStreams.readTree(Files.readString(marker));
    } catch (IOException e) {
      n = null;
    }
    if (n == null
        || !LAYOUT.equals(n.path("layout").asText())
        || !n.path("version").isIntegralNumber()) {
      throw new ConfigurationException(
          "Cannot use "
              + root
              + " as a file store: its format marker "
              + marker
              + " is not one sessionstore wrote");
    }
    if (n.get("version").asInt() > LAYOUT_VERSION) {
      throw new ConfigurationException(
          "Cannot use "
              + root
              + ": it was written by a newer sessionstore (layout "
              + "version "
              + n.get("version").asInt()
              + ", this one reads "
              + LAYOUT_VERSION
              + "); upgrade sessionstore");
    }
    if (n.get("version").asInt() < LAYOUT_VERSION) {
      // Older sessionstores cannot read the records this one writes: from now on they refuse the
      // store clearly.
      try (FileLocks.Held held = locks.index()) {
        SecureFiles.replace(marker, format().getBytes(StandardCharsets.UTF_8), true);
      }
    }
  }

  private static String format() {
    return "{\"layout\":\"" + LAYOUT + "\",\"version\":" + LAYOUT_VERSION + "}\n";
  }

  @Override
  public Optional<StoredHead> head(SessionKey key) {
    checkOpen();
    try {
      IndexLog.Entry e = index.entry(key);
      return e == null ? Optional.empty() : Optional.of(e.head());
    } catch (IOException e) {
      throw unavailable("read " + key, e);
    }
  }

  @Override
  public Stream<String> messages(StoredHead head, long from) {
    checkOpen();
    long count = head.messageCount() - from;
    if (count <= 0) {
      return Stream.empty();
    }
    Path data = names.transcriptDir(head.key()).resolve(FileNames.dataFileName(head.generation()));
    long[] start = {0, 0};
    try {
      IndexLog.Entry e = index.entry(head.key());
      if (e == null || e.recorded().generation() != head.generation()) {
        e = null;
      } else {
        start = e.checkpointAtOrBefore(from);
        if (e.recorded().messageCount() == head.messageCount()
            && e.bytes() - start[1] <= WHOLE_READ_BYTES) {
          // The committed bytes are known: one read, lines decoded in place.
          return wholeRange(ranges(e, data, start[1], e.bytes())).stream()
              .skip(from - start[0])
              .limit(count);
        }
      }
      InputStream in = stream(e, data, start[1]);
      // Lines end at '\n' only: a message may hold a lone '\r' between its tokens.
      Utf8Lines lines = new Utf8Lines(in, false);
      Iterator<String> it =
          new Iterator<>() {
            private String next = lines.next();

            @Override
            public boolean hasNext() {
              return next != null;
            }

            @Override
            public String next() {
              if (next == null) {
                throw new java.util.NoSuchElementException();
              }
              String current = next;
              next = lines.next();
              return current;
            }
          };
      return StreamSupport.stream(
              Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false)
          .skip(from - start[0])
          .limit(count)
          .onClose(
              () -> {
                try {
                  in.close();
                } catch (IOException ex) {
                  throw new UncheckedIOException(ex);
                }
              });
    } catch (NoSuchFileException e) {
      throw new ConflictException(
          "Cannot read " + head.key() + ": it was replaced or deleted while being read");
    } catch (IOException e) {
      throw unavailable("read " + head.key(), e);
    }
  }

  /**
   * A transcript's committed bytes up to this many are read at once; a longer one is streamed, so
   * that reading it holds little of it at a time.
   */
  private static final long WHOLE_READ_BYTES = 8L << 20;

  /** Bytes {@code [from, to)} of a file. */
  private record Range(Path file, long from, long to) {}

  /**
   * Where the transcript's bytes {@code [from, to)} are: in its pack (its first {@code packed}
   * bytes), then in its data file.
   */
  private List<Range> ranges(IndexLog.Entry e, Path data, long from, long to) {
    if (e.pack() == null) {
      return List.of(new Range(data, from, to));
    }
    List<Range> ranges = new ArrayList<>(2);
    if (from < e.packed()) {
      ranges.add(
          new Range(
              packs.file(e.pack()),
              e.packOffset() + from,
              e.packOffset() + Math.min(to, e.packed())));
    }
    if (to > e.packed()) {
      ranges.add(new Range(data, Math.max(from, e.packed()) - e.packed(), to - e.packed()));
    }
    return ranges;
  }

  /**
   * The transcript's bytes from {@code from} to the end of its data file (its committed end is not
   * known, or too far to read at once).
   */
  private InputStream stream(IndexLog.Entry e, Path data, long from) throws IOException {
    if (e == null) {
      return open(new Range(data, from, Long.MAX_VALUE));
    }
    // A transcript in a pack has no data file until something is appended to it.
    long to = e.pack() != null && e.bytes() == e.packed() ? e.packed() : Long.MAX_VALUE;
    InputStream in = InputStream.nullInputStream();
    for (Range r : ranges(e, data, from, to)) {
      InputStream next;
      try {
        next = open(r);
      } catch (IOException | RuntimeException failure) {
        in.close();
        throw failure;
      }
      in = new java.io.SequenceInputStream(in, next);
    }
    return in;
  }

  /** A stream of the range's bytes (to the end of the file, when it ends past it). */
  private static InputStream open(Range r) throws IOException {
    FileChannel ch = FileChannel.open(r.file(), StandardOpenOption.READ);
    InputStream in;
    try {
      ch.position(r.from());
      in = Channels.newInputStream(ch);
    } catch (IOException | RuntimeException failure) {
      ch.close();
      throw failure;
    }
    return new java.io.FilterInputStream(in) {
      private long left = r.to() - r.from();

      @Override
      public int read() throws IOException {
        if (left <= 0) {
          return -1;
        }
        int b = super.read();
        left -= b < 0 ? 0 : 1;
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        if (left <= 0) {
          return -1;
        }
        int n = super.read(buf, off, (int) Math.min(len, left));
        left -= Math.max(n, 0);
        return n;
      }
    };
  }

  /**
   * The lines of the bytes of these ranges, read in one go: each ends at {@code \n} and is strict
   * UTF-8, as {@link Utf8Lines} reads the lines a backend stored.
   */
  private static List<String> wholeRange(List<Range> ranges) throws IOException {
    byte[] bytes = new byte[(int) ranges.stream().mapToLong(r -> r.to() - r.from()).sum()];
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    for (Range r : ranges) {
      buf.limit(buf.position() + (int) (r.to() - r.from()));
      try (FileChannel ch = FileChannel.open(r.file(), StandardOpenOption.READ)) {
        long pos = r.from();
        while (buf.hasRemaining()) {
          int n = ch.read(buf, pos);
          if (n < 0) {
            throw new IOException(
                "The data file " + r.file() + " ends before its committed length " + r.to());
          }
          pos += n;
        }
      }
    }
    return Utf8Lines.strictLines(bytes);
  }

  @Override
  public void commit(Commit commit) {
    commitAll(List.of(commit));
  }

  /**
   * Under the session's lock: every commit is checked, every data file written and forced, then one
   * index record holds all the new heads, so the commits count together or not at all.
   */
  @Override
  public void commitAll(List<Commit> commits) {
    checkOpen();
    SessionKey session = sessionOf(commits);
    try (FileLocks.Held held = locks.session(session)) {
      List<IndexLog.Entry> current = checked(commits);
      if (current.stream().allMatch(java.util.Objects::isNull)) {
        // New transcripts go to a pack, with whatever other new ones are committed meanwhile.
        packs.commit(List.of(commits));
        return;
      }
      commitLocked(commits, current);
    } catch (IOException e) {
      throw unavailable("write " + session, e);
    }
  }

  /**
   * Under the locks of all the sessions: the new ones go to a pack together (two forced writes for
   * the batch), each other one is committed as {@link #commitAll} commits it.
   */
  @Override
  public List<ConflictException> commitSessions(List<List<Commit>> sessions) {
    checkOpen();
    List<SessionKey> keys = sessions.stream().map(FileBackend::sessionOf).toList();
    if (new HashSet<>(keys).size() != keys.size()) {
      throw new IllegalArgumentException("A batch of commits holds a session twice");
    }
    ConflictException[] conflicts = new ConflictException[sessions.size()];
    try (FileLocks.Held held = locks.sessions(keys)) {
      List<List<Commit>> fresh = new ArrayList<>();
      List<Future<Void>> others = new ArrayList<>();
      for (int i = 0; i < sessions.size(); i++) {
        List<Commit> commits = sessions.get(i);
        List<IndexLog.Entry> current;
        try {
          current = checked(commits);
        } catch (ConflictException e) {
          conflicts[i] = e;
          continue;
        }
        if (current.stream().allMatch(java.util.Objects::isNull)) {
          fresh.add(commits);
        } else {
          // On threads of their own, so that their forced writes overlap and their index records
          // share the index's (group commit), as those of concurrent writers do.
          others.add(
              COMMITTING.submit(
                  () -> {
                    commitLocked(commits, current);
                    return null;
                  }));
        }
      }
      Throwable failure = null;
      try {
        if (!fresh.isEmpty()) {
          packs.commit(fresh);
        }
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
      SecureFiles.awaitAll(others, failure);
    } catch (IOException e) {
      throw unavailable("write a batch of " + sessions.size() + " sessions", e);
    }
    return Arrays.asList(conflicts);
  }

  /**
   * Commits of a batch's sessions that have transcripts already: a few at once (each waits for its
   * forced writes), on daemon threads that end when idle.
   */
  private static final ExecutorService COMMITTING = committingThreads();

  private static ExecutorService committingThreads() {
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            16,
            16,
            10,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "sessionstore-file-commit-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** The session of commits applied as one. */
  private static SessionKey sessionOf(List<Commit> commits) {
    SessionKey session = commits.get(0).head().key().main();
    if (commits.stream().map(c -> c.head().key()).distinct().count() != commits.size()
        || commits.stream().anyMatch(c -> !c.head().key().main().equals(session))) {
      throw new IllegalArgumentException(
          "Commits applied as one must be for distinct transcripts of one session");
    }
    return session;
  }

  /** The committed state of each commit's transcript, when every commit may be applied to it. */
  private List<IndexLog.Entry> checked(List<Commit> commits) throws IOException {
    List<IndexLog.Entry> current = new ArrayList<>(commits.size());
    for (Commit commit : commits) {
      current.add(checked(commit));
    }
    return current;
  }

  /** Commits changes of a session that has transcripts already, under its lock. */
  private void commitLocked(List<Commit> commits, List<IndexLog.Entry> current) throws IOException {
    List<IndexLog.Change> records = new ArrayList<>(commits.size());
    long[] bytes = new long[commits.size()];
    int written = 0;
    try {
      for (; written < commits.size(); written++) {
        Commit commit = commits.get(written);
        Path dir = names.transcriptDir(commit.head().key());
        bytes[written] =
            switch (commit.kind()) {
              case METADATA -> current.get(written) == null ? 0 : current.get(written).bytes();
              case APPEND -> appendData(dir, commit, current.get(written));
              case REPLACE -> writeData(dir, commit, current.get(written));
            };
        IndexLog.Entry was = current.get(written);
        records.add(
            commit.kind() != Commit.Kind.REPLACE && was != null && was.pack() != null
                ? IndexLog.Change.inPack(
                    commit.head(),
                    HeadCodec.encode(commit.head()),
                    was.pack(),
                    was.packOffset(),
                    was.packed(),
                    bytes[written])
                : IndexLog.Change.put(commit.head(), bytes[written]));
      }
      index.append(IndexLog.Change.group(records));
    } catch (IOException | RuntimeException e) {
      for (int i = Math.min(written, commits.size() - 1); i >= 0; i--) {
        Commit commit = commits.get(i);
        discard(
            commit.head().key(),
            names.transcriptDir(commit.head().key()),
            commit,
            current.get(i),
            e);
      }
      throw e;
    }
    for (int i = 0; i < commits.size(); i++) {
      Commit commit = commits.get(i);
      IndexLog.Entry was = current.get(i);
      if (was != null && was.pack() != null) {
        if (commit.kind() == Commit.Kind.REPLACE) {
          packs.left(was.pack(), commit.head().key(), false);
        } else if (bytes[i] == was.packed()) {
          // No data file yet, so no folder for a snapshot: the pack keeps it.
          packs.snapshot(was.pack(), records.get(i).text());
          continue;
        }
      }
      afterCommit(
          commit.head().key(),
          names.transcriptDir(commit.head().key()),
          commit,
          records.get(i).text(),
          was == null || commit.kind() == Commit.Kind.REPLACE);
    }
  }

  /** The transcript's committed state, when the commit may be applied to it. */
  private IndexLog.Entry checked(Commit commit) throws IOException {
    SessionKey key = commit.head().key();
    IndexLog.Entry current = index.entry(key);
    long version = current == null ? 0 : current.head().version();
    if (version != commit.expectedVersion()) {
      throw new ConflictException(
          "Cannot write "
              + key
              + ": it is at version "
              + version
              + ", not "
              + commit.expectedVersion());
    }
    if (current != null
        && commit.kind() != Commit.Kind.REPLACE
        && current.head().generation() != commit.head().generation()) {
      throw new ConflictException(
          "Cannot write " + key + ": it was deleted and created anew meanwhile");
    }
    return current;
  }

  /**
   * Takes back the data of a commit that failed before its commit point (a disk that filled up must
   * not stay full of it, and a new generation's file would never be overwritten). The index is
   * asked first: a record whose force failed may still have been written, and then the data is the
   * transcript's.
   */
  private void discard(
      SessionKey key, Path dir, Commit commit, IndexLog.Entry current, Exception failure) {
    try {
      IndexLog.Entry now = index.entry(key);
      if (now != null && now.head().equals(commit.head())) {
        return;
      }
      Path data = dir.resolve(FileNames.dataFileName(commit.head().generation()));
      if (commit.kind() == Commit.Kind.APPEND && current != null) {
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
          SecureFiles.truncate(ch, data, current.bytes() - current.packed());
        }
      } else if (commit.kind() != Commit.Kind.METADATA) {
        SecureFiles.delete(data);
      }
    } catch (NoSuchFileException e) {
      // Nothing was written.
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Housekeeping after the commit point: the write has happened, so a failure here is logged, not
   * reported as a failed write (a caller would retry and store its messages twice). The head
   * snapshot is rewritten by every commit; other generations' files that could not be deleted are
   * tried again at the transcript's next commit.
   */
  private void afterCommit(
      SessionKey key, Path dir, Commit commit, String record, boolean newGeneration) {
    try {
      SecureFiles.replace(
          dir.resolve(HEAD_SNAPSHOT),
          IndexLog.line(record).getBytes(StandardCharsets.UTF_8),
          false);
      if (newGeneration || untidy.remove(dir)) {
        removeOtherGenerations(dir, commit.head().generation());
      }
    } catch (IOException | RuntimeException e) {
      if (newGeneration) {
        untidy.add(dir);
      }
      LOG.warn("Committed {}, but could not tidy up after it in {}: {}", key, dir, describe(e));
    }
  }

  private static String describe(Exception e) {
    return e instanceof IOException io ? IoErrors.describe(io) : String.valueOf(e);
  }

  /**
   * Appends to the generation's data file after its committed bytes; returns the new committed
   * length.
   */
  private long appendData(Path dir, Commit commit, IndexLog.Entry current) throws IOException {
    // The folders' entries are forced with the data below.
    SecureFiles.createDirectoriesUnsynced(dir);
    Path data = dir.resolve(FileNames.dataFileName(commit.head().generation()));
    long committed = current == null ? 0 : current.bytes();
    // A transcript in a pack keeps its first bytes there: its data file holds what came after.
    long packed = current == null ? 0 : current.packed();
    boolean created = !Files.exists(data);
    try (FileChannel ch = SecureFiles.open(data, StandardOpenOption.WRITE)) {
      if (committed == packed) {
        // Data files a crashed writer left here, for this or an earlier life of the transcript.
        tidy(dir, commit.head().generation());
      }
      if (ch.size() != committed - packed) {
        // Bytes of a write that crashed before its commit: not part of the transcript.
        SecureFiles.truncate(ch, data, committed - packed);
      }
      long written = write(ch, data, commit, committed - packed);
      SecureFiles.forceTogether(
          ch, data, committed == packed ? folders(dir) : created ? List.of(dir) : List.of());
      return committed + written;
    }
  }

  /**
   * A transcript's folder and those above it, up to the store's: the entries a transcript's first
   * data file needs on disk. A write that failed or was killed may have made some of them without
   * forcing them, so they are forced each time a transcript gets its first data file.
   */
  private List<Path> folders(Path dir) {
    List<Path> out = new ArrayList<>();
    for (Path d = dir; d != null && d.startsWith(root); d = d.getParent()) {
      out.add(d);
    }
    return out;
  }

  private long writeData(Path dir, Commit commit, IndexLog.Entry current) throws IOException {
    // The folders' entries are forced with the data below.
    SecureFiles.createDirectoriesUnsynced(dir);
    // Only the committed generation counts: others are leftovers of writes that failed or crashed
    // before their commit.
    tidy(dir, current == null ? commit.head().generation() : current.head().generation());
    Path data = dir.resolve(FileNames.dataFileName(commit.head().generation()));
    try (FileChannel ch =
        SecureFiles.open(data, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      long written = write(ch, data, commit, 0);
      SecureFiles.forceTogether(
          ch, data, current == null || current.pack() != null ? folders(dir) : List.of(dir));
      return written;
    }
  }

  private static long write(FileChannel ch, Path data, Commit commit, long position)
      throws IOException {
    byte[] bytes = jsonLines(commit);
    SecureFiles.writeFully(ch, data, ByteBuffer.wrap(bytes), position);
    return bytes.length;
  }

  /** A commit's messages as stored in a data file or a pack: one per line, UTF-8. */
  static byte[] jsonLines(Commit commit) {
    // Each message encoded on its own (or as the core read it): one text of them all would be
    // copied twice more, and made two bytes a character by the first message that is not Latin-1.
    byte[][] lines = new byte[commit.messages().size()][];
    int size = 0;
    for (int i = 0; i < lines.length; i++) {
      lines[i] = commit.utf8(i);
      size = Math.addExact(size, lines[i].length + 1);
    }
    byte[] out = new byte[size];
    int at = 0;
    for (byte[] line : lines) {
      System.arraycopy(line, 0, out, at, line.length);
      at += line.length;
      out[at++] = '\n';
    }
    return out;
  }

  /**
   * Deletes leftover data files before a write, where they may hold the space it needs; when that
   * fails, the write goes on and the files are tried again after its commit.
   */
  private void tidy(Path dir, long keep) {
    try {
      removeOtherGenerations(dir, keep);
    } catch (IOException | RuntimeException e) {
      untidy.add(dir);
    }
  }

  /**
   * Deletes data files of other generations: replaced ones, or leftovers of a transcript deleted
   * before.
   */
  private static void removeOtherGenerations(Path dir, long generation) throws IOException {
    String keep = FileNames.dataFileName(generation);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "m-*.jsonl")) {
      for (Path f : files) {
        if (!f.getFileName().toString().equals(keep)) {
          SecureFiles.delete(f);
        }
      }
    }
  }

  @Override
  public Stream<StoredHead> list(Scope scope) {
    checkOpen();
    return mainHeads(scope).stream().map(IndexLog.RecordedHead::head);
  }

  @Override
  public Stream<StoredHead> listInOrder(Scope scope) {
    checkOpen();
    List<IndexLog.RecordedHead> heads = mainHeads(scope);
    heads.sort(IndexLog.RecordedHead.SEARCH_ORDER);
    return heads.stream().map(IndexLog.RecordedHead::head);
  }

  @Override
  public Stream<StoredHead> findSessions(String sessionId) {
    return findSessionsByPrefix(Scope.allProjects(), sessionId)
        .filter(h -> h.key().sessionId().equals(sessionId));
  }

  /** Only the heads whose id matches are decoded. */
  @Override
  public Stream<StoredHead> findSessionsByPrefix(Scope scope, String prefix) {
    checkOpen();
    return mainHeads(scope).stream()
        .filter(h -> h.key().sessionId().startsWith(prefix))
        .map(IndexLog.RecordedHead::head);
  }

  /** The scope's sessions as the index records them, not decoded. */
  private List<IndexLog.RecordedHead> mainHeads(Scope scope) {
    try {
      return index.mainHeads(scope.isAllProjects() ? null : scope.project());
    } catch (IOException e) {
      throw unavailable("list sessions", e);
    }
  }

  @Override
  public Optional<Path> localDirectory() {
    return Optional.of(root);
  }

  @Override
  public List<String> subpaths(SessionKey session) {
    checkOpen();
    try {
      return index.subpaths(session.main());
    } catch (IOException e) {
      throw unavailable("list the sub-transcripts of " + session, e);
    }
  }

  @Override
  public boolean delete(SessionKey key, long expectedVersion) {
    checkOpen();
    try (FileLocks.Held held = locks.session(key)) {
      IndexLog.Entry current = index.entry(key);
      // Any version: the head is not decoded, so that even a damaged one can be deleted.
      if (expectedVersion != ANY_VERSION) {
        long version = current == null ? 0 : current.head().version();
        if (version != expectedVersion) {
          throw new ConflictException(
              "Cannot delete "
                  + key
                  + ": it is at version "
                  + version
                  + ", not "
                  + expectedVersion);
        }
      }
      boolean exists = current != null || (!key.isSubpath() && !index.subpaths(key).isEmpty());
      java.util.Set<String> inPacks = new java.util.TreeSet<>();
      if (current != null && current.pack() != null) {
        inPacks.add(current.pack());
      }
      if (!key.isSubpath()) {
        for (String sub : index.subpaths(key)) {
          IndexLog.Entry e = index.entry(key.withSubpath(sub));
          if (e != null && e.pack() != null) {
            inPacks.add(e.pack());
          }
        }
      }
      if (exists) {
        index.append(IndexLog.Change.delete(key));
      }
      inPacks.forEach(p -> packs.left(p, key, true));
      // The record committed the delete; the files go after it. A crash or a failure here leaves
      // files no index record refers to: a failure is logged, not reported (the delete happened).
      Path dir = key.isSubpath() ? names.transcriptDir(key) : names.sessionDir(key);
      try {
        SecureFiles.deleteTree(dir);
      } catch (IOException | RuntimeException e) {
        LOG.warn("Deleted {}, but could not remove its files in {}: {}", key, dir, describe(e));
      }
      return exists;
    } catch (IOException e) {
      throw unavailable("delete " + key, e);
    }
  }

  /**
   * The head records of every transcript's snapshot, for rebuilding a lost index: those of
   * transcripts in files of their own, then those the packs hold of transcripts that have none (a
   * transcript's file is written only when it leaves its pack).
   */
  private List<String> snapshotRecords() throws IOException {
    java.util.Map<SessionKey, String> own = new java.util.HashMap<>();
    for (String record : ownSnapshotRecords()) {
      IndexLog.replay(record, own);
    }
    java.util.Map<SessionKey, String> inPacks = new java.util.HashMap<>();
    for (String record : packs.snapshotRecords()) {
      IndexLog.replay(record, inPacks);
    }
    inPacks.keySet().removeAll(own.keySet());
    List<String> records = new ArrayList<>(own.values());
    records.addAll(inPacks.values());
    return records;
  }

  private List<String> ownSnapshotRecords() throws IOException {
    List<String> records = new ArrayList<>();
    Path projects = names.projects();
    if (!Files.isDirectory(projects)) {
      return records;
    }
    try (Stream<Path> snapshots =
        Files.find(
            projects,
            5,
            (p, a) -> a.isRegularFile() && p.getFileName().toString().equals(HEAD_SNAPSHOT))) {
      for (Path p : snapshots.toList()) {
        String record = IndexLog.record(Files.readString(p, StandardCharsets.UTF_8).strip());
        if (record != null) {
          records.add(record);
        }
      }
    }
    return records;
  }

  @Override
  public void close() {
    closed = true;
    packs.close();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("The file backend on " + root + " is closed");
    }
  }

  private BackendUnavailableException unavailable(String what, IOException e) {
    return new BackendUnavailableException(
        "Cannot " + what + " in " + root + ": " + IoErrors.describe(e), e);
  }
}
