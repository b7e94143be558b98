package io.sessionstore.internal.fulltext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;

/** Every document a query matches, unscored, in index order. */
final class AllDocs extends SimpleCollector {
  private final List<Integer> docs = new ArrayList<>();
  private int base;

  static List<Integer> of(IndexSearcher searcher, Query query) throws IOException {
    AllDocs all = new AllDocs();
    searcher.search(query, all);
    return all.docs;
  }

  @Override
  protected void doSetNextReader(LeafReaderContext context) {
    base = context.docBase;
  }

  @Override
  public void setScorer(Scorable scorer) {}

  @Override
  public void collect(int doc) {
    docs.add(base + doc);
  }

  @Override
  public ScoreMode scoreMode() {
    return ScoreMode.COMPLETE_NO_SCORES;
  }
}
