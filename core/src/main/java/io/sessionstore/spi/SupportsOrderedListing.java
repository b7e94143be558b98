package io.sessionstore.spi;

import io.sessionstore.api.Scope;
import java.util.stream.Stream;

/**
 * A backend that gives a scope's heads in the search order, each made as the stream reaches it. A
 * search then reads only as far as its page: a first page of a listing decodes a page of heads, not
 * every head of the store. The conformance kit checks the order.
 */
public interface SupportsOrderedListing {
  /**
   * The heads of the scope's main transcripts (never sub-transcripts), as {@link
   * StorageBackend#list} gives them, in the search order: {@code updatedAt} descending, then
   * project, then session id ascending.
   */
  Stream<StoredHead> listInOrder(Scope scope);
}
