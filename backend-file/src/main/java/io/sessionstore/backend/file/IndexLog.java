package io.sessionstore.backend.file;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.spi.HeadCodec;
import io.sessionstore.spi.IoErrors;
import io.sessionstore.spi.JsonStreams;
import io.sessionstore.spi.MetadataJson;
import io.sessionstore.spi.StoredHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's index: an append-only log whose records are the commit points of every change, and
 * this process's view of it (the current head of every transcript), kept up to date by reading only
 * what other processes added since the last look.
 *
 * <p>One record per line, {@code <crc32> P <bytes> <head json>} (a transcript's new head and how
 * many bytes of its data file are committed), {@code <crc32> B <pack> <offset> <packed> <bytes>
 * <head json>} (the same for a transcript whose first {@code packed} bytes are at {@code offset} in
 * a {@link Packs pack}, the rest in its data file), {@code <crc32> G [<P or B record>, …]} (several
 * transcripts of one session committed as one) or {@code <crc32> D <key json>} (a transcript
 * deleted; a session's main key deletes its sub-transcripts too). A line that ends without {@code
 * \n} is a write cut off by a crash: it never counts and the next writer cuts it off. A complete
 * line whose checksum fails means damage: the log is rebuilt from the transcripts' head snapshots.
 * The log is rewritten without dead records once they outnumber the live ones.
 */
final class IndexLog {
  private static final Logger LOG = LoggerFactory.getLogger(IndexLog.class);
  private static final int MAX_CHECKPOINTS = 16;

  /**
   * A transcript's committed state, with recent (message count, byte offset) pairs of its bytes;
   * {@code pack} is null for a transcript in a data file of its own, else its first {@code packed}
   * bytes are at {@code packOffset} in that pack and the rest (appended later) in its data file.
   */
  record Entry(
      RecordedHead recorded,
      long bytes,
      long[][] checkpoints,
      String pack,
      long packOffset,
      long packed) {
    StoredHead head() {
      return recorded.head();
    }

    /**
     * The byte offset at which message {@code index} starts, when known, else the nearest known
     * before it.
     */
    long[] checkpointAtOrBefore(long index) {
      long[] best = {0, 0};
      for (long[] c : checkpoints) {
        if (c[0] <= index && c[0] >= best[0]) {
          best = c;
        }
      }
      return best;
    }
  }

  /**
   * A head as a record holds it: its key, generation and message count, which keeping the index
   * needs, and its update time, which orders listings, read at once; the rest decoded when first
   * asked for. A process that answers about one session ({@code info}, {@code show}) or shows a
   * page of a listing so decodes those heads, not every head of the store (under C1, cold, 75
   * against 200 ms for 1,200 heads).
   */
  static final class RecordedHead {
    /** The search order: updated time descending, then project, then session id. */
    static final Comparator<RecordedHead> SEARCH_ORDER =
        Comparator.comparing(RecordedHead::updatedAt, Comparator.reverseOrder())
            .thenComparing(h -> h.key().project())
            .thenComparing(h -> h.key().sessionId());

    private final String json;
    private final SessionKey key;
    private final long generation;
    private final long messageCount;
    private final Instant updatedAt;
    private volatile StoredHead decoded;

    private RecordedHead(
        String json,
        SessionKey key,
        long generation,
        long messageCount,
        Instant updatedAt,
        StoredHead decoded) {
      this.json = json;
      this.key = key;
      this.generation = generation;
      this.messageCount = messageCount;
      this.updatedAt = updatedAt;
      this.decoded = decoded;
    }

    static RecordedHead of(StoredHead head) {
      return new RecordedHead(
          null,
          head.key(),
          head.generation(),
          head.messageCount(),
          head.metadata().updatedAt(),
          head);
    }

