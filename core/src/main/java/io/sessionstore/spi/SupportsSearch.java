package io.sessionstore.spi;

import io.sessionstore.api.SearchPosition;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;
import java.util.List;

/**
 * A backend that answers searches natively (for example with its own indexes). Without it the core
 * filters the heads from {@link StorageBackend#list}. An implementation must give exactly the
 * results and order the core's own search gives; the conformance kit checks that. It never sees a
 * cursor: the core turns the query's cursor into a {@link SearchPosition} and makes the next page's
 * cursor from the results.
 */
public interface SupportsSearch {
  /**
   * The sessions matching the query's filters and scope that come strictly after {@link
   * SearchQuery#after()} (all of them when it is null; {@link SearchPosition#precedes} decides), in
   * the search order, at most {@code query.limit() + 1}: the core returns {@code limit} of them and
   * takes one more as the sign that another page follows. Sub-transcripts are never results.
   */
  List<SessionMetadata> search(SearchQuery query);
}
