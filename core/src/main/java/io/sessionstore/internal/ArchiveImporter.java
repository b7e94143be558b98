package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Reads an archive and merges each session into the store (CONTRACTS §7): a new session is created with the
 * archive's timestamps; a stored one whose messages are a prefix of the archive's gets the rest appended as it is;
 * one that already holds the archive's messages is unchanged; otherwise it has diverged and is left alone unless
 * replacing was asked for. Every line is validated whole before anything of it is written.
 */
final class ArchiveImporter {
  private final DefaultSessionStore store;
  private final StorageBackend backend;

  ArchiveImporter(DefaultSessionStore store, StorageBackend backend) {
    this.store = store;
    this.backend = backend;
  }

  /** One session line of an archive, validated. */
  private record Archived(SessionMetadata metadata, List<MessageFacts> messages,
      Map<String, List<MessageFacts>> subpaths) {}

  private enum Outcome { CREATED, EXTENDED, UNCHANGED, REPLACED, DIVERGED }

  ImportResult read(InputStream raw, ImportOptions options) {
    Utf8Lines lines = new Utf8Lines(decompressed(raw));
    String header;
    try {
      header = lines.next();
    } catch (InvalidInputException e) {
      throw new InvalidInputException("Invalid archive: its first line is not valid UTF-8");
    }
    checkHeader(header);
    long created = 0;
    long extended = 0;
    long unchanged = 0;
    long replaced = 0;
    long messages = 0;
    List<SessionKey> diverged = new ArrayList<>();
    List<ImportResult.Rejection> rejected = new ArrayList<>();
    while (true) {
      Archived session;
      long number;
      try {
        String line = lines.next();
        number = lines.number();
        if (line == null) {
          break;
        }
        if (line.isBlank()) {
          continue;
        }
        session = parse(line);
      } catch (InvalidInputException e) {
        rejected.add(new ImportResult.Rejection(lines.number(), e.getMessage()));
        continue;
      }
      options.progress().progress(number, -1);
      long before = stored;
      Outcome outcome = merge(session, options);
      messages += stored - before;
      switch (outcome) {
        case CREATED -> created++;
        case EXTENDED -> extended++;
        case UNCHANGED -> unchanged++;
        case REPLACED -> replaced++;
        case DIVERGED -> diverged.add(session.metadata().key());
      }
    }
    return new ImportResult(created, extended, unchanged, replaced, diverged, messages, rejected);
  }

  private long stored;

  private Outcome merge(Archived session, ImportOptions options) {
    SessionKey key = session.metadata().key();
    Outcome outcome = mergeTranscript(key, session.messages(), session.metadata(), options);
    if (outcome == Outcome.DIVERGED) {
      return outcome;
    }
    boolean subsChanged = false;
    for (Map.Entry<String, List<MessageFacts>> sub : session.subpaths().entrySet()) {
      SessionMetadata subMetadata = new SessionMetadata(key.project(), key.sessionId(),
          session.metadata().createdAt(), session.metadata().updatedAt(), 0, BigDecimal.ZERO, 0, List.of(), null,
          Map.of(), List.of(), 0);
      Outcome o = mergeTranscript(key.withSubpath(sub.getKey()), sub.getValue(), subMetadata, options);
      subsChanged |= o != Outcome.UNCHANGED;
    }
    return outcome == Outcome.UNCHANGED && subsChanged ? Outcome.EXTENDED : outcome;
  }

  private Outcome mergeTranscript(SessionKey key, List<MessageFacts> archived, SessionMetadata metadata,
      ImportOptions options) {
    for (int attempt = 0; ; attempt++) {
      try {
        Optional<StoredHead> current = backend.head(key);
        if (current.isEmpty()) {
          store.importReplace(key, null, archived, metadata);
          stored += archived.size();
          return Outcome.CREATED;
        }
        List<String> have;
        try (Stream<String> s = backend.messages(current.get(), 0)) {
          have = s.toList();
        }
        if (isPrefix(have, archived)) {
          List<MessageFacts> tail = archived.subList(have.size(), archived.size());
          store.importExtend(current.get(), tail, metadata);
          stored += tail.size();
          return tail.isEmpty() ? Outcome.UNCHANGED : Outcome.EXTENDED;
        }
        if (archived.size() < have.size() && isPrefixOf(archived, have)) {
          store.importExtend(current.get(), List.of(), metadata);
          return Outcome.UNCHANGED;
        }
        if (!options.replace()) {
          return Outcome.DIVERGED;
        }
        store.importReplace(key, current.get(), archived, metadata);
        stored += archived.size();
        return Outcome.REPLACED;
      } catch (ConflictException e) {
        // Another writer changed the session between our read and our write: merge again from what is stored now.
        if (attempt >= 20) {
          throw e;
        }
      }
    }
  }

