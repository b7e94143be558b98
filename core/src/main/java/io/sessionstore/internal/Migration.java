package io.sessionstore.internal;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.MigrationResult;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Copies sessions to another store, each as a one-session archive merged with the import's rules
 * (the README's "Archives"), so a copy is idempotent and an interrupted one resumes where it
 * stopped. Every copied session is then read back from both stores and compared by message count
 * and a SHA-256 over its messages. A few sessions are copied at once ({@link Pipeline}); their
 * outcomes are counted and reported in the order of the query, on the caller's thread. A backend
 * that becomes unavailable stops the copy (a rerun goes on where it stopped); any other failure is
 * reported per session.
 */
final class Migration {
  private final ArchiveWriter writer;

  /**
   * @param writer the source's archive writer, which reads its sessions
   */
  Migration(ArchiveWriter writer) {
    this.writer = writer;
  }

  private enum Outcome {
    COPIED,
    SKIPPED,
    DIVERGED,
    FAILED,
    /** Deleted from the source since it was listed. */
    GONE
  }

  /** What copying one session came to: its outcome and the messages the target stored. */
  private record Copy(SessionKey key, Outcome outcome, long messages, String failure) {}

  MigrationResult run(SessionStore target, SearchQuery query, ProgressListener progress) {
    long copied = 0;
    long skipped = 0;
    long messages = 0;
    List<SessionKey> diverged = new ArrayList<>();
    List<MigrationResult.Failure> failed = new ArrayList<>();
    List<SessionKey> keys = writer.keys(query);
    long done = 0;
    try (Pipeline<Copy> copies = new Pipeline<>("migration")) {
      Iterator<SessionKey> next = keys.iterator();
      while (next.hasNext() || copies.pending() > 0) {
        if (next.hasNext() && copies.hasRoom()) {
          SessionKey key = next.next();
          copies.submit(key, 0, ticket -> copy(key, target, ticket));
          continue;
        }
        Copy c = copies.take();
        messages += c.messages();
        switch (c.outcome()) {
          case COPIED -> copied++;
          case SKIPPED -> skipped++;
          case DIVERGED -> diverged.add(c.key());
          case FAILED -> failed.add(new MigrationResult.Failure(c.key(), c.failure()));
          case GONE -> {}
        }
        progress.progress(++done, keys.size());
      }
    }
    return new MigrationResult(copied, skipped, diverged, failed, messages);
  }

  /**
   * Copies one session and verifies the copy.
   *
   * @throws BackendUnavailableException when a store is unavailable: every session after this one
   *     would fail the same way, so the copy stops, and a rerun goes on from here
   */
  private Copy copy(SessionKey key, SessionStore target, Pipeline.Ticket ticket) {
    long messages = 0;
    try {
      ArchiveWriter.Snapshot session = writer.snapshot(key, ticket);
      if (session == null) {
        return new Copy(key, Outcome.GONE, 0, null);
      }
      // Merged as an archive of this session would be, without writing and parsing that archive.
      Map<String, List<io.sessionstore.api.Message>> subs = new LinkedHashMap<>();
      session.subs().forEach((sub, lines) -> subs.put(sub, messages(lines)));
      ImportResult r =
          target.importSession(
              session.metadata(), messages(session.main()), subs, ImportOptions.DEFAULTS);
      messages = r.messages();
      if (!r.rejected().isEmpty()) {
        return new Copy(key, Outcome.FAILED, messages, r.rejected().get(0).reason());
      }
      if (!r.diverged().isEmpty()) {
        return new Copy(key, Outcome.DIVERGED, messages, null);
      }
      if (r.created() + r.extended() == 0) {
        return new Copy(key, Outcome.SKIPPED, messages, null);
      }
      String mismatch = mismatch(key, session, target);
      return mismatch == null
          ? new Copy(key, Outcome.COPIED, messages, null)
          : new Copy(key, Outcome.FAILED, messages, mismatch);
    } catch (BackendUnavailableException e) {
      throw e;
    } catch (SessionStoreException e) {
      return new Copy(key, Outcome.FAILED, messages, e.getMessage());
    }
  }

  private static List<io.sessionstore.api.Message> messages(List<String> lines) {
    return lines.stream().map(io.sessionstore.api.Message::of).toList();
  }

  /**
   * Why the target's copy differs from what was read from the source, or null when every transcript
   * of the target starts with those messages (it may hold more: a target ahead of the source is
   * extended by nothing). The source is not read again.
   */
  private static String mismatch(
      SessionKey key, ArchiveWriter.Snapshot session, SessionStore target) {
    Map<SessionKey, List<String>> transcripts = new LinkedHashMap<>();
    transcripts.put(key, session.main());
    session.subs().forEach((sub, lines) -> transcripts.put(key.withSubpath(sub), lines));
    for (Map.Entry<SessionKey, List<String>> t : transcripts.entrySet()) {
      Digest here = Digest.of(t.getValue());
      Digest there = Digest.of(target, t.getKey(), here.count());
      if (!here.equals(there)) {
        return "verification failed for "
            + t.getKey()
            + ": "
            + here
            + " read from the source, "
            + there
            + " in the target (run the migration again)";
      }
    }
    return null;
  }

  /**
   * The count of a transcript's first messages and a SHA-256 over them, each followed by a newline.
   */
  record Digest(long count, String sha256) {
    static Digest of(List<String> messages) {
      MessageDigest sha = newSha256();
      for (String m : messages) {
        sha.update(m.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
      }
      return new Digest(messages.size(), HexFormat.of().formatHex(sha.digest()));
    }

    static Digest of(SessionStore store, SessionKey key, long limit) {
      MessageDigest sha = newSha256();
      long count = 0;
      try (Stream<io.sessionstore.api.Message> messages = store.streamMessages(key)) {
        for (var it = messages.iterator(); it.hasNext() && count < limit; ) {
          sha.update(it.next().json().getBytes(StandardCharsets.UTF_8));
          sha.update((byte) '\n');
          count++;
        }
      }
      return new Digest(count, HexFormat.of().formatHex(sha.digest()));
    }

    @Override
    public String toString() {
      return count + " messages, SHA-256 " + sha256.substring(0, 12);
    }

    private static MessageDigest newSha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("Every Java runtime has SHA-256", e);
      }
    }
  }
}
