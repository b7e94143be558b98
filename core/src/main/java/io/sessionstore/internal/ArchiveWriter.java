package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ExportResult;
import io.sessionstore.api.Page;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.spi.JsonStreams;
import io.sessionstore.spi.MetadataJson;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.SupportsBatchReads;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Writes the archive format, version 1: a header line, then one line per session with its metadata,
 * its messages (each its exact stored text) and its sub-transcripts. An export reads the next
 * sessions while it writes one ({@link Pipeline}: a few at once, their text within a budget; in
 * batches from a backend that {@link SupportsBatchReads reads many at once}) and writes each whole,
 * in the order of the query.
 */
public final class ArchiveWriter {
  static final String FORMAT = "sessionstore-archive";
  static final int VERSION = 1;
  private static final int PAGE = 1_000;

  /** Sessions read together from a backend that reads many at once. */
  static final int BATCH = 32;

  /**
   * Messages asked for in one read of a batch: the batch is read in parts of about this many, so
   * that the text one read brings in stays around 10 MB for the usual message sizes before the
   * pipeline's budget is consulted.
   */
  static final long MESSAGES_PER_READ = 5_000;

  private final SessionStore store;
  private final StorageBackend backend;

  ArchiveWriter(SessionStore store, StorageBackend backend) {
    this.store = store;
    this.backend = backend;
  }

  ExportResult write(SearchQuery query, OutputStream target, ProgressListener progress) {
    Counting out = new Counting(target);
    long sessions = 0;
    long messages = 0;
    try (JsonGenerator g = generator(out);
        Pipeline<List<Snapshot>> reads = new Pipeline<>("export")) {
      writeHeader(g);
      List<SessionKey> keys = keys(query);
      Iterator<List<SessionKey>> next = batches(keys).iterator();
      while (next.hasNext() || reads.pending() > 0) {
        if (next.hasNext() && reads.hasRoom()) {
          List<SessionKey> batch = next.next();
          reads.submit(batch.get(0), 0, ticket -> snapshots(batch, ticket));
          continue;
        }
        for (Snapshot s : reads.take()) {
          if (s != null) {
            messages += writeLine(g, s.metadata(), s.main(), s.subs());
            sessions++;
            progress.progress(sessions, keys.size());
          }
        }
      }
      g.flush();
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot write the archive: " + e.getMessage(), e);
    }
    return new ExportResult(sessions, messages, out.count);
  }

  /**
   * The keys of every session the query matches, read before any is exported: paging in updated
   * order while exporting would skip sessions updated meanwhile.
   */
  List<SessionKey> keys(SearchQuery query) {
    List<SessionKey> keys = new ArrayList<>();
    SearchQuery page = query.toBuilder().limit(PAGE).cursor(null).build();
    while (true) {
      Page<SessionMetadata> result = store.search(page);
      result.items().forEach(m -> keys.add(m.key()));
      if (!result.hasNext()) {
        return keys;
      }
      page = page.toBuilder().cursor(result.nextCursor()).build();
    }
  }

  private static JsonGenerator generator(OutputStream out) throws IOException {
    JsonGenerator g = JsonStreams.generator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.setRootValueSeparator(null);
    return g;
  }

  private static void writeHeader(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("format", FORMAT);
    g.writeNumberField("version", VERSION);
    g.writeEndObject();
    g.writeRaw('\n');
  }

  /**
   * The session read whole, or null when it was deleted meanwhile; read again if it was replaced
   * meanwhile, since a line once started cannot be retracted.
   */
  Snapshot snapshot(SessionKey key, Pipeline.Ticket ticket) {
    return Retry.onConflict(
        key,
        () -> {
          ticket.releaseHeld();
          return read(key, ticket);
        });
  }

  /**
   * The sessions read together: in batches of {@link #BATCH} when the backend {@link
   * SupportsBatchReads reads many at once}, else one by one.
   */
  private List<List<SessionKey>> batches(List<SessionKey> keys) {
    int size = backend instanceof SupportsBatchReads ? BATCH : 1;
    List<List<SessionKey>> batches = new ArrayList<>();
    for (int i = 0; i < keys.size(); i += size) {
      batches.add(keys.subList(i, Math.min(keys.size(), i + size)));
    }
    return batches;
  }

