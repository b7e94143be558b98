package io.sessionstore.internal.fulltext;

import io.sessionstore.api.TextMatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.BreakIterator;
import java.util.Locale;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.uhighlight.DefaultPassageFormatter;
import org.apache.lucene.search.uhighlight.LengthGoalBreakIterator;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;

/**
 * The passage of a message that shows why it matched: about {@value #LENGTH} characters around the
 * best match, matched words marked, the text as it is in the message (whitespace runs folded).
 */
final class Snippets {
  static final int LENGTH = 200;

  private final Query query;
  private final UnifiedHighlighter highlighter;

  Snippets(Query query) {
    this.query = query;
    this.highlighter =
        UnifiedHighlighter.builderWithoutSearcher(TextAnalysis.INDEX)
            .withBreakIterator(
                () ->
                    LengthGoalBreakIterator.createClosestToLength(
                        BreakIterator.getSentenceInstance(Locale.ROOT), LENGTH, 0.5f))
            .withFormatter(
                new DefaultPassageFormatter(TextMatch.MARK_START, TextMatch.MARK_END, " … ", false))
            .withMaxLength(Integer.MAX_VALUE - 1)
            .build();
  }

  String of(String text) {
    if (text == null) {
      return "";
    }
    Object marked;
    try {
      marked = highlighter.highlightWithoutSearcher(TextIndex.TEXT, query, text, 1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String snippet =
        marked != null
            ? marked.toString()
            : text.substring(0, Math.min(text.length(), LENGTH))
                + (text.length() > LENGTH ? "…" : "");
    return snippet.replaceAll("\\s+", " ").strip();
  }
}
