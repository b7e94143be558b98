package io.sessionstore.internal.fulltext;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.DelegatingAnalyzerWrapper;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;

/**
 * How message text becomes terms.
 *
 * <p>Words are cut by Unicode's rules (UAX #29, Lucene's {@link StandardTokenizer}): that handles
 * every script sensibly without knowing the language (Chinese and Japanese by character), keeps
 * {@code read_file}, {@code App.java} and {@code getUserName} whole and splits paths and URLs at
 * their slashes. Terms are lower-cased and, beside the original, indexed without accents ({@code
 * café} is also {@code cafe}). Code identifiers are also indexed by their parts, at the
 * identifier's own position ({@code getUserName} is also {@code get}, {@code user}, {@code name};
 * {@code base64encoded} also {@code base}, {@code 64}, {@code encoded}): a search for a part finds
 * the identifier, and phrases around the identifier still see one word. No stemming: transcripts
 * mix languages and code, where stemming English would merge names that differ; {@code prefix*}
 * covers word endings.
 */
final class TextAnalysis {
  private TextAnalysis() {}

  /** Analyses message text when it is indexed (and when a snippet is cut from it). */
  static final Analyzer INDEX = new TextAnalyzer(true);

  /**
   * Analyses queries: the text field as indexed but without identifier parts (a query word matches
   * an identifier or one of its parts as it was written), the keyword fields lower-cased whole.
   */
  static final Analyzer QUERY = new QueryAnalyzer();

  private static final class TextAnalyzer extends Analyzer {
    private final boolean parts;

    TextAnalyzer(boolean parts) {
      this.parts = parts;
    }

    @Override
    protected TokenStreamComponents createComponents(String field) {
      StandardTokenizer words = new StandardTokenizer();
      words.setMaxTokenLength(255);
      TokenStream s = parts ? new IdentifierParts(words) : words;
      s = new LowerCaseFilter(s);
      s = new ASCIIFoldingFilter(s, parts);
      return new TokenStreamComponents(words, s);
    }

    @Override
    protected TokenStream normalize(String field, TokenStream in) {
      return new ASCIIFoldingFilter(new LowerCaseFilter(in), false);
    }
  }

  private static final class KeywordAnalyzer extends Analyzer {
    @Override
    protected TokenStreamComponents createComponents(String field) {
      Tokenizer whole = new KeywordTokenizer();
      return new TokenStreamComponents(whole, new LowerCaseFilter(whole));
    }

    @Override
    protected TokenStream normalize(String field, TokenStream in) {
      return new LowerCaseFilter(in);
    }
  }

  private static final class QueryAnalyzer extends DelegatingAnalyzerWrapper {
    private final Analyzer text = new TextAnalyzer(false);
    private final Analyzer keyword = new KeywordAnalyzer();
    private final Map<String, Analyzer> byField =
        Map.of(
            TextIndex.ROLE, keyword,
            TextIndex.KIND, keyword,
            TextIndex.TOOL, keyword,
            TextIndex.SUBAGENT, keyword);

    QueryAnalyzer() {
      super(PER_FIELD_REUSE_STRATEGY);
    }

    @Override
    protected Analyzer getWrappedAnalyzer(String field) {
      return byField.getOrDefault(field, text);
    }
  }

  /**
   * Adds the parts of an identifier (split at {@code _}, {@code .}, {@code -}, case changes and
   * between letters and digits) after it, at its position.
   */
  static final class IdentifierParts extends TokenFilter {
    private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
    private final PositionIncrementAttribute position =
        addAttribute(PositionIncrementAttribute.class);
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    private State whole;

    IdentifierParts(TokenStream in) {
      super(in);
    }

    @Override
    public boolean incrementToken() throws IOException {
      if (!pending.isEmpty()) {
        restoreState(whole);
        term.setEmpty().append(pending.poll());
        position.setPositionIncrement(0);
        return true;
      }
      if (!input.incrementToken()) {
        return false;
      }
      if (hasBoundary(term)) {
        List<String> parts = parts(term);
        if (parts.size() > 1) {
          pending.addAll(parts);
          whole = captureState();
        }
      }
      return true;
    }

    @Override
    public void reset() throws IOException {
      super.reset();
      pending.clear();
      whole = null;
    }

    /** Whether the word has any place to split at: most words have none. */
    private static boolean hasBoundary(CharTermAttribute t) {
      char[] b = t.buffer();
      for (int i = 1; i < t.length(); i++) {
        if (boundary(b[i - 1], b[i], t, i)) {
          return true;
        }
      }
      return false;
    }

    static List<String> parts(CharSequence t) {
      List<String> parts = new ArrayList<>();
      int start = 0;
      for (int i = 1; i <= t.length(); i++) {
        if (i == t.length() || boundary(t.charAt(i - 1), t.charAt(i), t, i)) {
          if (i > start) {
            String part = t.subSequence(start, i).toString();
            if (Character.isLetterOrDigit(part.charAt(0))) {
              parts.add(part);
            }
          }
          start = i;
        }
      }
      return parts;
    }

    private static boolean boundary(char before, char c, CharSequence t, int i) {
      if (!Character.isLetterOrDigit(c) || !Character.isLetterOrDigit(before)) {
        return true;
      }
      if (Character.isDigit(before) != Character.isDigit(c)) {
        return true;
      }
      // fooBar, and the "B" of HTTPServer's "HTTP|Server"
      return Character.isUpperCase(c)
          && (Character.isLowerCase(before)
              || (i + 1 < t.length() && Character.isLowerCase(t.charAt(i + 1))));
    }
  }
}