  /**
   * The batch's sessions, in its order, each read whole or null when it does not exist. A session
   * the batched read saw change meanwhile is read again on its own.
   */
  private List<Snapshot> snapshots(List<SessionKey> batch, Pipeline.Ticket ticket) {
    if (!(backend instanceof SupportsBatchReads batched)) {
      return java.util.Collections.singletonList(snapshot(batch.get(0), ticket));
    }
    Map<SessionKey, List<StoredHead>> heads = new HashMap<>();
    batched
        .transcripts(batch)
        .forEach(h -> heads.computeIfAbsent(h.key().main(), k -> new ArrayList<>()).add(h));
    Map<SessionKey, List<String>> texts = new HashMap<>();
    List<StoredHead> part = new ArrayList<>();
    long partMessages = 0;
    for (List<StoredHead> session : heads.values()) {
      for (StoredHead h : session) {
        if (partMessages + h.messageCount() > MESSAGES_PER_READ && !part.isEmpty()) {
          readAll(batched, part, texts, ticket);
          part.clear();
          partMessages = 0;
        }
        part.add(h);
        partMessages += h.messageCount();
      }
    }
    readAll(batched, part, texts, ticket);
    List<Snapshot> out = new ArrayList<>(batch.size());
    for (SessionKey key : batch) {
      List<StoredHead> session = heads.getOrDefault(key, List.of());
      Optional<StoredHead> main = session.stream().filter(h -> !h.key().isSubpath()).findFirst();
      if (main.isEmpty()) {
        out.add(null);
      } else if (session.stream().allMatch(h -> texts.containsKey(h.key()))) {
        Map<String, List<String>> subs = new java.util.TreeMap<>();
        session.stream()
            .filter(h -> h.key().isSubpath())
            .forEach(h -> subs.put(h.key().subpath(), texts.get(h.key())));
        out.add(new Snapshot(main.get().metadata(), texts.get(key), subs));
      } else {
        // what it held of the batch stays held: only a single session's read may start over
        out.add(Retry.onConflict(key, () -> read(key, ticket)));
      }
    }
    return out;
  }

  private static void readAll(
      SupportsBatchReads batched,
      List<StoredHead> heads,
      Map<SessionKey, List<String>> texts,
      Pipeline.Ticket ticket) {
    if (heads.isEmpty()) {
      return;
    }
    Map<SessionKey, List<String>> read = batched.allMessages(heads);
    ticket.hold(read.values().stream().flatMap(List::stream).mapToLong(String::length).sum());
    texts.putAll(read);
  }

  /** A session read whole: its head's metadata and the messages of each transcript. */
  record Snapshot(SessionMetadata metadata, List<String> main, Map<String, List<String>> subs) {}

  /** The session's metadata and messages, or null when it does not exist. */
  private Snapshot read(SessionKey key, Pipeline.Ticket ticket) {
    Optional<StoredHead> head = backend.head(key);
    if (head.isEmpty()) {
      return null;
    }
    List<String> main = read(head.get(), ticket);
    Map<String, List<String>> subs = new java.util.TreeMap<>();
    for (String s : backend.subpaths(key)) {
      Optional<StoredHead> sub = backend.head(key.withSubpath(s));
      if (sub.isPresent()) {
        subs.put(s, read(sub.get(), ticket));
      }
    }
    return new Snapshot(head.get().metadata(), main, subs);
  }

  /**
   * An archive of one session given as values, written line for line as an export writes it: the
   * sequential reference that the tests compare a parallel export with.
   */
  static byte[] archiveOf(
      SessionMetadata m, List<String> messages, Map<String, List<String>> subpaths) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (JsonGenerator g = generator(out)) {
      writeHeader(g);
      writeLine(g, m, messages, subpaths);
    } catch (IOException e) {
      throw new IllegalStateException("Writing to memory failed", e);
    }
    return out.toByteArray();
  }

  private static long writeLine(
      JsonGenerator g, SessionMetadata m, List<String> main, Map<String, List<String>> subs)
      throws IOException {
    g.writeStartObject();
    MetadataJson.writeIdentity(g, m);
    MetadataJson.writeUserFields(g, m);
    long count = writeMessages(g, "messages", main);
    g.writeObjectFieldStart("subpaths");
    for (Map.Entry<String, List<String>> s : subs.entrySet()) {
      count += writeMessages(g, s.getKey(), s.getValue());
    }
    g.writeEndObject();
    g.writeEndObject();
    g.writeRaw('\n');
    return count;
  }

  private List<String> read(StoredHead head, Pipeline.Ticket ticket) {
    List<String> messages = new ArrayList<>();
    try (Stream<String> lines = backend.messages(head, 0)) {
      lines.forEachOrdered(
          m -> {
            ticket.hold(m.length());
            messages.add(m);
          });
    }
    return messages;
  }

  private static long writeMessages(JsonGenerator g, String field, List<String> messages)
      throws IOException {
    g.writeArrayFieldStart(field);
    Iterator<String> it = messages.iterator();
    while (it.hasNext()) {
      g.writeRawValue(it.next());
    }
    g.writeEndArray();
    return messages.size();
  }

  private static final class Counting extends FilterOutputStream {
    long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