  private static boolean isPrefix(List<String> stored, List<MessageFacts> archived) {
    if (stored.size() > archived.size()) {
      return false;
    }
    for (int i = 0; i < stored.size(); i++) {
      if (!stored.get(i).equals(archived.get(i).text())) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPrefixOf(List<MessageFacts> archived, List<String> stored) {
    for (int i = 0; i < archived.size(); i++) {
      if (!archived.get(i).text().equals(stored.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static InputStream decompressed(InputStream raw) {
    try {
      BufferedInputStream in = new BufferedInputStream(raw);
      in.mark(2);
      int b1 = in.read();
      int b2 = in.read();
      in.reset();
      return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 64 * 1024) : in;
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot read the archive: " + e.getMessage(), e);
    }
  }

  private static void checkHeader(String header) {
    if (header == null) {
      throw new InvalidInputException("Invalid archive: it is empty (expected a header line "
          + "{\"format\":\"sessionstore-archive\",\"version\":1})");
    }
    JsonNode h;
    try {
      h = Json.MAPPER.readTree(header);
    } catch (JsonProcessingException e) {
      h = null;
    }
    if (h == null || !h.isObject() || !ArchiveWriter.FORMAT.equals(h.path("format").asText(null))) {
      throw new InvalidInputException("Invalid archive: the first line is not a sessionstore archive header "
          + "{\"format\":\"sessionstore-archive\",\"version\":1}");
    }
    JsonNode version = h.get("version");
    if (version == null || !version.isIntegralNumber()) {
      throw new InvalidInputException("Invalid archive: its header has no integer version");
    }
    if (version.asLong() > ArchiveWriter.VERSION || version.asLong() < 1) {
      throw new InvalidInputException("Cannot import archive version " + version.asLong()
          + ": this sessionstore reads version " + ArchiveWriter.VERSION + " (upgrade sessionstore to import it)");
    }
  }

  /** Parses one session line, keeping each message's exact source text. */
  private Archived parse(String line) {
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    List<MessageFacts> messages = List.of();
    Map<String, List<MessageFacts>> subpaths = new LinkedHashMap<>();
    try (JsonParser p = Json.parser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("messages")) {
          messages = messageArray(p, line, "messages");
        } else if (name.equals("subpaths") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String sub = p.currentName();
            p.nextToken();
            subpaths.put(sub, messageArray(p, line, "subpath '" + sub + "'"));
          }
        } else {
          fields.put(name, Json.readValue(p));
        }
      }
      if (p.nextToken() != null) {
        throw new InvalidInputException("unexpected text after the session object");
      }
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("not valid JSON (" + Json.describe(e) + ")");
    } catch (IOException e) {
      throw new InvalidInputException("unreadable (" + e.getMessage() + ")");
    }
    JsonNode node = Json.MAPPER.valueToTree(fields);
    JsonNode project = node.get("project");
    String projectName = project == null || project.isNull() ? store.defaultProject() : project.asText();
    if (!node.path("sessionId").isTextual()) {
      throw new InvalidInputException("'sessionId' is missing or not a string");
    }
    SessionKey key = SessionKey.of(projectName, node.get("sessionId").textValue());
    Instant createdAt = MetadataJson.instant(node, "createdAt");
    Instant updatedAt = MetadataJson.instant(node, "updatedAt");
    List<String> tags = MetadataJson.strings(node.get("tags"));
    String summary = node.hasNonNull("summary") ? node.get("summary").asText() : null;
    Map<String, String> attributes = MetadataJson.stringMap(node.get("attributes"));
    // Validate user fields the same way the API does.
    new io.sessionstore.api.SaveOptions(java.util.Set.copyOf(tags), summary, attributes, null);
    for (String sub : subpaths.keySet()) {
      key.withSubpath(sub);
    }
    SessionMetadata metadata = new SessionMetadata(key.project(), key.sessionId(), createdAt,
        updatedAt.isBefore(createdAt) ? createdAt : updatedAt, 0, BigDecimal.ZERO, 0, tags, summary, attributes,
        List.of(), 0);
    return new Archived(metadata, messages, subpaths);
  }

  private static List<MessageFacts> messageArray(JsonParser p, String line, String what) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return List.of();
    }
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new InvalidInputException("'" + what + "' is not an array");
    }
    List<MessageFacts> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException("message " + (out.size() + 1) + " of " + what + " is not a JSON object");
      }
      int start = (int) p.currentTokenLocation().getCharOffset();
      p.skipChildren();
      int end = (int) p.currentLocation().getCharOffset();
      out.add(MessageFacts.of(line.substring(start, end), "message " + (out.size() + 1) + " of " + what));
    }
    return out;
  }
}
