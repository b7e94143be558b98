package io.sessionstore.internal;

import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Which uuids each recently written transcript holds, where, and a checksum of each such message's
 * bytes, so that an append can skip a message it already stored (same uuid, same bytes) without
 * reading the whole transcript. A checksum only tells which stored messages may be the same: those
 * are read and compared byte for byte, so a collision costs a read, never a message. An entry is
 * tied to a head's generation and message count; when another process has appended since, only the
 * new messages are read to bring it up to date, and a replaced transcript is read again from the
 * start. Bounded by the total number of uuids held; least recently used transcripts are dropped
 * first.
 *
 * <p>Callers hold the store's lock of the session while they use an entry.
 */
final class DedupIndex {
  private final long maxUuids;
  private final LinkedHashMap<SessionKey, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
  private long totalUuids;

  DedupIndex(long maxUuids) {
    this.maxUuids = maxUuids;
  }

  /**
   * The messages the transcript, as of the head, does not hold already with the same uuid and the
   * same bytes, and its entry brought up to the head. Reads the messages the entry does not know
   * yet (all of them when it knows none); then, when an appended message may equal an older stored
   * one (same uuid, length and checksum), reads once from the first such position to the last.
   *
   * @throws io.sessionstore.api.ConflictException when the transcript was replaced or deleted
   *     meanwhile
   */
  Checked notStored(StorageBackend backend, StoredHead head, List<MessageFacts> messages) {
    SessionKey key = head.key();
    Entry e;
    synchronized (this) {
      e = entries.get(key);
    }
    if (e == null || e.generation != head.generation() || e.count > head.messageCount()) {
      e = new Entry(head.generation());
    }
    // Equal texts have equal uuids (the uuid is read from the text): a stored text found among
    // these is a message to skip. Only the texts of messages with a uuid, each taken once (a
    // message kept as bytes decodes it).
    List<String> texts = new ArrayList<>(messages.size());
    Set<String> appended = new HashSet<>();
    for (MessageFacts m : messages) {
      String text = m.uuid() != null ? m.text() : null;
      texts.add(text);
      if (text != null) {
        appended.add(text);
      }
    }
    Set<String> found = new HashSet<>();
    long known = e.count;
    if (e.count < head.messageCount()) {
      try (Stream<String> tail = backend.messages(head, e.count)) {
        Iterator<String> it = tail.iterator();
        while (it.hasNext()) {
          String text = it.next();
          String uuid = MessageText.uuid(text);
          if (uuid != null && appended.contains(text)) {
            found.add(text);
          }
          e.add(uuid, text);
        }
      }
    }
    // A backend that gave fewer messages than the head counts would shift every later position.
    boolean complete = e.count == head.messageCount();
    if (complete) {
      remember(key, e);
    } else {
      forget(key);
    }
    Set<Long> candidates = new HashSet<>();
    for (int i = 0; i < messages.size(); i++) {
      MessageFacts m = messages.get(i);
      if (m.uuid() != null && !found.contains(texts.get(i))) {
        e.positions(m, texts.get(i), known, candidates);
      }
    }
    if (!candidates.isEmpty()) {
      long first = candidates.stream().mapToLong(Long::longValue).min().orElseThrow();
      long last = candidates.stream().mapToLong(Long::longValue).max().orElseThrow();
      try (Stream<String> stored = backend.messages(head, first)) {
        Iterator<String> it = stored.limit(last - first + 1).iterator();
        for (long p = first; it.hasNext(); p++) {
          String text = it.next();
          if (candidates.contains(p) && appended.contains(text)) {
            found.add(text);
          }
        }
      }
    }
    List<MessageFacts> out = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      if (texts.get(i) == null || !found.contains(texts.get(i))) {
        out.add(messages.get(i));
      }
    }
    return new Checked(complete ? e : null, out);
  }

  /**
   * What {@link #notStored} found.
   *
   * @param entry the transcript's entry, for {@link #committed}; null when the transcript could not
   *     be read whole
   * @param notStored the messages to store
   */
  record Checked(Entry entry, List<MessageFacts> notStored) {}

  /** Records messages just committed, moving the entry to the new head. */
  void committed(StoredHead newHead, Entry previous, List<MessageFacts> stored) {
    Entry e =
        previous != null && previous.generation == newHead.generation()
            ? previous
            : new Entry(newHead.generation());
    for (MessageFacts m : stored) {
      e.add(m.uuid(), m.uuid() == null ? 0 : textKey(m, null));
    }
    remember(newHead.key(), e);
  }

  synchronized void forget(SessionKey key) {
    Entry e = entries.remove(key);
    if (e != null) {
      totalUuids -= e.sizeWhenCounted;
    }
  }

  private synchronized void remember(SessionKey key, Entry e) {
    Entry old = entries.put(key, e);
    if (old != null) {
      totalUuids -= old.sizeWhenCounted;
    }
    e.sizeWhenCounted = e.size;
    totalUuids += e.size;
    Iterator<Map.Entry<SessionKey, Entry>> it = entries.entrySet().iterator();
    while (totalUuids > maxUuids && it.hasNext()) {
      Map.Entry<SessionKey, Entry> eldest = it.next();
      if (eldest.getKey().equals(key)) {
        continue;
      }
      totalUuids -= eldest.getValue().sizeWhenCounted;
      it.remove();
    }
  }

  /**
   * A message text's UTF-8 length and CRC-32C, which tell apart texts that differ (a SHA-256 of
   * every message cost a save of 100 messages about 70 µs; this, a tenth of it, with the JVM's
   * intrinsic).
   */
  private static long textKey(String text) {
    return textKey(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The key of a message's text: of the bytes it is kept as, else of {@code text} or its own. */
  private static long textKey(MessageFacts m, String text) {
    return m.utf8() != null ? textKey(m.utf8()) : textKey(text != null ? text : m.text());
  }

  private static long textKey(byte[] utf8) {
    CRC32C crc = new CRC32C();
    crc.update(utf8, 0, utf8.length);
    return ((long) utf8.length << 32) | crc.getValue();
  }

  /** A stored message with a uuid: its position (from 0) and its text's {@link #textKey}. */
  private record Stored(long position, long textKey) {}

  /** The uuids of one transcript up to a message count. */
  static final class Entry {
    private final long generation;
    // Each uuid's first message, and the later ones of a uuid that repeats.
    private final Map<String, Stored> first = new HashMap<>();
    private final Map<String, List<Stored>> later = new HashMap<>();
    private long count;
    private long size;
    private long sizeWhenCounted;

    private Entry(long generation) {
      this.generation = generation;
    }

    private void add(String uuid, String text) {
      add(uuid, uuid == null ? 0 : textKey(text));
    }

    /** Adds the next message, whose text has this {@link #textKey} when it has a uuid. */
    private void add(String uuid, long textKey) {
      if (uuid != null) {
        Stored s = new Stored(count, textKey);
        if (first.putIfAbsent(uuid, s) != null) {
          later.computeIfAbsent(uuid, u -> new ArrayList<>(1)).add(s);
        }
        size++;
      }
      count++;
    }

    /**
     * Adds the positions before {@code before} of the messages with the uuid and the text of {@code
     * m} (its text is {@code text}); its key is computed only for a uuid held: an append of a new
     * message costs no encoding here.
     */
    private void positions(MessageFacts m, String text, long before, Set<Long> out) {
      String uuid = m.uuid();
      Stored s = first.get(uuid);
      if (s == null) {
        return;
      }
      long textKey = textKey(m, text);
      if (s.position() < before && s.textKey() == textKey) {
        out.add(s.position());
      }
      for (Stored more : later.getOrDefault(uuid, List.of())) {
        if (more.position() < before && more.textKey() == textKey) {
          out.add(more.position());
        }
      }
    }
  }
}
