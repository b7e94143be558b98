package io.sessionstore.backend.s3;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.spi.HeadCodec;
import io.sessionstore.spi.JsonStreams;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.Utf8Lines;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One commit of a transcript, as stored in its create-only marker object: one line of control data
 * (what kind of commit, the head after it, the part that holds its messages in the SDK's layout,
 * where the current generation of messages starts). Creating it is the commit point. Its messages
 * are in its part only, written right after the marker: a reader that finds the part missing waits
 * for it and, when the writer is dead, drops the commit (see {@code CommitCompletion}). Markers of
 * the first layout version also carried the messages after the control line ({@code inline}); they
 * are still read.
 *
 * @param kind APPEND, REPLACE, METADATA, ADOPT, VOID or DELETE
 * @param base the marker number before this life of the transcript began (the last delete), so that
 *     the head's version {@code v} is marker {@code base + v}
 * @param genStart the marker number where the current generation of messages starts
 * @param firstPart the name of the current generation's first part, or null while it has none
 * @param part the name of the part holding this commit's messages, or null
 * @param partTime the time of the transcript's latest part (this one's, or an earlier one's)
 * @param lastPart the name of the transcript's latest part (this one, an earlier one, or an adopted
 *     one), or null
 * @param head the head after this commit, or null for a delete
 * @param count how many messages this commit added
 * @param bytes the size of this commit's part
 * @param messages this commit's messages: those being written, or those an inline marker carries
 * @param inline whether the marker itself carries the messages (the first layout version)
 * @param generation what the current generation's parts hold after this commit (unknown for markers
 *     of the first layout version), which tells when to compact them
 * @param id a random number naming this commit
 * @param prev the id of the commit this one was built on (0 for none)
 */
