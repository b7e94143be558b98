package io.sessionstore.server;

import io.sessionstore.api.Page;
import io.sessionstore.api.SearchPosition;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The search box: the one place that turns what a person typed into sessions with snippets.
 *
 * <p><b>For now</b> it searches metadata (summary, tags, attribute values) through {@link
 * SearchQuery#text()}: the words of the query (quotes and the operators of Lucene's syntax dropped)
 * must all occur, in any order, case-insensitively; the store is asked for the longest word and the
 * others are checked here. The snippet is the summary with the words marked. <b>When full-text
 * search lands</b> ({@code SessionStore.searchText(SearchQuery)} with {@code
 * SearchQuery.Builder.matching(String)}), {@link #find} becomes one call of it, its {@code
 * SessionHit}s mapped to {@link Hit}s; nothing else in the browser changes.
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

  /** Store pages read at most to fill one page of hits that are checked here. */
  private static final int MAX_STORE_PAGES = 20;

  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}_.-]*");
  private static final List<String> OPERATORS = List.of("AND", "OR", "NOT");

  private final SessionStore store;

  TextSearch(SessionStore store) {
    this.store = store;
  }

  /**
   * One page of the sessions that match {@code text} and the filters of {@code filters} (whose
   * limit and cursor say which page).
   */
  Page<Hit> find(SearchQuery filters, String text) {
    List<String> words = words(text);
    if (words.isEmpty()) {
      Page<SessionMetadata> page = store.search(filters);
      return new Page<>(
          page.items().stream().map(m -> new Hit(m, List.of())).toList(), page.nextCursor());
    }
    String longest = words.stream().max(Comparator.comparingInt(String::length)).orElseThrow();
    SearchQuery q = filters.toBuilder().text(longest).build();
    List<Hit> hits = new ArrayList<>();
    String cursor = q.cursor();
    for (int i = 0; i < MAX_STORE_PAGES && hits.size() < q.limit(); i++) {
      Page<SessionMetadata> page = store.search(q.toBuilder().cursor(cursor).build());
      for (SessionMetadata m : page.items()) {
        if (hits.size() < q.limit() && matchesAll(m, words)) {
          hits.add(new Hit(m, List.of(new Match(null, null, null, null, mark(m, words)))));
        }
      }
      cursor = page.nextCursor();
      if (cursor == null) {
        break;
      }
    }
    if (hits.size() >= q.limit()) {
      // The page may end inside a store page: the next one starts after its last hit.
      cursor = SearchPosition.of(hits.get(hits.size() - 1).metadata()).toCursor();
    }
    return new Page<>(hits, cursor);
  }

  /** The words of a query, without quotes, operators and field names. */
  static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    if (text == null) {
      return words;
    }
    Matcher m = WORD.matcher(text.replaceAll("\\b[a-zA-Z]+:", " "));
    while (m.find()) {
      String w = m.group();
      if (!OPERATORS.contains(w)) {
        words.add(w.toLowerCase(Locale.ROOT));
      }
    }
    return words;
  }

  private static boolean matchesAll(SessionMetadata m, List<String> words) {
    String hay = haystack(m);
    return words.stream().allMatch(hay::contains);
  }

  private static String haystack(SessionMetadata m) {
    StringBuilder b = new StringBuilder();
    if (m.summary() != null) {
      b.append(m.summary()).append('\n');
    }
    m.tags().forEach(t -> b.append(t).append('\n'));
    m.attributes().values().forEach(v -> b.append(v).append('\n'));
    return b.toString().toLowerCase(Locale.ROOT);
  }

  /** The summary (else the first tag or attribute that matched) with the words marked. */
  private static String mark(SessionMetadata m, List<String> words) {
    String source = m.summary() != null ? m.summary() : haystack(m).strip();
    String lower = source.toLowerCase(Locale.ROOT);
    boolean[] marked = new boolean[source.length()];
    for (String w : words) {
      for (int i = lower.indexOf(w); i >= 0; i = lower.indexOf(w, i + 1)) {
        for (int j = i; j < i + w.length() && j < marked.length; j++) {
          marked[j] = true;
        }
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < source.length(); i++) {
      if (marked[i] && (i == 0 || !marked[i - 1])) {
        out.append(Html.MARK_OPEN);
      }
      char c = source.charAt(i);
      if (c != Html.MARK_OPEN && c != Html.MARK_CLOSE) {
        out.append(c);
      }
      if (marked[i] && (i + 1 == source.length() || !marked[i + 1])) {
        out.append(Html.MARK_CLOSE);
      }
    }
    return out.toString();
  }
}
