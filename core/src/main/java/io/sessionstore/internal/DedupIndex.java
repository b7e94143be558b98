package io.sessionstore.internal;

import io.sessionstore.api.SessionKey;
import io.sessionstore.internal.MessageText.Digest;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Which (uuid, bytes) pairs each recently written transcript holds, so that an append can skip a
 * message it already stored without reading the whole transcript. An entry is tied to a head's
 * generation and message count; when another process has appended since, only the new messages are
 * read to bring it up to date, and a replaced transcript is read again from the start. Bounded by
 * the total number of uuids held; least recently used transcripts are dropped first.
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

  /** The uuids of the transcript as of the head, reading from the backend what is not known yet. */
  Entry current(StorageBackend backend, StoredHead head) {
    SessionKey key = head.key();
    Entry e;
    synchronized (this) {
      e = entries.get(key);
    }
    if (e == null || e.generation != head.generation() || e.count > head.messageCount()) {
      e = new Entry(head.generation());
    }
    if (e.count < head.messageCount()) {
      try (Stream<String> tail = backend.messages(head, e.count)) {
        Iterator<String> it = tail.iterator();
        while (it.hasNext()) {
          e.add(it.next());
        }
      }
    }
    remember(key, e);
    return e;
  }

  /** Records messages just committed, moving the entry to the new head. */
  void committed(StoredHead newHead, Entry previous, List<MessageFacts> stored) {
    Entry e =
        previous != null && previous.generation == newHead.generation()
            ? previous
            : new Entry(newHead.generation());
    for (MessageFacts m : stored) {
      e.add(m.text(), m.uuid());
    }
    remember(newHead.key(), e);
  }

  synchronized void forget(SessionKey key) {
    Entry e = entries.remove(key);
    if (e != null) {
      totalUuids -= e.size;
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

  /** The uuids of one transcript up to a message count. */
  static final class Entry {
    private final long generation;
    private final Map<String, List<Digest>> uuids = new HashMap<>();
    private long count;
    private long size;
    private long sizeWhenCounted;

    private Entry(long generation) {
      this.generation = generation;
    }

    private void add(String text) {
      add(text, MessageText.uuid(text));
    }

    private void add(String text, String uuid) {
      count++;
      if (uuid != null) {
        uuids.computeIfAbsent(uuid, u -> new ArrayList<>(1)).add(MessageText.digest(text));
        size++;
      }
    }

    /** Whether the transcript holds a message with this uuid and exactly these bytes. */
    boolean contains(MessageFacts m) {
      if (m.uuid() == null) {
        return false;
      }
      List<Digest> digests = uuids.get(m.uuid());
      return digests != null && digests.contains(MessageText.digest(m.text()));
    }
  }
}