record Marker(
    String kind,
    long base,
    long genStart,
    String firstPart,
    String part,
    long partTime,
    String lastPart,
    StoredHead head,
    long count,
    long bytes,
    List<String> messages,
    boolean inline,
    Generation generation,
    long id,
    long prev) {

  /**
   * The current generation's parts: how many, their bytes, the bytes of the first when a compaction
   * made it, and the number of the marker that made it (0: none did).
   */
  record Generation(long parts, long bytes, long compactedBytes, long compactedAt) {
    static final Generation NONE = new Generation(0, 0, 0, 0);

    /** The generation after a commit that adds a part of {@code bytes}. */
    Generation plus(long bytes) {
      return new Generation(parts + 1, this.bytes + bytes, compactedBytes, compactedAt);
    }

    /** The generation after one that adds {@code count} parts of {@code bytes} in all. */
    Generation plus(long count, long bytes) {
      return new Generation(parts + count, this.bytes + bytes, compactedBytes, compactedAt);
    }
  }

  static long newId() {
    return java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
  }

  /** A commit of this layout version: its messages go to its part only. */
  static Marker of(
      String kind,
      long base,
      long genStart,
      String firstPart,
      String part,
      long partTime,
      String lastPart,
      StoredHead head,
      List<String> messages,
      long prev) {
    long bytes = 0;
    for (String m : messages) {
      bytes += m.getBytes(StandardCharsets.UTF_8).length + 1;
    }
    return new Marker(
        kind,
        base,
        genStart,
        firstPart,
        part,
        partTime,
        lastPart,
        head,
        messages.size(),
        bytes,
        messages,
        false,
        Generation.NONE,
        newId(),
        prev);
  }

  Marker with(Generation g) {
    return new Marker(
        kind, base, genStart, firstPart, part, partTime, lastPart, head, count, bytes, messages,
        inline, g, id, prev);
  }

  /** The same commit carrying its messages, as markers of the first layout version do. */
  Marker inlined() {
    return new Marker(
        kind,
        base,
        genStart,
        firstPart,
        part,
        partTime,
        lastPart,
        head,
        count,
        bytes,
        messages,
        true,
        generation,
        id,
        prev);
  }

  Marker withoutMessages() {
    return new Marker(
        kind,
        base,
        genStart,
        firstPart,
        part,
        partTime,
        lastPart,
        head,
        count,
        bytes,
        List.of(),
        inline,
        generation,
        id,
        prev);
  }

  /**
   * The marker's bytes (the core makes heads that always read back: its derived values are
   * bounded).
   */
  byte[] encode() {
    StringWriter control = new StringWriter(512);
    try (JsonGenerator g = JsonStreams.generator(control)) {
      g.writeStartObject();
      g.writeStringField("kind", kind);
      g.writeNumberField("base", base);
      g.writeNumberField("genStart", genStart);
      g.writeStringField("firstPart", firstPart);
      g.writeStringField("part", part);
      g.writeNumberField("partTime", partTime);
      g.writeStringField("lastPart", lastPart);
      g.writeNumberField("count", count);
      g.writeNumberField("bytes", bytes);
      g.writeBooleanField("inline", inline);
      g.writeNumberField("genParts", generation.parts());
      g.writeNumberField("genBytes", generation.bytes());
      g.writeNumberField("compactedBytes", generation.compactedBytes());
      g.writeNumberField("compactedAt", generation.compactedAt());
      g.writeNumberField("id", id);
      g.writeNumberField("prev", prev);
      if (head != null) {
        g.writeFieldName("head");
        g.writeRawValue(HeadCodec.encode(head));
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder out = new StringBuilder(control.toString()).append('\n');
    if (inline) {
      for (String m : messages) {
        out.append(m).append('\n');
      }
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The messages of a part: the same lines. */
  byte[] partBody() {
    StringBuilder out = new StringBuilder();
    for (String m : messages) {
      out.append(m).append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  boolean isDelete() {
    return kind.equals("DELETE");
  }

  /** A marker's control data alone, from its first line. */
  static Marker control(String firstLine, String where) {
    return decode(
        new java.io.ByteArrayInputStream((firstLine + "\n").getBytes(StandardCharsets.UTF_8)),
        false,
        where);
  }

  /**
   * Reads a marker; with {@code withMessages} false only its control line is read.
   *
   * @throws BackendUnavailableException when it cannot be read, or naming the object when it cannot
   *     be decoded
   */
  static Marker decode(InputStream in, boolean withMessages, String where) {
    try (InputStream stream = in) {
      // Lines end at '\n' only: a message may hold a lone '\r' between its tokens.
      Utf8Lines r = new Utf8Lines(stream, false);
      String first = r.next();
      if (first == null) {
        throw damaged(where, "it is empty");
      }
      JsonNode c = read(first, where);
      // Markers of the first layout version carry their messages and have no "inline" field.
      boolean inline = c.path("inline").asBoolean(true);
      List<String> messages = new ArrayList<>();
      if (withMessages && inline) {
        int count = c.path("count").asInt();
        for (int i = 0; i < count; i++) {
          String line = r.next();
          if (line == null) {
            throw damaged(where, "it holds fewer messages than it says");
          }
          messages.add(line);
        }
      }
      StoredHead head;
      try {
        head = c.hasNonNull("head") ? HeadCodec.decode(c.get("head").toString()) : null;
      } catch (BackendUnavailableException e) {
        throw damaged(where, e.getMessage());
      }
      return new Marker(
          c.path("kind").asText(),
          c.path("base").asLong(),
          c.path("genStart").asLong(),
          c.hasNonNull("firstPart") ? c.get("firstPart").asText() : null,
          c.hasNonNull("part") ? c.get("part").asText() : null,
          c.path("partTime").asLong(),
          c.hasNonNull("lastPart") ? c.get("lastPart").asText() : null,
          head,
          c.path("count").asLong(),
          c.path("bytes").asLong(),
          messages,
          inline,
          new Generation(
              c.path("genParts").asLong(),
              c.path("genBytes").asLong(),
              c.path("compactedBytes").asLong(),
              c.path("compactedAt").asLong()),
          c.path("id").asLong(),
          c.path("prev").asLong());
    } catch (IOException e) {
      throw new BackendUnavailableException(
          "Cannot read commit marker " + where + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode read(String json, String where) {
    try {
      return JsonStreams.readTree(json);
    } catch (IOException e) {
      throw damaged(where, e.getMessage());
    }
  }

  /**
   * A marker this version cannot decode: one line that says retrying will not help and what will.
   * It blocks only its own transcript (listings read the index, not markers), since skipping it
   * would silently drop or reorder a commit that readers may already have seen.
   */
  private static BackendUnavailableException damaged(String where, String why) {
    return new BackendUnavailableException(
        "Damaged commit marker "
            + where
            + " ("
            + why.lines().findFirst().orElse("")
            + "): its transcript cannot be read or written, and retrying will not help; remove that "
            + "object to drop its commit");
  }
}
