package io.sessionstore.claude;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * What earlier imports of one projects folder into one store stored of each transcript file (the
 * README's "import-claude"): per file its size, time and identity as a {@code stat} gives them,
 * where the last read stopped with a hash of the last line before that, how many lines it gave the
 * store, and the transcript's head as the store had it after the import; and the store's {@link
 * io.sessionstore.api.SessionStore#changeToken change token} as that import found it. Only ever a
 * hint: every use checks it against the store's heads (or finds the store unchanged since an import
 * that checked them all) and the file's bytes, and anything that does not match is imported as if
 * there were no state. Immutable.
 */
final class ImportState {
  /** The format written; version 1 (without the change token) is still read. */
  static final int VERSION = 2;

  static final ImportState EMPTY = new ImportState(Map.of(), null);

  /**
   * A stored transcript as an import left it: any write since changes its version or count, and a
   * transcript deleted and created anew has another creation time or version.
   */
  record Head(long version, long messages, Instant createdAt) {
    static Head of(SessionMetadata m) {
      return new Head(m.version(), m.messageCount(), m.createdAt());
    }

    boolean matches(SessionMetadata m) {
      return m != null
          && m.version() == version
          && m.messageCount() == messages
          && m.createdAt().equals(createdAt);
    }
  }

  /** A file as a {@code stat} describes it. */
  record Stat(long size, long modified, String fileKey) {
    static Stat of(BasicFileAttributes a) {
      Object key = a.fileKey();
      return new Stat(
          a.size(),
          a.lastModifiedTime().to(TimeUnit.NANOSECONDS),
          key == null ? null : key.toString());
    }

    // equals and hashCode written out: a record's are bound through method handles on first use,
    // 12 ms of an import-claude that finds nothing changed, which compares every file's.
    @Override
    public boolean equals(Object o) {
      return o == this
          || (o instanceof Stat s
              && size == s.size
              && modified == s.modified
              && Objects.equals(fileKey, s.fileKey));
    }

    @Override
    public int hashCode() {
      return (Long.hashCode(size) * 31 + Long.hashCode(modified)) * 31 + Objects.hashCode(fileKey);
    }
  }

  /** A line of a file that was rejected, to report again while the file is not read again. */
  record Rejected(long line, String reason) {}

  /**
   * One transcript file as the last import read it.
   *
   * @param stat the file when it was read
   * @param mark where the read stopped
   * @param messages the valid lines up to the mark: the stored transcript holds exactly these
   * @param pending whether an unfinished last line followed the mark
   * @param rejected the lines up to the mark that were rejected
   * @param head the stored transcript, or null for a sub-agent's file that gave the store nothing
   * @param derived for the session's own transcript, the metadata its lines up to the mark give
   */
  record FileState(
      Stat stat,
      TranscriptFile.Mark mark,
      long messages,
      boolean pending,
      List<Rejected> rejected,
      Head head,
      TranscriptMetadata derived) {
    FileState {
      rejected = List.copyOf(rejected);
    }

    FileState withHead(Head head) {
      return new FileState(stat, mark, messages, pending, rejected, head, derived);
    }
  }

  /**
   * One session: the head of its own transcript, its file (null when it has none) and its
   * sub-agents' files by subpath.
   */
  record SessionState(Head head, FileState main, Map<String, FileState> subs) {
    SessionState {
      Objects.requireNonNull(head, "head is null");
      subs = Collections.unmodifiableMap(new TreeMap<>(subs));
    }
  }

  private final Map<SessionKey, SessionState> sessions;
  private final String changeToken;

  /**
   * @param changeToken the store's change token when an import began that checked every session of
   *     {@code sessions} against the store (so they all held at that moment), else null
   */
  ImportState(Map<SessionKey, SessionState> sessions, String changeToken) {
    this.sessions = Map.copyOf(sessions);
    this.changeToken = changeToken;
  }

  /**
   * Whether the store is as it was when every session here was checked against it: its change token
   * (null when it has none) is the one remembered.
   */
  boolean storeUnchanged(String changeToken) {
    return changeToken != null && changeToken.equals(this.changeToken);
  }

  /** This state, remembering another change token. */
  ImportState withChangeToken(String changeToken) {
    return Objects.equals(changeToken, this.changeToken)
        ? this
        : new ImportState(sessions, changeToken);
  }

  SessionState get(SessionKey key) {
    return sessions.get(key);
  }

  Map<SessionKey, SessionState> sessions() {
    return sessions;
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof ImportState s
            && s.sessions.equals(sessions)
            && Objects.equals(s.changeToken, changeToken));
  }

  @Override
  public int hashCode() {
    return sessions.hashCode();
  }

  // ---- the file
  // ----------------------------------------------------------------------------------------------

  /*
   * The file is binary, not JSON: it is read on every import, and a cron or hook import of a
   * thousand sessions should cost little more than its stats. A magic number and version, the
   * identity it was written for, the change token (from version 2), the sessions, and a CRC-32 of
   * all of it last.
   */
  private static final int MAGIC = 0x53534943; // "SSIC"

  /**
   * The state written for this store and source, or {@link #EMPTY} when there is none or it cannot
   * be used (damaged, another format version, written for another store or source).
   */
  static ImportState parse(byte[] bytes, String identity) {
    if (bytes.length < 12) {
      return EMPTY;
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 8);
    // A ByteBuffer, not a DataInputStream: that reads a ByteArrayInputStream a synchronised call
    // per byte of each number.
    ByteBuffer in = ByteBuffer.wrap(bytes, 0, bytes.length - 8);
    try {
      if (ByteBuffer.wrap(bytes).getLong(bytes.length - 8) != crc.getValue()) {
        return EMPTY;
      }
      if (in.getInt() != MAGIC) {
        return EMPTY;
      }
      int version = in.getInt();
      if ((version != 1 && version != VERSION) || !identity.equals(string(in))) {
        return EMPTY;
      }
      String changeToken = version == 1 ? null : optionalString(in);
      int n = in.getInt();
      Map<SessionKey, SessionState> sessions = new HashMap<>();
      for (int i = 0; i < n; i++) {
        SessionKey key = SessionKey.of(string(in), string(in));
        Head head = head(in);
        FileState main = bool(in) ? file(in) : null;
        int subCount = in.getInt();
        Map<String, FileState> subs = new TreeMap<>();
        for (int j = 0; j < subCount; j++) {
          subs.put(string(in), file(in));
        }
        sessions.put(key, new SessionState(head, main, subs));
      }
      return new ImportState(sessions, changeToken);
    } catch (IOException | RuntimeException damaged) {
      // A damaged state costs a whole import, nothing more.
      return EMPTY;
    }
  }

  private static Head head(ByteBuffer in) throws IOException {
    if (!bool(in)) {
      return null;
    }
    return new Head(in.getLong(), in.getLong(), instant(in));
  }

  private static FileState file(ByteBuffer in) throws IOException {
    Stat stat = new Stat(in.getLong(), in.getLong(), optionalString(in));
    TranscriptFile.Mark mark =
        new TranscriptFile.Mark(in.getLong(), in.getLong(), in.getLong(), string(in));
    long messages = in.getLong();
    boolean pending = bool(in);
    int n = in.getInt();
    List<Rejected> rejected = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      rejected.add(new Rejected(in.getLong(), string(in)));
    }
    Head head = head(in);
    TranscriptMetadata derived = null;
    if (bool(in)) {
      Instant first = bool(in) ? instant(in) : null;
      Instant last = bool(in) ? instant(in) : null;
      String summaryLine = optionalString(in);
      String prompt = optionalString(in);
      int count = in.getInt();
      Map<String, String> attributes = new TreeMap<>();
      for (int i = 0; i < count; i++) {
        attributes.put(string(in), string(in));
      }
      derived = new TranscriptMetadata(first, last, summaryLine, prompt, attributes);
    }
    return new FileState(stat, mark, messages, pending, rejected, head, derived);
  }

  /** A boolean as {@link DataOutputStream#writeBoolean} wrote it. */
  private static boolean bool(ByteBuffer in) {
    return in.get() != 0;
  }

  private static Instant instant(ByteBuffer in) {
    return Instant.ofEpochSecond(in.getLong(), in.getInt());
  }

  /** A string as {@link #string(DataOutputStream, String)} wrote it. */
  private static String string(ByteBuffer in) throws IOException {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new IOException("damaged: a string of " + length + " bytes");
    }
    String s =
        new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
    in.position(in.position() + length);
    return s;
  }

  private static String optionalString(ByteBuffer in) throws IOException {
    return bool(in) ? string(in) : null;
  }

  /** The state as the file holds it. */
  byte[] toBytes(String identity) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
    DataOutputStream out = new DataOutputStream(bytes);
    try {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      string(out, identity);
      optionalString(out, changeToken);
      List<SessionKey> keys = new ArrayList<>(sessions.keySet());
      keys.sort(Comparator.comparing(SessionKey::project).thenComparing(SessionKey::sessionId));
      out.writeInt(keys.size());
      for (SessionKey key : keys) {
        SessionState s = sessions.get(key);
        string(out, key.project());
        string(out, key.sessionId());
        write(out, s.head());
        out.writeBoolean(s.main() != null);
        if (s.main() != null) {
          write(out, s.main());
        }
        out.writeInt(s.subs().size());
        for (Map.Entry<String, FileState> e : s.subs().entrySet()) {
          string(out, e.getKey());
          write(out, e.getValue());
        }
      }
      out.flush();
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory does not fail", e);
    }
    return bytes.toByteArray();
  }

  private static void write(DataOutputStream out, Head h) throws IOException {
    out.writeBoolean(h != null);
    if (h != null) {
      out.writeLong(h.version());
      out.writeLong(h.messages());
      write(out, h.createdAt());
    }
  }

  private static void write(DataOutputStream out, FileState f) throws IOException {
    out.writeLong(f.stat().size());
    out.writeLong(f.stat().modified());
    optionalString(out, f.stat().fileKey());
    out.writeLong(f.mark().lastStart());
    out.writeLong(f.mark().end());
    out.writeLong(f.mark().lines());
    string(out, f.mark().lastHash());
    out.writeLong(f.messages());
    out.writeBoolean(f.pending());
    out.writeInt(f.rejected().size());
    for (Rejected r : f.rejected()) {
      out.writeLong(r.line());
      string(out, r.reason());
    }
    write(out, f.head());
    TranscriptMetadata d = f.derived();
    out.writeBoolean(d != null);
    if (d != null) {
      out.writeBoolean(d.first() != null);
      if (d.first() != null) {
        write(out, d.first());
      }
      out.writeBoolean(d.last() != null);
      if (d.last() != null) {
        write(out, d.last());
      }
      optionalString(out, d.summaryLine());
      optionalString(out, d.prompt());
      out.writeInt(d.attributes().size());
      for (Map.Entry<String, String> a : d.attributes().entrySet()) {
        string(out, a.getKey());
        string(out, a.getValue());
      }
    }
  }

  private static void write(DataOutputStream out, Instant t) throws IOException {
    out.writeLong(t.getEpochSecond());
    out.writeInt(t.getNano());
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static void optionalString(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      string(out, s);
    }
  }

  /** Reads the state of a file; {@link #EMPTY} when it is missing or cannot be used. */
  static ImportState load(Path file, String identity) {
    try {
      return parse(Files.readAllBytes(file), identity);
    } catch (IOException e) {
      return EMPTY;
    }
  }
}
