package io.sessionstore.server;

import io.sessionstore.api.Page;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionHit;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.TextMatch;
import java.time.Instant;
import java.util.List;

/**
 * The search box: the one place that turns what a person typed into sessions with snippets. A query
 * is the store's full-text search ({@link SessionStore#searchText}, Lucene's syntax: words,
 * "phrases", AND/OR/NOT, prefix*, role:, tool:, subagent:) combined with the page's filters, best
 * match first; without one, the filtered sessions, newest first.
 */
final class TextSearch {
  /** One match of a session: where it is and a snippet whose matched words are marked «so». */
  record Match(String subpath, Long messageIndex, String role, Instant timestamp, String snippet) {}

  /** A session found, with its matches (best first). */
  record Hit(SessionMetadata metadata, List<Match> matches) {
    Hit {
      matches = List.copyOf(matches);
    }
  }

  private final SessionStore store;

  TextSearch(SessionStore store) {
    this.store = store;
  }

  /**
   * One page of the sessions that match {@code text} and the filters of {@code filters} (whose
   * limit and cursor say which page).
   *
   * @throws io.sessionstore.api.InvalidInputException when the query does not parse
   */
  Page<Hit> find(SearchQuery filters, String text) {
    if (text == null || text.isBlank()) {
      Page<SessionMetadata> page = store.search(filters);
      return new Page<>(
          page.items().stream().map(m -> new Hit(m, List.of())).toList(), page.nextCursor());
    }
    Page<SessionHit> page = store.searchText(filters.toBuilder().matching(text).build());
    return new Page<>(
        page.items().stream()
            .map(h -> new Hit(h.metadata(), h.matches().stream().map(TextSearch::match).toList()))
            .toList(),
        page.nextCursor());
  }

  private static Match match(TextMatch m) {
    return new Match(m.subpath(), m.messageIndex(), m.role(), m.timestamp(), m.snippet());
  }
}
