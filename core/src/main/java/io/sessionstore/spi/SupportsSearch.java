package io.sessionstore.spi;

import io.sessionstore.api.Page;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionMetadata;

/**
 * A backend that answers searches natively (for example with its own indexes). Without it the core filters the
 * heads from {@link StorageBackend#list}. An implementation must give exactly the results, order and cursor
 * semantics the core's own search gives; the conformance kit checks that.
 */
public interface SupportsSearch {
  /** One page of the sessions matching the query. */
  Page<SessionMetadata> search(SearchQuery query);
}
