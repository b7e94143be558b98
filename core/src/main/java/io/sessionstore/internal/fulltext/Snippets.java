package io.sessionstore.internal.fulltext;

import io.sessionstore.api.TextMatch;
import java.io.IOException;
import java.text.BreakIterator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.uhighlight.DefaultPassageFormatter;
import org.apache.lucene.search.uhighlight.LengthGoalBreakIterator;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;

/**
 * The passage of each matched message that shows why it matched: about {@value #LENGTH} characters
 * around the best match, matched words marked, the text as it is in the message (whitespace runs
 * folded). The words' offsets come from the index, so no message is analysed again.
 */
final class Snippets {
  static final int LENGTH = 200;

  private final IndexSearcher searcher;
  private final Query query;

  Snippets(IndexSearcher searcher, Query query) {
    this.searcher = searcher;
    this.query = query;
  }

  /** The snippet of each document. */
  Map<Integer, String> of(List<Integer> docs) throws IOException {
    int[] ids = docs.stream().mapToInt(Integer::intValue).toArray();
    UnifiedHighlighter highlighter =
        UnifiedHighlighter.builder(searcher, TextAnalysis.INDEX)
            .withBreakIterator(
                () ->
                    LengthGoalBreakIterator.createClosestToLength(
                        BreakIterator.getSentenceInstance(Locale.ROOT), LENGTH, 0.5f))
            .withFormatter(
                new DefaultPassageFormatter(TextMatch.MARK_START, TextMatch.MARK_END, " … ", false))
            .withMaxLength(Integer.MAX_VALUE - 1)
            .build();
    String[] marked =
        highlighter
            .highlightFields(new String[] {TextIndex.TEXT}, query, ids, new int[] {1})
            .get(TextIndex.TEXT);
    Map<Integer, String> snippets = new HashMap<>();
    for (int i = 0; i < ids.length; i++) {
      // A message matched by a field alone (tool:Bash) has no words to mark: its opening passage.
      String snippet = marked == null || marked[i] == null ? "" : marked[i];
      snippets.put(ids[i], snippet.replaceAll("\\s+", " ").strip());
    }
    return snippets;
  }
}
