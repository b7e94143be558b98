package io.sessionstore.claude;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.WriteResult;
import io.sessionstore.spi.Utf8Lines;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Records a live stream of messages (what {@code claude -p --output-format stream-json --verbose}
 * prints) into a session, storing each message as it arrives so that a crash loses at most the
 * message in flight.
 *
 * <p>The session is the one the options name, else the {@code session_id} of the stream's first
 * {@code system}/{@code init} message; messages that arrive before that are held until it comes. A
 * session the recording creates gets the attribute {@code format=stream-json}. A retried message
 * (same {@code uuid}, same bytes) is stored once. Thread-safe; get one from {@link
 * #of(SessionStore, RecordOptions)}.
 */
public final class Recorder implements AutoCloseable {
  private final SessionStore store;
  private final RecordOptions options;
  private final List<Message> waiting = new ArrayList<>();
  private final List<RecordResult.Rejection> rejected = new ArrayList<>();
  private SessionKey key;
  private boolean started;
  private long lines;
  private long stored;
  private long skipped;
  private RecordResult result;
  private String invalidId;

  /**
   * A recorder that stores a live stream of messages into a session of the store as they arrive.
   * Finish it (or close it) at the end of the stream.
   */
  public static Recorder of(SessionStore store, RecordOptions options) {
    return new Recorder(store, options);
  }

  private Recorder(SessionStore store, RecordOptions options) {
    this.store = store;
    this.options = options;
    if (options.sessionId() != null) {
      key = new SessionKey(project(), options.sessionId(), options.subpath());
    }
  }

  /**
   * Feeds one line of the stream: a JSON object is stored at once; a blank line is ignored;
   * anything else is rejected with its line number and skipped.
   *
   * @return whether the line was taken (false when it was rejected)
   */
  public synchronized boolean acceptLine(String line) {
    lines++;
    String text = line;
    if (lines == 1 && text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    if (text.endsWith("\r")) {
      text = text.substring(0, text.length() - 1);
    }
    return take(text);
  }

  /**
   * Reads JSON Lines from the stream until it ends, taking each line as soon as its newline arrives
   * (as {@link #acceptLine}), then finishes. A line that is not valid UTF-8 is rejected, never
   * altered.
   *
   * @param echo sees every line first, as it arrived, without its line end (a line that is not
   *     UTF-8 is only reported)
   * @throws BackendUnavailableException when the stream cannot be read; what arrived before is
   *     stored
   */
  public RecordResult record(InputStream in, Consumer<String> echo) {
    Utf8Lines lines = new Utf8Lines(in);
    while (true) {
      String line;
      try {
        line = lines.next();
      } catch (InvalidInputException notUtf8) {
        reject(notUtf8.getMessage());
        continue;
      }
      if (line == null) {
        return finish();
      }
      echo.accept(line);
      // The reader has already dropped the byte-order mark and line ends, as append's reader does.
      takeRead(line);
    }
  }

  private synchronized void takeRead(String line) {
    lines++;
    take(line);
  }

  private synchronized void reject(String reason) {
    checkOpen();
    lines++;
    rejected.add(new RecordResult.Rejection(lines, reason));
  }

  private boolean take(String text) {
    checkOpen();
    if (text.isBlank()) {
      return true;
    }
    Message message;
    try {
      message = Message.parse(text);
    } catch (InvalidInputException e) {
      rejected.add(new RecordResult.Rejection(lines, e.getMessage()));
      return false;
    }
    add(message);
    return true;
  }

  /**
   * Stores one message (or holds it until the stream names its session).
   *
   * @throws InvalidInputException when the message is not a JSON object
   */
  public synchronized void accept(Message message) {
    checkOpen();
    add(Message.parse(message.json()));
  }

  private void add(Message parsed) {
    if (key == null && isInit(parsed)) {
      key = usableKey(parsed).orElse(null);
    }
    waiting.add(parsed);
    if (key != null) {
      write();
    }
  }

  /** The session being recorded into, once it is known. */
  public synchronized Optional<SessionKey> key() {
    return Optional.ofNullable(key);
  }

  /**
   * Ends the recording. Messages still held because no {@code system}/{@code init} message named a
   * valid session are stored under the first valid {@code session_id} any of them carries.
   *
   * @throws InvalidInputException when messages are held and none of them names a valid session
   *     (nothing of them is stored)
   */
  public synchronized RecordResult finish() {
    if (result != null) {
      return result;
    }
    if (key == null && !waiting.isEmpty()) {
      key =
          waiting.stream()
              .map(this::usableKey)
              .flatMap(Optional::stream)
              .findFirst()
              .orElseThrow(
                  () ->
                      new InvalidInputException(
                          "Cannot record "
                              + waiting.size()
                              + " messages: the "
                              + "stream names no session (no system/init message with a valid session_id"
                              + (invalidId == null ? "" : "; " + invalidId)
                              + "); give a session id (--id)"));
      write();
    }
    SessionMetadata metadata = key == null ? null : store.getMetadata(key).orElse(null);
    result = new RecordResult(key, stored, skipped, rejected, metadata);
    return result;
  }

  /** As {@link #finish()}. */
  @Override
  public void close() {
    finish();
  }

  private void write() {
    List<Message> batch = List.copyOf(waiting);
    WriteResult r = started ? store.appendMessages(key, batch) : firstWrite(batch);
    waiting.clear();
    started = true;
    stored += r.stored();
    skipped += r.skipped();
  }

  /**
   * Creates the session with its tags, summary, format and working directory (the {@code cwd} of
   * its {@code system}/{@code init} message, as an import of a transcript keeps it), or adds to the
   * one that exists.
   */
  private WriteResult firstWrite(List<Message> batch) {
    if (!key.isSubpath() && store.getMetadata(key).isEmpty()) {
      Map<String, String> attributes = new java.util.TreeMap<>();
      attributes.put(SessionMetadata.FORMAT, SessionMetadata.FORMAT_STREAM_JSON);
      batch.stream()
          .filter(Recorder::isInit)
          .map(m -> m.tree().path("cwd"))
          .filter(c -> c.isTextual() && !c.textValue().isEmpty())
          .findFirst()
          .ifPresent(c -> attributes.put("cwd", c.textValue()));
      try {
        return store.saveSession(
            key, batch, new SaveOptions(options.tags(), options.summary(), attributes, 0L));
      } catch (ConflictException e) {
        // created by another writer meanwhile: add to it
      }
    }
    WriteResult r = store.appendMessages(key, batch);
    if (!options.tags().isEmpty() || options.summary() != null) {
      store.updateMetadata(
          key,
          new MetadataUpdate(options.tags(), null, options.summary(), false, null, null, null));
    }
    return r;
  }

  private void checkOpen() {
    if (result != null) {
      throw new IllegalStateException("This recording has finished");
    }
  }

  private String project() {
    return options.project() != null ? options.project() : store.defaultProject();
  }

  private static boolean isInit(Message m) {
    return "system".equals(m.type()) && "init".equals(m.tree().path("subtype").asText(null));
  }

  /**
   * The key of the message's {@code session_id}, when it has one that is a valid name. An invalid
   * one is noted for the error message rather than thrown: the stream must go on being read and
   * stored.
   */
  private Optional<SessionKey> usableKey(Message m) {
    var id = m.tree().get("session_id");
    if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(SessionKey.of(project(), id.textValue()));
    } catch (InvalidInputException e) {
      invalidId = invalidId != null ? invalidId : e.getMessage();
      return Optional.empty();
    }
  }
}
