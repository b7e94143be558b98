package io.sessionstore.api;

import java.util.List;
import java.util.Objects;

/**
 * A session that a full-text query found.
 *
 * @param metadata the session's metadata
 * @param score how well it matched (higher is better); only comparable within one query
 * @param matches its best matching messages, best first (at most three)
 */
public record SessionHit(SessionMetadata metadata, float score, List<TextMatch> matches) {
  public SessionHit {
    Objects.requireNonNull(metadata, "metadata is null");
    matches = List.copyOf(matches);
  }
}
