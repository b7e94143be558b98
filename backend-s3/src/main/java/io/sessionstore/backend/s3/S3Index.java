package io.sessionstore.backend.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.HeadCodec;
import io.sessionstore.spi.JsonStreams;
import io.sessionstore.spi.StoredHead;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata index of every session's main transcript, kept in the bucket and shared by every
 * process, so that listing and searching never read the sessions. It is a log of immutable entries
 * {@code .sessionstore/index/log/{seq}}, each claimed with a create-only PUT (so two writers never
 * take the same number and no entry is lost), plus a snapshot {@code
 * .sessionstore/index/snap/{seq}} every {@value #SNAPSHOT_EVERY} entries, after which older entries
 * are deleted. A process reads the latest snapshot once and then only the entries added since its
 * last look (one LIST when nothing changed). Entries carry the marker number of the commit they
 * describe, so one that lands late never undoes a newer one. A missing index is rebuilt from the
 * transcripts' commit markers.
 */
final class S3Index {
  private static final Logger LOG = LoggerFactory.getLogger(S3Index.class);
  static final int SNAPSHOT_EVERY = 500;

  /**
   * At most this many entries past the newest snapshot or delta are left for a fresh process to
   * read.
   */
  static final int TAIL_LIMIT = 2;

  /**
   * How long after a look an append trusts the next number: far less than other writers need to add
   * the {@value #SNAPSHOT_EVERY} entries after which a snapshot removes older ones.
   */
  static final Duration LOOK_AGAIN_AFTER = Duration.ofSeconds(2);

  /** A session's head and the number of the commit marker it comes from. */
  record Entry(StoredHead head, long marker) {}

  private final ObjectStore store;
  private final S3Layout layout;
  private final Map<SessionKey, Entry> live = new HashMap<>();
  private final Map<SessionKey, Long> deleted = new HashMap<>();

  /** Sessions changed since the snapshot the state was loaded from: what a delta holds. */
  private final Set<SessionKey> touched = new HashSet<>();

  private long seq;
  private long snapshotSeq;

  /** The newest snapshot or delta this process read or wrote. */
  private long checkpointSeq;

  /** When this process last listed the index (an append soon after needs no listing). */
  private long lookedAtNanos;

  private boolean loaded;

  /** Whether this process made the store and has not looked at the index yet. */
  private boolean madeHere;

  S3Index(ObjectStore store, S3Layout layout) {
    this.store = store;
    this.layout = layout;
  }

  /**
   * Tells the index that this process made the store: at its first look, an index with neither a
   * snapshot nor an entry is new, not lost, though the first commits' markers (written before any
   * entry, by this process or another that started with it) are there. A snapshot or entry another
   * process wrote meanwhile is still read; a later loss is rebuilt as ever.
   */
  synchronized void madeHere() {
    madeHere = true;
  }

  synchronized List<StoredHead> heads() {
    refresh();
    List<StoredHead> out = new ArrayList<>(live.size());
    live.values().forEach(e -> out.add(e.head()));
    return out;
  }

  /** What the index knows of a session, as a hint (it may lag the session's own markers). */
  synchronized Optional<Entry> entry(SessionKey key) {
    return Optional.ofNullable(live.get(key));
  }

  synchronized boolean loaded() {
    return loaded;
  }

  /**
   * Whether the index lacks a transcript's commit {@code marker} even after a look at the newest
   * entries: its writer died before adding the entry. False when this process has not read the
   * index (nothing to compare).
   */
  synchronized boolean behind(SessionKey key, long marker) {
    if (!loaded || covers(key, marker)) {
      return false;
    }
    refresh();
    return !covers(key, marker);
  }

  /** Whether the index knows the session, live or deleted. */
  synchronized boolean knows(SessionKey key) {
    return live.containsKey(key) || deleted.containsKey(key);
  }

  private boolean covers(SessionKey key, long marker) {
    Entry e = live.get(key);
    return e != null && e.marker() >= marker || deleted.getOrDefault(key, 0L) >= marker;
  }

  /** Records a main transcript's new head. */
  void put(StoredHead head, long marker) {
    append("P " + marker + " " + HeadCodec.encode(head));
  }

  /** Records that a session was deleted at a marker. */
  void delete(SessionKey key, long marker) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode().add(key.project()).add(key.sessionId());
    append("D " + marker + " " + JsonStreams.write(a));
  }

  private synchronized void append(String record) {
    // The next number is tried first when this process looked moments ago: a writer alone takes it
    // in one request, and one that finds it taken reads what was added meanwhile. After a longer
    // while other writers may have added so much that a snapshot removed the entries after ours,
    // and a create-only PUT of a removed number would succeed unseen: look first.
    if (!loaded || System.nanoTime() - lookedAtNanos > LOOK_AGAIN_AFTER.toNanos()) {
      refresh();
    }
    for (int attempt = 0; attempt < 1000; attempt++) {
      long next = seq + 1;
      if (store.putIfAbsent(layout.indexEntry(next), compressed(record))) {
        apply(record);
        seq = next;
        if (seq % SNAPSHOT_EVERY == 0) {
          snapshot();
        }
        return;
      }
      // Another process took that number: read what it wrote and try the next one.
      refresh();
      if (attempt > 3) {
        pause(attempt);
      }
    }
    throw new BackendUnavailableException(
        "Cannot add to the session index in bucket '"
            + store.bucket()
            + "': too many concurrent writers");
  }

  /**
   * Applies the entries added since the last look; reloads from the latest snapshot after a
   * compaction.
   */
  synchronized void refresh() {
    if (!loaded) {
      load();
      return;
    }
    lookedAtNanos = System.nanoTime();
    List<String> keys = store.numbered(layout.indexEntries(), layout.indexEntry(seq));
    if (!applyEntries(keys)) {
      // Entries we had not read were compacted away meanwhile: start again from the newest
      // snapshot.
      load();
    }
  }

  /**
   * Reads the index as a fresh process must: one listing of everything under it, the newest
   * snapshot, the newest delta after it, and the few entries after those. When it finds more than
   * {@value #TAIL_LIMIT} entries past the newest snapshot or delta, it writes a delta, so the next
   * fresh process reads at most that many.
   */
  private void load() {
    live.clear();
    deleted.clear();
    touched.clear();
    seq = 0;
    snapshotSeq = 0;
    checkpointSeq = 0;
    loaded = true;
    lookedAtNanos = System.nanoTime();
    List<String> keys = store.numbered(layout.indexRoot(), null);
    boolean isNew = madeHere;
    madeHere = false;
    long snap = newest(keys, layout.indexSnapshots());
    long delta = newest(keys, layout.indexDeltas());
    List<String> entries = keys.stream().filter(k -> k.startsWith(layout.indexEntries())).toList();
    if (snap < 0
        && delta < 0
        && (entries.isEmpty() || S3Layout.markerNumber(entries.get(0)) != 1)
        && !(isNew && entries.isEmpty())) {
      // Without a snapshot the log must start at entry 1; anything else means the index was lost.
      rebuild();
      if (!live.isEmpty()) {
        // Shared with every process as snapshot 0: later entries follow it.
        store.putIfAbsent(layout.indexSnapshot(0), compressed(snapshotText(false)));
        load();
      }
      return;
    }
    if (snap >= 0 && !read(layout.indexSnapshot(snap))) {
      load();
      return;
    }
    seq = snapshotSeq = Math.max(snap, 0);
    touched.clear();
    if (delta > seq) {
      if (!read(layout.indexDelta(delta))) {
        load();
        return;
      }
      seq = delta;
    }
    long base = seq;
    if (!applyEntries(entries.stream().filter(k -> S3Layout.markerNumber(k) > base).toList())) {
      load();
      return;
    }
    checkpointSeq = base;
    if (seq - base > TAIL_LIMIT) {
      checkpoint();
    }
  }

  /**
   * Leaves the index cheap for the next fresh process when this one added more than {@value
   * #TAIL_LIMIT} entries past the newest snapshot or delta it knows (a bulk import, a migration):
   * called when the store closes.
   */
  synchronized void close() {
    if (loaded && seq - checkpointSeq > TAIL_LIMIT) {
      checkpoint();
    }
  }

  private static long newest(List<String> keys, String folder) {
    long newest = -1;
    for (String k : keys) {
      if (k.startsWith(folder)) {
        newest = Math.max(newest, S3Layout.markerNumber(k));
      }
    }
    return newest;
  }

  /**
   * An index object's body: gzip, since heads are JSON that compresses several times over (the
   * index would otherwise weigh a tenth of the messages it describes).
   */
  static byte[] compressed(String text) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The text of an index object: gzip, or plain as layout version 2 wrote it. */
  static String text(byte[] body) {
    if (body.length < 2 || body[0] != (byte) 0x1f || body[1] != (byte) 0x8b) {
      return new String(body, StandardCharsets.UTF_8);
    }
    try (java.util.zip.GZIPInputStream gz =
        new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
      return new String(gz.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new BackendUnavailableException("Damaged index object: " + e.getMessage(), e);
    }
  }

  /** Applies a snapshot or delta; false when it vanished (compacted) since it was listed. */
  private boolean read(String key) {
    Optional<byte[]> body = store.get(key);
    body.ifPresent(
        b -> {
          for (String line : text(b).split("\n")) {
            if (!line.isEmpty()) {
              apply(line);
            }
          }
        });
    return body.isPresent();
  }

  /**
   * Applies listed entries in order; false when one is missing (compacted away since it was
   * listed).
   */
  private boolean applyEntries(List<String> keys) {
    for (String key : keys) {
      long n = S3Layout.markerNumber(key);
      Optional<byte[]> body = n == seq + 1 ? store.get(key) : Optional.empty();
      if (body.isEmpty()) {
        return false;
      }
      apply(text(body.get()));
      seq = n;
    }
    return true;
  }

  /**
   * Writes what changed since the newest snapshot as the delta at {@code seq}, or a whole snapshot
   * when most sessions changed (after a bulk import, say); create-only, so processes doing it at
   * once agree. Best effort: without it the next fresh process reads the entries instead.
   */
  private void checkpoint() {
    boolean whole = touched.size() * 2 >= live.size() + deleted.size();
    try {
      store.putIfAbsent(
          whole ? layout.indexSnapshot(seq) : layout.indexDelta(seq),
          compressed(snapshotText(!whole)));
      if (whole) {
        snapshotSeq = seq;
        touched.clear();
      }
      checkpointSeq = seq;
    } catch (BackendUnavailableException e) {
      LOG.debug(
          "Could not write the index checkpoint {} (the next process reads the entries instead): {}",
          seq,
          e.getMessage());
    }
  }

  private void apply(String record) {
    int space = record.indexOf(' ', 2);
    long marker = Long.parseLong(record.substring(2, space));
    String rest = record.substring(space + 1);
    if (record.startsWith("P ")) {
      StoredHead head;
      try {
        head = HeadCodec.decode(rest);
      } catch (BackendUnavailableException e) {
        // One entry this version cannot read must not make every listing fail: that session is left
        // out of
        // listings (it still loads from its own markers) until its next commit adds an entry.
        LOG.warn(
            "Skipping a damaged entry of the session index in bucket '{}' (commit marker {}): {}",
            store.bucket(),
            marker,
            e.getMessage());
        return;
      }
      SessionKey key = head.key();
      touched.add(key);
      Entry current = live.get(key);
      if ((current == null || current.marker() < marker)
          && deleted.getOrDefault(key, 0L) < marker) {
        live.put(key, new Entry(head, marker));
      }
    } else if (record.startsWith("D ")) {
      JsonNode a = parse(rest);
      SessionKey key = SessionKey.of(a.get(0).asText(), a.get(1).asText());
      touched.add(key);
      Entry current = live.get(key);
      if (current == null || current.marker() < marker) {
        live.remove(key);
        deleted.merge(key, marker, Math::max);
      }
    } else {
      throw new BackendUnavailableException(
          "Damaged index entry in bucket '" + store.bucket() + "': " + record);
    }
  }

  /**
   * Writes a snapshot of everything up to {@code seq} and deletes the entries, deltas and snapshots
   * the previous snapshot covered.
   */
  private void snapshot() {
    store.putIfAbsent(layout.indexSnapshot(seq), compressed(snapshotText(false)));
    snapshotSeq = checkpointSeq = seq;
    touched.clear();
    List<String> old = new ArrayList<>();
    for (String key : store.numbered(layout.indexRoot(), null)) {
      long n = S3Layout.markerNumber(key);
      if (key.startsWith(layout.indexSnapshots())
          ? n < seq - SNAPSHOT_EVERY
          : n <= seq - SNAPSHOT_EVERY) {
        old.add(key);
      }
    }
    store.delete(old);
  }

  /**
   * Every session's state, or (for a delta) only that of the sessions changed since the newest
   * snapshot.
   */
  private String snapshotText(boolean onlyTouched) {
    StringBuilder out = new StringBuilder();
    live.forEach(
        (k, e) -> {
          if (!onlyTouched || touched.contains(k)) {
            out.append("P ")
                .append(e.marker())
                .append(' ')
                .append(HeadCodec.encode(e.head()))
                .append('\n');
          }
        });
    deleted.forEach(
        (k, m) -> {
          if (!onlyTouched || touched.contains(k)) {
            out.append("D ")
                .append(m)
                .append(' ')
                .append(
                    JsonStreams.write(
                        JsonNodeFactory.instance.arrayNode().add(k.project()).add(k.sessionId())))
                .append('\n');
          }
        });
    return out.toString();
  }

  /** Builds the index anew from the newest commit marker of every session's main transcript. */
  private void rebuild() {
    String logRoot = layout.root() + "log/";
    Map<String, Long> newest = new HashMap<>();
    for (String key : store.numbered(logRoot, null)) {
      String rest = key.substring(logRoot.length());
      String[] parts = rest.split("/");
      // A main transcript's markers are {project}/{session}/.sessionstore/{n}.
      if (parts.length == 4 && parts[2].equals(".sessionstore")) {
        newest.merge(
            key.substring(0, key.lastIndexOf('/') + 1), S3Layout.markerNumber(key), Math::max);
      }
    }
    if (newest.isEmpty()) {
      return;
    }
    if (newest.size() > 1) {
      LOG.warn(
          "Rebuilding the session index of bucket '{}' from {} sessions' commit markers",
          store.bucket(),
          newest.size());
    } // else the first commit into a new store, which finds only its own marker: nothing was lost

    for (Map.Entry<String, Long> e : newest.entrySet()) {
      String key = e.getKey() + String.format("%012d", e.getValue());
      store
          .firstLine(key)
          .ifPresent(
              line -> {
                Marker m;
                try {
                  m = Marker.control(line, key);
                } catch (BackendUnavailableException damaged) {
                  // Decoding a line read already: only a damaged marker fails here, and it must not
                  // stop the others.
                  LOG.warn("{}", damaged.getMessage());
                  return;
                }
                if (m.head() != null && !m.isDelete()) {
                  live.put(m.head().key(), new Entry(m.head(), e.getValue()));
                }
              });
    }
  }

  private static JsonNode parse(String json) {
    try {
      return JsonStreams.readTree(json);
    } catch (IOException e) {
      throw new BackendUnavailableException("Damaged index entry: " + e.getMessage(), e);
    }
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 5L + Math.min(attempt, 50)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendUnavailableException("Interrupted while adding to the session index");
    }
  }
}
