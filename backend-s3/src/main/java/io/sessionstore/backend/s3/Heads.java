package io.sessionstore.backend.s3;

import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.StoredHead;
import java.util.Optional;

/**
 * A transcript's newest state as the bucket has it: its newest marker, with what only the SDK's
 * writers wrote taken in, and the index entry a dead writer left out completed.
 */
final class Heads {
  private final S3Index index;
  private final MarkerLog log;
  private final SdkAdoption adoption;
  private final CommitCompletion completion;

  Heads(S3Index index, MarkerLog log, SdkAdoption adoption, CommitCompletion completion) {
    this.index = index;
    this.log = log;
    this.adoption = adoption;
    this.completion = completion;
  }

  Optional<StoredHead> head(SessionKey key) {
    TranscriptState s = latest(key);
    return s == null ? Optional.empty() : Optional.ofNullable(s.head());
  }

  /** The transcript's newest state, with anything the SDK's writers appended since taken in. */
  TranscriptState latest(SessionKey key) {
    TranscriptState s = newest(key);
    if (adoption.adoptNewerParts(key, s)) {
      // Ours or another process's commit: whatever is newest now.
      s = newest(key);
    }
    if (s != null && !key.isSubpath() && index.behind(key, s.n())) {
      completion.completeIndex(key, s);
    }
    return s;
  }

  /**
   * A head as listed by the index, or the newer one this process has read of that transcript when
   * the index lags it (its writer died before the index entry), whose entry is then added; empty
   * when that newer state is a delete.
   */
  Optional<StoredHead> listed(StoredHead indexed) {
    SessionKey key = indexed.key();
    TranscriptState s = log.known(key);
    long marker = index.entry(key).map(S3Index.Entry::marker).orElse(0L);
    if (s == null || s.n() <= marker) {
      return Optional.of(indexed);
    }
    completion.completeIndex(key, s);
    return Optional.ofNullable(s.head());
  }

  private TranscriptState newest(SessionKey key) {
    TranscriptState s = log.newest(key);
    return s != null ? s : adoption.adopt(key);
  }
}
