package io.sessionstore.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Page;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The store's search semantics, on metadata only: the filters, the order (updated time descending, then project,
 * then session id) and the keyset cursor, which names the last item returned so that sessions added meanwhile
 * neither repeat nor push others out of the next page.
 */
public final class Search {
  public static final Comparator<SessionMetadata> ORDER = Comparator
      .comparing(SessionMetadata::updatedAt, Comparator.reverseOrder())
      .thenComparing(SessionMetadata::project)
      .thenComparing(SessionMetadata::sessionId);

  private Search() {}

  public static Page<SessionMetadata> run(Stream<SessionMetadata> sessions, SearchQuery query) {
    Cursor after = query.cursor() == null ? null : Cursor.decode(query.cursor());
    List<SessionMetadata> hits = new ArrayList<>();
    sessions.filter(m -> matches(m, query))
        .filter(m -> after == null || ORDER.compare(m, after.position()) > 0)
        .forEach(hits::add);
    hits.sort(ORDER);
    if (hits.size() <= query.limit()) {
      return new Page<>(hits, null);
    }
    List<SessionMetadata> page = hits.subList(0, query.limit());
    return new Page<>(page, Cursor.of(page.get(page.size() - 1)).encode());
  }

  public static boolean matches(SessionMetadata m, SearchQuery q) {
    if (!q.scope().includes(m.project())) {
      return false;
    }
    if (!m.tags().containsAll(q.tags())) {
      return false;
    }
    if (!q.anyTags().isEmpty() && q.anyTags().stream().noneMatch(m.tags()::contains)) {
      return false;
    }
    if (q.createdAfter() != null && m.createdAt().isBefore(q.createdAfter())) {
      return false;
    }
    if (q.createdBefore() != null && !m.createdAt().isBefore(q.createdBefore())) {
      return false;
    }
    if (q.updatedAfter() != null && m.updatedAt().isBefore(q.updatedAfter())) {
      return false;
    }
    if (q.updatedBefore() != null && !m.updatedAt().isBefore(q.updatedBefore())) {
      return false;
    }
    if (q.minCost() != null && m.totalCostUsd().compareTo(q.minCost()) < 0) {
      return false;
    }
    if (q.maxCost() != null && m.totalCostUsd().compareTo(q.maxCost()) > 0) {
      return false;
    }
    return q.text() == null || q.text().isEmpty() || containsText(m, q.text().toLowerCase(Locale.ROOT));
  }

  private static boolean containsText(SessionMetadata m, String needle) {
    if (m.summary() != null && m.summary().toLowerCase(Locale.ROOT).contains(needle)) {
      return true;
    }
    for (String tag : m.tags()) {
      if (tag.toLowerCase(Locale.ROOT).contains(needle)) {
        return true;
      }
    }
    for (String value : m.attributes().values()) {
      if (value.toLowerCase(Locale.ROOT).contains(needle)) {
        return true;
      }
    }
    return false;
  }

  /** A position in the search order: the last item of a page. Backends with native search may use it too. */
  public record Cursor(Instant updatedAt, String project, String sessionId) {
    public static Cursor of(SessionMetadata m) {
      return new Cursor(m.updatedAt(), m.project(), m.sessionId());
    }

    public String encode() {
      ArrayNode a = Json.MAPPER.createArrayNode().add(updatedAt.toString()).add(project).add(sessionId);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(a.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static Cursor decode(String cursor) {
      try {
        JsonNode a = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(cursor));
        if (a != null && a.isArray() && a.size() == 3) {
          return new Cursor(Instant.parse(a.get(0).asText()), a.get(1).asText(), a.get(2).asText());
        }
      } catch (IllegalArgumentException | JsonProcessingException | java.time.DateTimeException e) {
        // reported below
      } catch (java.io.IOException e) {
        // reported below
      }
      throw new InvalidInputException("Invalid cursor '" + cursor + "': pass the cursor a previous page returned");
    }

    /** A metadata value at this position, for comparisons in the search order. */
    SessionMetadata position() {
      return SessionMetadata.of(io.sessionstore.api.SessionKey.of(project, sessionId), updatedAt);
    }
  }
}