    /**
     * Reads what the index needs of a head {@link HeadCodec#encode} wrote, which puts the key and
     * generation before the metadata, and the metadata's update time before its message count;
     * anything else is decoded whole now.
     *
     * @throws BackendUnavailableException when it is not such a head
     */
    static RecordedHead read(String json) {
      String project = null;
      String sessionId = null;
      String subpath = null;
      boolean subpathSeen = false;
      Long generation = null;
      try (JsonParser p = JsonStreams.parser(json)) {
        if (p.nextToken() == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
              case "project" -> project = value == JsonToken.VALUE_STRING ? p.getText() : null;
              case "sessionId" -> sessionId = value == JsonToken.VALUE_STRING ? p.getText() : null;
              case "subpath" -> {
                subpathSeen = value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NULL;
                subpath = value == JsonToken.VALUE_STRING ? p.getText() : null;
              }
              case "generation" ->
                  generation =
                      value == JsonToken.VALUE_NUMBER_INT
                              && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                          ? p.getLongValue()
                          : null;
              case "metadata" -> {
                Instant[] updated = new Instant[1];
                Long count = value == JsonToken.START_OBJECT ? messageCount(p, updated) : null;
                if (count == null
                    || updated[0] == null
                    || project == null
                    || sessionId == null
                    || !subpathSeen
                    || generation == null) {
                  return of(HeadCodec.decode(json));
                }
                return new RecordedHead(
                    json,
                    new SessionKey(project, sessionId, subpath),
                    generation,
                    count,
                    updated[0],
                    null);
              }
              default -> p.skipChildren();
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // decoded whole below, which says what is wrong
      }
      return of(HeadCodec.decode(json));
    }

    /**
     * The update time the metadata's decoding gives ({@link SessionMetadata} keeps milliseconds);
     * {@link SessionMetadata#MIN_TIME} for one it refuses, so that only a read of that head fails,
     * not the index.
     */
    private static Instant storedTime(String text) {
      try {
        Instant t = MetadataJson.parseInstant(text);
        if (!t.isBefore(SessionMetadata.MIN_TIME) && !t.isAfter(SessionMetadata.MAX_TIME)) {
          return t.truncatedTo(ChronoUnit.MILLIS);
        }
      } catch (RuntimeException e) {
        // refused by the head's decoding too, when it is read
      }
      return SessionMetadata.MIN_TIME;
    }

    /**
     * The metadata's message count, and its update time into {@code updated}, when they come before
     * anything that is not a plain value.
     */
    private static Long messageCount(JsonParser p, Instant[] updated) throws IOException {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("updatedAt")) {
          updated[0] = storedTime(value == JsonToken.VALUE_STRING ? p.getText() : null);
        } else if (field.equals("messageCount")) {
          return value == JsonToken.VALUE_NUMBER_INT
                  && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
              ? p.getLongValue()
              : null;
        }
        if (value.isStructStart()) {
          return null;
        }
      }
      return null;
    }

    /** The head's JSON as its record holds it; null for a head this process wrote. */
    String json() {
      return json;
    }

    SessionKey key() {
      return key;
    }

    long generation() {
      return generation;
    }

    long messageCount() {
      return messageCount;
    }

    Instant updatedAt() {
      return updatedAt;
    }

