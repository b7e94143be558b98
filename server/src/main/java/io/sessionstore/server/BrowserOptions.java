package io.sessionstore.server;

import io.sessionstore.api.InvalidInputException;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link SessionBrowser} serves.
 *
 * @param bind the address to listen on; a loopback address by default
 * @param port the port, or 0 for any free one
 * @param token the secret every request must carry, or null for none (only allowed on a loopback
 *     address)
 * @param allowEdit whether the page may change tags and summaries
 * @param threads how many requests are answered at once
 * @param storeTimeout how long a page waits for the store before it answers 504
 */
public record BrowserOptions(
    String bind, int port, String token, boolean allowEdit, int threads, Duration storeTimeout) {
  /** The default address: loopback only. */
  public static final String DEFAULT_BIND = "127.0.0.1";

  /** The default port. */
  public static final int DEFAULT_PORT = 8421;

  /** The default number of requests answered at once. */
  public static final int DEFAULT_THREADS = 16;

  /** The default wait for the store. */
  public static final Duration DEFAULT_STORE_TIMEOUT = Duration.ofSeconds(30);

  public BrowserOptions {
    Objects.requireNonNull(bind, "bind is null");
    Objects.requireNonNull(storeTimeout, "storeTimeout is null");
    if (port < 0 || port > 65535) {
      throw new InvalidInputException("Invalid port " + port + ": it must be between 0 and 65535");
    }
    if (threads < 1) {
      throw new InvalidInputException("Invalid thread count " + threads + ": at least 1");
    }
    if (token != null) {
      if (token.isBlank() || token.chars().anyMatch(c -> c <= 0x20 || c == 0x7F || c == ';')) {
        throw new InvalidInputException(
            "Invalid token: it must be non-empty, without spaces, control characters or ';'");
      }
    }
  }

  /** Loopback, the default port, no token, read-only. */
  public static BrowserOptions defaults() {
    return new BrowserOptions(
        DEFAULT_BIND, DEFAULT_PORT, null, false, DEFAULT_THREADS, DEFAULT_STORE_TIMEOUT);
  }

  public BrowserOptions withBind(String bind) {
    return new BrowserOptions(bind, port, token, allowEdit, threads, storeTimeout);
  }

  public BrowserOptions withPort(int port) {
    return new BrowserOptions(bind, port, token, allowEdit, threads, storeTimeout);
  }

  public BrowserOptions withToken(String token) {
    return new BrowserOptions(bind, port, token, allowEdit, threads, storeTimeout);
  }

  public BrowserOptions withAllowEdit(boolean allowEdit) {
    return new BrowserOptions(bind, port, token, allowEdit, threads, storeTimeout);
  }

  public BrowserOptions withThreads(int threads) {
    return new BrowserOptions(bind, port, token, allowEdit, threads, storeTimeout);
  }

  public BrowserOptions withStoreTimeout(Duration storeTimeout) {
    return new BrowserOptions(bind, port, token, allowEdit, threads, storeTimeout);
  }
}
