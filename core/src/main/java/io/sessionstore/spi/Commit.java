package io.sessionstore.spi;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * One atomic change of one transcript, applied by {@link StorageBackend#commit(Commit)} only when
 * the transcript's stored version is still {@link #expectedVersion()}.
 *
 * @param kind what happens to the messages
 * @param expectedVersion the version the core read; {@code 0} means the transcript must not exist
 * @param messages the messages to append or to replace the transcript with, each the exact JSON
 *     text of one message (one line, no line terminator); empty for {@link Kind#METADATA}. Of a
 *     commit {@link #ofUtf8 made of bytes}, a view that decodes each message when it is first read.
 * @param messagesUtf8 empty, or for each message the UTF-8 bytes of its text, when the core read
 *     the messages as bytes (an import): a backend that stores bytes takes them through {@link
 *     #utf8(int)}, neither decoding nor encoding the text. The arrays are shared, never changed.
 * @param head the transcript's new head, whose version is {@code expectedVersion + 1}
 */
public record Commit(
    Kind kind,
    long expectedVersion,
    List<String> messages,
    List<byte[]> messagesUtf8,
    StoredHead head) {
  /** What a commit does to a transcript's messages. */
  public enum Kind {
    /** Add the messages after the stored ones; the generation stays. */
    APPEND,
    /** Replace every stored message with these; the head carries a new generation. */
    REPLACE,
    /** Leave the messages alone; only the head changes. */
    METADATA
  }

  public Commit {
    Objects.requireNonNull(kind, "kind is null");
    Objects.requireNonNull(head, "head is null");
    messagesUtf8 = List.copyOf(messagesUtf8);
    messages = messages instanceof Decoded ? messages : List.copyOf(messages);
    if (head.version() != expectedVersion + 1) {
      throw new IllegalArgumentException("A commit's head must have version expectedVersion + 1");
    }
    if (kind == Kind.METADATA && !messages.isEmpty()) {
      throw new IllegalArgumentException("A metadata commit carries no messages");
    }
    if (!messagesUtf8.isEmpty() && messagesUtf8.size() != messages.size()) {
      throw new IllegalArgumentException(
          "A commit's messagesUtf8 must be empty or one per message");
    }
  }

  /** A commit of messages given as text only. */
  public Commit(Kind kind, long expectedVersion, List<String> messages, StoredHead head) {
    this(kind, expectedVersion, messages, List.of(), head);
  }

  /**
   * A commit of messages given as their UTF-8 bytes, each the exact text of one message (valid
   * UTF-8, one line, no line terminator: the core's to ensure, not checked here); {@link
   * #messages()} decodes them when read.
   */
  public static Commit ofUtf8(
      Kind kind, long expectedVersion, List<byte[]> messagesUtf8, StoredHead head) {
    List<byte[]> utf8 = List.copyOf(messagesUtf8);
    return new Commit(kind, expectedVersion, new Decoded(utf8), utf8, head);
  }

  /**
   * The UTF-8 bytes of message {@code index}: those the core read it as, or its text encoded now.
   * The array must not be changed.
   */
  public byte[] utf8(int index) {
    return messagesUtf8.isEmpty()
        ? messages.get(index).getBytes(StandardCharsets.UTF_8)
        : messagesUtf8.get(index);
  }

  /** Equal when their texts are, whether given as text or as bytes. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Commit c
        && kind == c.kind
        && expectedVersion == c.expectedVersion
        && messages.equals(c.messages)
        && head.equals(c.head);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, expectedVersion, messages, head);
  }

  /**
   * Messages as the text of UTF-8 bytes no one changes: each decoded when first read (a backend
   * that writes bytes never reads them), then kept.
   */
  private static final class Decoded extends AbstractList<String> implements RandomAccess {
    private final List<byte[]> utf8;
    // Strings, immutable: a race only decodes one twice.
    private final String[] texts;

    Decoded(List<byte[]> utf8) {
      this.utf8 = utf8;
      this.texts = new String[utf8.size()];
    }

    @Override
    public String get(int index) {
      String text = texts[index];
      if (text == null) {
        byte[] bytes = utf8.get(index);
        text = Utf8Lines.strict(bytes, 0, bytes.length, index + 1);
        texts[index] = text;
      }
      return text;
    }

    @Override
    public int size() {
      return utf8.size();
    }
  }
}
