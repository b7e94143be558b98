package io.sessionstore.internal;

import io.sessionstore.api.Page;
import io.sessionstore.api.SearchPosition;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The store's search semantics, on metadata only: the filters, the order (updated time descending,
 * then project, then session id) and the paging: a page ends with a cursor naming its last item
 * ({@link SearchPosition}).
 */
public final class Search {
  public static final Comparator<SessionMetadata> ORDER =
      Comparator.comparing(SessionMetadata::updatedAt, Comparator.reverseOrder())
          .thenComparing(SessionMetadata::project)
          .thenComparing(SessionMetadata::sessionId);

  private Search() {}

  public static Page<SessionMetadata> run(Stream<SessionMetadata> sessions, SearchQuery query) {
    SearchPosition after = query.after();
    List<SessionMetadata> hits = new ArrayList<>();
    sessions
        .filter(m -> matches(m, query))
        .filter(m -> after == null || after.precedes(m))
        .forEach(hits::add);
    hits.sort(ORDER);
    return page(hits, query);
  }

  /**
   * As {@link #run}, for sessions that come in {@link #ORDER}: reads only as far as the page needs.
   *
   * @throws IllegalStateException when they do not come in that order (a backend's fault)
   */
  public static Page<SessionMetadata> runInOrder(
      Stream<SessionMetadata> sessions, SearchQuery query) {
    SearchPosition after = query.after();
    List<SessionMetadata> hits = new ArrayList<>();
    SessionMetadata previous = null;
    for (Iterator<SessionMetadata> it = sessions.iterator();
        hits.size() <= query.limit() && it.hasNext(); ) {
      SessionMetadata m = it.next();
      if (previous != null && ORDER.compare(previous, m) > 0) {
        throw new IllegalStateException(
            "The backend listed " + m.key() + " after " + previous.key() + ", out of order");
      }
      previous = m;
      if (matches(m, query) && (after == null || after.precedes(m))) {
        hits.add(m);
      }
    }
    return page(hits, query);
  }

  /**
   * The page of a query from its matches after {@link SearchQuery#after()}, in order: the first
   * {@code limit}, and a cursor naming the last of them when more follow.
   */
  public static Page<SessionMetadata> page(List<SessionMetadata> hits, SearchQuery query) {
    if (hits.size() <= query.limit()) {
      return new Page<>(hits, null);
    }
    List<SessionMetadata> page = hits.subList(0, query.limit());
    return new Page<>(page, SearchPosition.of(page.get(page.size() - 1)).toCursor());
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
    if (q.activeAfter() != null && m.lastActivityAt().isBefore(q.activeAfter())) {
      return false;
    }
    if (q.activeBefore() != null && !m.lastActivityAt().isBefore(q.activeBefore())) {
      return false;
    }
    if (q.minCost() != null && m.totalCostUsd().compareTo(q.minCost()) < 0) {
      return false;
    }
    if (q.maxCost() != null && m.totalCostUsd().compareTo(q.maxCost()) > 0) {
      return false;
    }
    if (q.minTokens() != null || q.maxTokens() != null) {
      if (m.usage() == null) {
        return false;
      }
      long tokens = m.usage().totalTokens();
      if ((q.minTokens() != null && tokens < q.minTokens())
          || (q.maxTokens() != null && tokens > q.maxTokens())) {
        return false;
      }
    }
    return q.text() == null
        || q.text().isEmpty()
        || containsText(m, q.text().toLowerCase(Locale.ROOT));
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
}
