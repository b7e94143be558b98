package io.sessionstore.api;

import java.util.List;

/**
 * One page of results.
 *
 * @param items the results of this page, in the query's order
 * @param nextCursor an opaque cursor for the next page, or null when this is the last page; it
 *     stays valid while sessions are added
 */
public record Page<T>(List<T> items, String nextCursor) {
  public Page {
    items = List.copyOf(items);
  }

  public boolean hasNext() {
    return nextCursor != null;
  }
}