    StoredHead head() {
      StoredHead h = decoded;
      if (h == null) {
        h = HeadCodec.decode(json);
        if (!h.key().equals(key)
            || !h.metadata().key().equals(key.main())
            || h.generation() != generation
            || h.messageCount() != messageCount
            || !h.metadata().updatedAt().equals(updatedAt)) {
          throw new BackendUnavailableException(
              "Damaged stored head of "
                  + key
                  + ": it names another transcript or state than its record was read as");
        }
        decoded = h;
      }
      return h;
    }
  }

  /** Where a put record places a transcript's head: its own data file, or a range of a pack. */
  record Put(RecordedHead head, long bytes, String pack, long packOffset, long packed) {}

  /**
   * A record to append, with what it does (the heads it puts, or the key it deletes), so that its
   * writer applies it to its view without parsing it back.
   */
  record Change(String text, List<Put> puts, SessionKey deleted) {
    static Change put(StoredHead head, long bytes) {
      return new Change(
          putRecord(head, bytes), List.of(new Put(RecordedHead.of(head), bytes, null, 0, 0)), null);
    }

    /**
     * @param json the head {@link HeadCodec#encode encoded}
     */
    static Change inPack(
        StoredHead head, String json, String pack, long offset, long packed, long bytes) {
      return new Change(
          packText(json, pack, offset, packed, bytes),
          List.of(new Put(RecordedHead.of(head), bytes, pack, offset, packed)),
          null);
    }

    /** Several puts that count together: one {@code G} record. */
    static Change group(List<Change> puts) {
      if (puts.size() == 1) {
        return puts.get(0);
      }
      return new Change(
          groupRecord(puts.stream().map(Change::text).toList()),
          puts.stream().flatMap(c -> c.puts().stream()).toList(),
          null);
    }

    static Change delete(SessionKey key) {
      return new Change(deleteRecord(key), List.of(), key);
    }
  }

  private final Path file;
  private final FileLocks locks;
  private final Rebuilder rebuilder;
  private final long compactAfter;
  private final Map<SessionKey, Entry> entries = new HashMap<>();
  private final Map<SessionKey, TreeSet<String>> subpaths = new HashMap<>();
  // The sessions of each project, so that a project's listing does not go through every entry.
  private final Map<String, Set<SessionKey>> projects = new HashMap<>();
  private final Map<String, Integer> packReferences = new HashMap<>();
  private final GroupCommit<List<Change>> appends = new GroupCommit<>(this::appendNow);
  private Object fileKey;
  private long offset;
  // Where the records this process is writing start, until they are forced (else -1): they are not
  // read before, so a reader never sees a record whose write may still fail and be cut off, and the
  // writer applies its own changes without parsing them back.
  private long writing = -1;
  private long records;

  /** Reads the transcripts' head snapshots when the log is missing or damaged. */
  interface Rebuilder {
    List<String> snapshotRecords() throws IOException;
  }

  /**
   * @param compactAfter how many records the log may hold before it is compacted (when most are
   *     dead)
   */
  IndexLog(Path file, FileLocks locks, Rebuilder rebuilder, long compactAfter) {
    this.file = file;
    this.locks = locks;
    this.rebuilder = rebuilder;
    this.compactAfter = compactAfter;
  }

  /** Encodes a head record, as in the log and in head snapshots. */
  static String putRecord(StoredHead head, long bytes) {
    return putText(HeadCodec.encode(head), bytes);
  }

  private static String putText(String json, long bytes) {
    return "P " + bytes + " " + json;
  }

  /** The record that puts the entry's transcript where it is. */
  static String record(Entry e) {
    // A head read from a record is written as it was read: not decoded and encoded again.
    String json = e.recorded().json();
    if (json == null) {
      json = HeadCodec.encode(e.head());
    }
    return e.pack() == null
        ? putText(json, e.bytes())
        : packText(json, e.pack(), e.packOffset(), e.packed(), e.bytes());
  }

  private static String packText(String json, String pack, long offset, long packed, long bytes) {
    return "B " + pack + " " + offset + " " + packed + " " + bytes + " " + json;
  }

  /**
   * Applies a record to a map of transcripts and their put records, as a rebuild replays what it
   * reads.
   */
  static void replay(String record, Map<SessionKey, String> live) {
    if (record.startsWith("G ")) {
      for (JsonNode put : group(record)) {
        replay(put.textValue(), live);
      }
    } else if (record.startsWith("P ") || record.startsWith("B ")) {
      int json = record.indexOf('{');
      live.put(HeadCodec.decode(record.substring(json)).key(), record);
    } else if (record.startsWith("D ")) {
      SessionKey key = deletedKey(record);
      live.keySet().removeIf(k -> k.equals(key) || (!key.isSubpath() && k.main().equals(key)));
    } else if (record.startsWith("L ")) {
      live.remove(deletedKey(record));
    }
  }

  /**
   * One record for several put records that count together: {@code G ["P …","P …"]}, or the one put
   * record itself.
   */
  static String groupRecord(List<String> putRecords) {
    if (putRecords.size() == 1) {
      return putRecords.get(0);
    }
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    putRecords.forEach(a::add);
    return "G " + JsonStreams.write(a);
  }

  /** In a pack's heads only: the transcript left the pack (replaced), its sub-transcripts stay. */
  static String leftRecord(SessionKey key) {
    return "L " + keyJson(key);
  }

  static String deleteRecord(SessionKey key) {
    return "D " + keyJson(key);
  }

  private static String keyJson(SessionKey key) {
    return JsonStreams.write(
        JsonNodeFactory.instance
            .arrayNode()
            .add(key.project())
            .add(key.sessionId())
            .add(key.subpath()));
  }

  static String line(String record) {
    return checksum(record) + " " + record + "\n";
  }

  /** The record of a line, or null when its checksum fails. */
  static String record(String line) {
    if (line.length() < 10 || line.charAt(8) != ' ') {
      return null;
    }
    String record = line.substring(9);
    return line.startsWith(checksum(record)) ? record : null;
  }

  /**
   * The CRC-32 of the record's UTF-8 bytes in eight lower-case hex digits, as {@code
   * String.format("%08x", …)} would write it (that costs a {@code Formatter} per line, a good part
   * of reading the log at a command's start).
   */
  private static String checksum(String record) {
    CRC32 crc = new CRC32();
    crc.update(record.getBytes(StandardCharsets.UTF_8));
    long v = crc.getValue();
    char[] hex = new char[8];
    for (int i = 7; i >= 0; i--, v >>>= 4) {
      hex[i] = Character.forDigit((int) (v & 0xf), 16);
    }
    return new String(hex);
  }

  // ---- reading
  // ------------------------------------------------------------------------------------------------

  // Locks are taken in one order: the index lock (threads and processes), then this object's
  // monitor (this process's view). Readers take the monitor alone, and the index lock only to
  // rebuild.

  Entry entry(SessionKey key) throws IOException {
    refresh();
    synchronized (this) {
      return entries.get(key);
    }
  }

  /**
   * The recorded heads of the sessions (not their sub-transcripts) of one project or (null) of all;
   * a caller decodes those it needs.
   */
  List<RecordedHead> mainHeads(String project) throws IOException {
    refresh();
    synchronized (this) {
      List<RecordedHead> out = new ArrayList<>();
      if (project == null) {
        for (Entry e : entries.values()) {
          if (!e.recorded().key().isSubpath()) {
            out.add(e.recorded());
          }
        }
      } else {
        for (SessionKey key : projects.getOrDefault(project, Set.of())) {
          out.add(entries.get(key).recorded());
        }
      }
      return out;
    }
  }

  /**
   * How many transcripts the pack holds, as forced to disk: the caller holds the {@link #lock()
   * index lock}, so no record is being written meanwhile.
   */
  synchronized int packReferencesLocked(String pack) throws IOException {
    if (!tail()) {
      rewrite(snapshotLines());
    }
    return packReferences.getOrDefault(pack, 0);
  }

  /** The index lock, held by whoever writes to the log. */
  FileLocks.Held lock() throws IOException {
    return locks.index();
  }

  List<String> subpaths(SessionKey main) throws IOException {
    refresh();
    synchronized (this) {
      TreeSet<String> s = subpaths.get(main);
      return s == null ? List.of() : List.copyOf(s);
    }
  }

  /**
   * Reads what other processes appended since the last look; a missing or damaged log is rebuilt
   * (under the index lock, after which another process may have repaired it already).
   */
  void refresh() throws IOException {
    synchronized (this) {
      if (tail()) {
        return;
      }
    }
    try (FileLocks.Held held = locks.index()) {
      synchronized (this) {
        clear();
        fileKey = null;
        if (!tail()) {
          rewrite(snapshotLines());
        }
      }
    }
  }

  /**
   * Applies the records added since the last look; a log replaced by compaction is read anew.
   *
   * @return false when the log is missing or damaged
   */
  private boolean tail() throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (!Objects.equals(attrs.fileKey(), fileKey) || attrs.size() < offset) {
      clear();
      fileKey = attrs.fileKey();
    }
    if (readable(attrs.size()) == offset) {
      return true;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      // A compaction may have renamed another file into place between the look above and the open.
      if (!Objects.equals(
          Files.readAttributes(file, BasicFileAttributes.class).fileKey(), fileKey)) {
        return tail();
      }
      long size = readable(ch.size());
      ByteBuffer buf =
          ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 16, Math.max(0, size - offset)));
      long pos = offset;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        if (n < 0) {
          break;
        }
        pos += n;
      }
      byte[] bytes = buf.array();
      int len = buf.position();
      int start = 0;
      for (int i = 0; i < len; i++) {
        if (bytes[i] != '\n') {
          continue;
        }
        String record = record(new String(bytes, start, i - start, StandardCharsets.UTF_8));
        if (record == null) {
          // The last line may still be being written by another process: look again next time.
          return lastLine(bytes, i, len);
        }
        apply(record);
        offset += i + 1 - start;
        start = i + 1;
      }
    } catch (NoSuchFileException e) {
      return false;
    }
    return true;
  }

  /** How much of a log of this size may be read: not the records this process is forcing. */
  private long readable(long size) {
    return writing >= 0 ? Math.min(size, writing) : size;
  }

  private static boolean lastLine(byte[] bytes, int newline, int len) {
    for (int j = newline + 1; j < len; j++) {
      if (bytes[j] == '\n') {
        return false;
      }
    }
    return true;
  }

  private void clear() {
    entries.clear();
    subpaths.clear();
    projects.clear();
    packReferences.clear();
    offset = 0;
    records = 0;
  }

  private void apply(Change change) {
    records++;
    if (change.deleted() != null) {
      applyDelete(change.deleted());
    } else {
      change.puts().forEach(this::applyPut);
    }
  }

  private void apply(String record) {
    records++;
    if (record.startsWith("G ")) {
      for (JsonNode put : group(record)) {
        apply(put.textValue());
        records--;
      }
    } else if (record.startsWith("P ") || record.startsWith("B ")) {
      String pack = null;
      long packOffset = 0;
      long packed = 0;
      int at = 2;
      if (record.charAt(0) == 'B') {
        int space = record.indexOf(' ', at);
        pack = record.substring(at, space);
        at = space + 1;
        space = record.indexOf(' ', at);
        packOffset = Long.parseLong(record.substring(at, space));
        at = space + 1;
        space = record.indexOf(' ', at);
        packed = Long.parseLong(record.substring(at, space));
        at = space + 1;
      }
      int space = record.indexOf(' ', at);
      long bytes = Long.parseLong(record.substring(at, space));
      applyPut(
          new Put(RecordedHead.read(record.substring(space + 1)), bytes, pack, packOffset, packed));
    } else if (record.startsWith("D ")) {
      applyDelete(deletedKey(record));
    } else {
      throw new IllegalStateException("Unknown index record: " + record);
    }
  }

  private void applyPut(Put put) {
    RecordedHead head = put.head();
    long bytes = put.bytes();
    String pack = put.pack();
    SessionKey key = head.key();
    Entry old = entries.get(key);
    long[][] checkpoints;
    if (old != null && old.recorded().generation() == head.generation()) {
      int keep = Math.min(old.checkpoints().length, MAX_CHECKPOINTS - 1);
      checkpoints = new long[keep + 1][];
      System.arraycopy(old.checkpoints(), old.checkpoints().length - keep, checkpoints, 0, keep);
      checkpoints[keep] = new long[] {head.messageCount(), bytes};
    } else {
      checkpoints = new long[][] {{head.messageCount(), bytes}};
    }
    dropReference(old);
    if (pack != null) {
      packReferences.merge(pack, 1, Integer::sum);
    }
    entries.put(key, new Entry(head, bytes, checkpoints, pack, put.packOffset(), put.packed()));
    if (key.isSubpath()) {
      subpaths.computeIfAbsent(key.main(), k -> new TreeSet<>()).add(key.subpath());
    } else {
      projects.computeIfAbsent(key.project(), k -> new HashSet<>()).add(key);
    }
  }

  private void applyDelete(SessionKey key) {
    String sub = key.subpath();
    dropReference(entries.remove(key));
    if (sub == null) {
      Set<SessionKey> sessions = projects.get(key.project());
      if (sessions != null && sessions.remove(key) && sessions.isEmpty()) {
        projects.remove(key.project());
      }
      TreeSet<String> subs = subpaths.remove(key);
      if (subs != null) {
        subs.forEach(s -> dropReference(entries.remove(key.withSubpath(s))));
      }
    } else {
      TreeSet<String> subs = subpaths.get(key.main());
      if (subs != null) {
        subs.remove(sub);
        if (subs.isEmpty()) {
          subpaths.remove(key.main());
        }
      }
    }
  }

  private void dropReference(Entry e) {
    if (e != null && e.pack() != null) {
      packReferences.computeIfPresent(e.pack(), (p, n) -> n == 1 ? null : n - 1);
    }
  }

  private static JsonNode group(String record) {
    try {
      return tree(record.substring(2));
    } catch (IOException e) {
      throw new IllegalStateException("Unreadable group record: " + record, e);
    }
  }

  private static SessionKey deletedKey(String record) {
    JsonNode a;
    try {
      a = tree(record.substring(2));
    } catch (IOException e) {
      throw new IllegalStateException("Unreadable delete record: " + record, e);
    }
    String sub = a.get(2).isNull() ? null : a.get(2).asText();
    return new SessionKey(a.get(0).asText(), a.get(1).asText(), sub);
  }

  /**
   * A record's JSON, read without starting the object mapper (a command's start reads them all).
   */
  private static JsonNode tree(String json) throws IOException {
    JsonNode n = JsonStreams.readTree(json);
    if (n.isMissingNode()) {
      throw new IOException("not one JSON value");
    }
    return n;
  }

  // ---- writing
  // ------------------------------------------------------------------------------------------------

  /**
   * Appends a record and forces it to disk: the moment the change it describes is committed. The
   * caller holds the lock of the transcript's session, so nobody else changes that transcript
   * meanwhile. When this throws, the record was cut off again where that could be done (see the
   * caller). Work after the commit point (reading the record back, compaction) only logs its
   * failures: the change has happened, and compaction is tried again at the next append.
   */
  void append(Change change) throws IOException {
    append(List.of(change));
  }

  /**
   * Appends records in one forced write, together with those other threads append meanwhile (each
   * record a line of its own, so each counts or not on its own).
   */
  void append(List<Change> changes) throws IOException {
    appends.submit(changes);
  }

  /**
   * Called by one thread at a time ({@link GroupCommit}), under the index lock. The view of the log
   * is not locked while the records are written and forced, so that other threads read it meanwhile
   * (and reach the next batch): they may see the records before they are durable, as other
   * processes may.
   */
  private void appendNow(List<List<Change>> batch) throws IOException {
    List<Change> added = batch.stream().flatMap(List::stream).toList();
    long end;
    byte[] bytes;
    try (FileLocks.Held held = locks.index()) {
      synchronized (this) {
        if (!tail()) {
          rewrite(snapshotLines());
        }
      }
      try {
        try (FileChannel ch =
            SecureFiles.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
          end = validEnd(ch);
          if (end < ch.size()) {
            LOG.warn(
                "Cutting off an unfinished index record at byte {} of {} (a writer crashed)",
                end,
                file);
            SecureFiles.truncate(ch, file, end);
          }
          synchronized (this) {
            writing = end;
          }
          try {
            StringBuilder lines = new StringBuilder();
            added.forEach(c -> lines.append(line(c.text())));
            bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
            SecureFiles.writeFully(ch, file, ByteBuffer.wrap(bytes), end);
            SecureFiles.force(ch, file);
          } catch (IOException | RuntimeException e) {
            try {
              SecureFiles.truncate(ch, file, end);
            } catch (IOException | RuntimeException cleanup) {
              e.addSuppressed(cleanup);
            }
            throw e;
          }
        }
        try {
          synchronized (this) {
            writing = -1;
            if (offset == end) {
              // Nobody read them back meanwhile: applied as they are, without parsing the heads.
              added.forEach(this::apply);
              offset += bytes.length;
            }
            if (!tail()) {
              LOG.warn(
                  "The index {} could not be read back after a commit; it is rebuilt at the next read",
                  file);
            } else if (records > compactAfter && records > 4L * entries.size()) {
              rewrite(liveLines());
            }
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn(
              "Committed a change, but could not read back or compact the index {} (tried again at the next "
                  + "write): {}",
              file,
              e instanceof IOException io ? IoErrors.describe(io) : String.valueOf(e));
        }
      } finally {
        synchronized (this) {
          writing = -1;
        }
      }
    }
  }

  /**
   * What changes with every commit: the log's identity (a compaction or a rebuild replaces it), the
   * end of its last complete record (a commit appends one) and its modification time (a record
   * written, then cut off again when its force failed, and another of the same length written in
   * its place: told apart when the file system's clock ticked in between). A stat and a read of the
   * log's last bytes, no record parsed; null while the log is missing (what the store holds is then
   * not known until a read rebuilds it).
   */
  String changeToken() throws IOException {
    while (true) {
      BasicFileAttributes before;
      try {
        before = Files.readAttributes(file, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        return null;
      }
      long end;
      BasicFileAttributes after;
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        end = validEnd(ch);
        after = Files.readAttributes(file, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        continue;
      }
      // Else the log was replaced or written to meanwhile: look again.
      if (Objects.equals(before.fileKey(), after.fileKey())
          && before.lastModifiedTime().equals(after.lastModifiedTime())) {
        return after.fileKey()
            + " "
            + end
            + " "
            + after.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
      }
    }
  }

  /** The length of the log without an unfinished last line. */
  private static long validEnd(FileChannel ch) throws IOException {
    long size = ch.size();
    long pos = size;
    ByteBuffer chunkBuf = ByteBuffer.allocate(4096);
    while (pos > 0) {
      int chunk = (int) Math.min(4096, pos);
      chunkBuf.clear().limit(chunk);
      ch.read(chunkBuf, pos - chunk);
      for (int i = chunk - 1; i >= 0; i--) {
        if (chunkBuf.get(i) == '\n') {
          return pos - chunk + i + 1;
        }
      }
      pos -= chunk;
    }
    return 0;
  }

  private String liveLines() {
    StringBuilder out = new StringBuilder();
    for (Entry e : entries.values()) {
      out.append(line(record(e)));
    }
    return out.toString();
  }

  private String snapshotLines() throws IOException {
    LOG.warn(
        "Rebuilding the session index {} from the sessions' head snapshots (it was missing or damaged)",
        file);
    StringBuilder out = new StringBuilder();
    for (String record : rebuilder.snapshotRecords()) {
      out.append(line(record));
    }
    return out.toString();
  }

  /**
   * Replaces the log (compaction or rebuild) and reads it anew. The caller holds the index lock.
   */
  private void rewrite(String content) throws IOException {
    SecureFiles.replace(file, content.getBytes(StandardCharsets.UTF_8), true);
    clear();
    fileKey = null;
    if (!tail()) {
      throw new IOException("The index " + file + " cannot be read back after it was rewritten");
    }
  }
}
