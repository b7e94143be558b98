package io.sessionstore.internal.fulltext;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.Collector;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;

/**
 * Every matching document, grouped by session: a session scores as its best message, and keeps its
 * few best messages for snippets.
 */
final class BestBySession implements Collector {
  private final String sessionField;
  private final int kept;
  private final Map<String, Best> sessions = new HashMap<>();
  private boolean complete = true;

  BestBySession(String sessionField, int kept) {
    this.sessionField = sessionField;
    this.kept = kept;
  }

  Map<String, Best> sessions() {
    return sessions;
  }

  /** Whether every matching document was seen (not only the best of them). */
  boolean complete() {
    return complete;
  }

  /** The sessions of a query's {@code k} best documents. */
  static BestBySession ofTop(
      IndexSearcher searcher, Query query, int k, String sessionField, int kept)
      throws IOException {
    BestBySession found = new BestBySession(sessionField, kept);
    ScoreDoc[] docs = searcher.search(query, k).scoreDocs;
    found.complete = docs.length < k;
    // Doc values are read forwards: by document, leaf by leaf.
    ScoreDoc[] byDoc = docs.clone();
    java.util.Arrays.sort(byDoc, java.util.Comparator.comparingInt(d -> d.doc));
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    int leaf = -1;
    LeafReaderContext context = null;
    SortedDocValues keys = null;
    for (ScoreDoc d : byDoc) {
      int l = ReaderUtil.subIndex(d.doc, leaves);
      if (l != leaf) {
        leaf = l;
        context = leaves.get(l);
        keys = DocValues.getSorted(context.reader(), sessionField);
      }
      if (keys.advanceExact(d.doc - context.docBase)) {
        found
            .sessions
            .computeIfAbsent(keys.lookupOrd(keys.ordValue()).utf8ToString(), s -> new Best(kept))
            .offer(d.doc, d.score);
      }
    }
    return found;
  }

  /** A session's best documents, best first. */
  static final class Best {
    private final int[] docs;
    private final float[] scores;
    private int size;

    Best(int kept) {
      docs = new int[kept];
      scores = new float[kept];
    }

    void offer(int doc, float score) {
      if (size == docs.length && score <= scores[size - 1]) {
        return;
      }
      int i = size < docs.length ? size++ : size - 1;
      while (i > 0 && scores[i - 1] < score) {
        docs[i] = docs[i - 1];
        scores[i] = scores[i - 1];
        i--;
      }
      docs[i] = doc;
      scores[i] = score;
    }

    float score() {
      return scores[0];
    }

    int[] docs() {
      return java.util.Arrays.copyOf(docs, size);
    }
  }

  @Override
  public LeafCollector getLeafCollector(LeafReaderContext context) throws IOException {
    SortedDocValues keys = DocValues.getSorted(context.reader(), sessionField);
    String[] names = new String[keys.getValueCount()];
    int base = context.docBase;
    return new LeafCollector() {
      private Scorable scorer;

      @Override
      public void setScorer(Scorable scorer) {
        this.scorer = scorer;
      }

      @Override
      public void collect(int doc) throws IOException {
        if (!keys.advanceExact(doc)) {
          return;
        }
        int ord = keys.ordValue();
        if (names[ord] == null) {
          names[ord] = keys.lookupOrd(ord).utf8ToString();
        }
        sessions.computeIfAbsent(names[ord], k -> new Best(kept)).offer(base + doc, scorer.score());
      }
    };
  }

  @Override
  public ScoreMode scoreMode() {
    return ScoreMode.COMPLETE;
  }
}
