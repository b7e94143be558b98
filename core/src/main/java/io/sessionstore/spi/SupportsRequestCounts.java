package io.sessionstore.spi;

import java.util.Map;

/**
 * A backend that counts the requests it sends to its server, so that tests can hold it to a request
 * budget (a fresh process listing a bucket of any size in a handful of requests) and the bench can
 * report requests per operation. Counts are exact: every request sent since {@link
 * StorageBackend#start()}, retries included.
 */
public interface SupportsRequestCounts {
  /**
   * The requests sent so far, by kind: the HTTP operation on S3 ({@code GET}, {@code PUT}, {@code
   * LIST}, {@code HEAD}, {@code DELETE}, …), the command name on MongoDB ({@code find}, {@code
   * insert}, {@code getMore}, …).
   */
  Map<String, Long> requestCounts();

  /** The sum of {@link #requestCounts()}. */
  default long totalRequests() {
    return requestCounts().values().stream().mapToLong(Long::longValue).sum();
  }
}
