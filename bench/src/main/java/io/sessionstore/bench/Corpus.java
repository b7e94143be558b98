package io.sessionstore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.Message;
import io.sessionstore.tck.Fixtures;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Message bodies from the real Claude Code transcripts and stream-json output bundled with the
 * conformance kit (see its {@code fixtures/README.md} for their sources and licences), cycled
 * through in order to make sessions of any length. Every message handed out gets a uuid no other
 * message of the run has: the store skips a message whose uuid and bytes it already holds, and a
 * benchmark must measure stores, not skips.
 */
final class Corpus {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Where a line's API message and request ids end, marked in a template: each batch of messages
   * handed out makes them its own there, so that sessions never share an API message (real ones
   * share one only by copying history, which a usage report then reads whole to count once).
   */
  private static final String BATCH = "\u0001";

  /** API message and request ids, and the placeholders some fixtures have in their place. */
  private static final Pattern API_ID =
      Pattern.compile("\"((?:msg|req)_[0-9A-Za-z]+|<MESSAGE_ID>|<REQUEST_ID>)\"");

  /** A fixture line split around its top-level uuid value. */
  private record Template(String before, String after, boolean apiIds) {
    String with(String uuid, String ids) {
      String line = before + uuid + after;
      return apiIds ? line.replace(BATCH, ids) : line;
    }
  }

  private final List<Template> templates;
  private final long salt = System.nanoTime();

  /** This corpus's own start of API ids: two corpora writing to one store never share one. */
  private final String idPrefix = "_" + Long.toString(salt & 0xffffffL, 36) + "_";

  private long next;
  private long batches;

  private Corpus(List<Template> templates) {
    this.templates = templates;
  }

  static Corpus load() {
    List<Template> templates = new ArrayList<>();
    for (String file : Fixtures.jsonLinesFiles()) {
      for (String line : Fixtures.lines(file)) {
        templates.add(template(line));
      }
    }
    return new Corpus(List.copyOf(templates));
  }

  /** The next message of the cycle, with a fresh uuid and API ids of its own. */
  synchronized Message next() {
    return next(++batches);
  }

  /** The next messages of the cycle, as one session's: API ids shared among them only. */
  synchronized List<Message> next(int count) {
    long batch = ++batches;
    List<Message> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(next(batch));
    }
    return out;
  }

  private Message next(long batch) {
    Template t = templates.get((int) (next % templates.size()));
    // The round too: a batch longer than the cycle holds each line twice, as two API messages.
    String ids =
        idPrefix + Long.toString(batch, 36) + "_" + Long.toString(next / templates.size(), 36);
    return Message.of(t.with(new UUID(salt, next++).toString(), ids));
  }

  /**
   * The messages as JSON Lines, each line ended by a newline: what a plain write of them stores.
   */
  static byte[] lines(List<Message> messages) {
    StringBuilder sb = new StringBuilder();
    for (Message m : messages) {
      sb.append(m.json()).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static long bytes(List<Message> messages) {
    return messages.stream().mapToLong(Corpus::bytes).sum();
  }

  static long bytes(Message m) {
    return m.json().getBytes(StandardCharsets.UTF_8).length;
  }

  private static Template template(String line) {
    String[] around = aroundUuid(line);
    String before = API_ID.matcher(around[0]).replaceAll("\"$1" + BATCH + "\"");
    String after = API_ID.matcher(around[1]).replaceAll("\"$1" + BATCH + "\"");
    return new Template(before, after, !before.equals(around[0]) || !after.equals(around[1]));
  }

  /** The line before and after its top-level uuid value. */
  private static String[] aroundUuid(String line) {
    JsonNode tree;
    try {
      tree = JSON.readTree(line);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException("Cannot read fixture line: " + e.getMessage(), e);
    }
    JsonNode uuid = tree.get("uuid");
    if (uuid != null && uuid.isTextual()) {
      String field = "\"uuid\":\"" + uuid.asText() + "\"";
      int at = line.indexOf(field);
      if (at >= 0) {
        int value = at + "\"uuid\":\"".length();
        return new String[] {
          line.substring(0, value), line.substring(value + uuid.asText().length())
        };
      }
    }
    // No uuid written compactly at the top level: set one and write the line again (same content,
    // Jackson's spelling).
    String marker = "@@uuid@@";
    ((ObjectNode) tree).put("uuid", marker);
    String text = tree.toString();
    int at = text.indexOf(marker);
    return new String[] {text.substring(0, at), text.substring(at + marker.length())};
  }
}
