package io.sessionstore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionstore.api.Message;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The plan's naive design, as a reference point: one JSON file per session, decoded and rewritten
 * whole (temporary file, fsync, rename) on every save or append; search reads and decodes every
 * file.
 */
final class NaiveStore {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A session file's content; times in epoch milliseconds. */
  record Session(
      String id, long createdAt, long updatedAt, List<String> tags, List<JsonNode> messages) {}

  private final Path dir;

  NaiveStore(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  void save(String id, List<Message> messages, List<String> tags, Instant now) throws IOException {
    List<JsonNode> trees = new ArrayList<>(messages.size());
    for (Message m : messages) {
      trees.add(JSON.readTree(m.json()));
    }
    write(new Session(id, now.toEpochMilli(), now.toEpochMilli(), tags, trees));
  }

  void append(String id, Message message, Instant now) throws IOException {
    Session old = load(id);
    List<JsonNode> messages = new ArrayList<>(old == null ? List.of() : old.messages());
    messages.add(JSON.readTree(message.json()));
    write(
        new Session(
            id,
            old == null ? now.toEpochMilli() : old.createdAt(),
            now.toEpochMilli(),
            old == null ? List.of() : old.tags(),
            messages));
  }

  Session load(String id) throws IOException {
    Path file = dir.resolve(id + ".json");
    return Files.exists(file) ? JSON.readValue(file.toFile(), Session.class) : null;
  }

  /** The newest sessions that match, by decoding every file. */
  List<Session> search(Predicate<Session> filter, int limit) throws IOException {
    List<Session> hits = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().endsWith(".json")) {
          Session s = JSON.readValue(f.toFile(), Session.class);
          if (filter.test(s)) {
            hits.add(s);
          }
        }
      }
    }
    hits.sort(Comparator.comparingLong(Session::updatedAt).reversed().thenComparing(Session::id));
    return hits.subList(0, Math.min(limit, hits.size()));
  }

  private void write(Session s) throws IOException {
    Path tmp = dir.resolve(s.id() + ".json.tmp");
    Files.write(tmp, JSON.writeValueAsBytes(s));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(
        tmp,
        dir.resolve(s.id() + ".json"),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
