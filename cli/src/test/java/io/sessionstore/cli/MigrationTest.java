package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.MigrationResult;
import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.backend.file.FileBackend;
import io.sessionstore.claude.ClaudeCode;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.tck.Fixtures;
import io.sessionstore.tck.ForwardingBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copying sessions between two stores: idempotent, resumable, verified. */
class MigrationTest {
  @TempDir Path tmp;
  SessionStore source;
  SessionStore target;

  private SessionStore open(String name) {
    return SessionStore.builder()
        .config(
            SessionStoreConfig.of(Map.of("sessionstore.file.dir", tmp.resolve(name).toString())))
        .build();
  }

  @BeforeEach
  void fill() {
    source = open("laptop");
    target = open("team");
    new ClaudeCode(source, List.of("claude"), tmp)
        .importTranscripts(Fixtures.writeClaudeProjects(tmp.resolve("p")), ProgressListener.NONE);
  }

  @AfterEach
  void close() {
    source.close();
    target.close();
  }

  private static List<String> messages(SessionStore store, SessionKey key) {
    try (Stream<Message> s = store.streamMessages(key)) {
      return s.map(Message::json).toList();
    }
  }

  private static List<SessionMetadata> all(SessionStore store) {
    return store.listSessions(Scope.allProjects(), 1000, null).items();
  }

  private static SearchQuery everything() {
    return SearchQuery.in(Scope.allProjects()).build();
  }

  @Test
  void everySessionArrivesWithItsMessagesSubpathsAndMetadata() {
    MigrationResult r = source.migrateTo(target, everything(), ProgressListener.NONE);
    List<SessionMetadata> sessions = all(source);
    assertTrue(sessions.size() > 5);
    assertEquals(sessions.size(), r.copied());
    assertTrue(r.failed().isEmpty() && r.diverged().isEmpty(), r.toString());
    for (SessionMetadata m : sessions) {
      SessionMetadata copy = target.getMetadata(m.key()).orElseThrow();
      assertEquals(messages(source, m.key()), messages(target, m.key()));
      assertEquals(m.createdAt(), copy.createdAt());
      assertEquals(m.updatedAt(), copy.updatedAt());
      assertEquals(m.summary(), copy.summary());
      assertEquals(m.attributes(), copy.attributes());
      assertEquals(source.listSubpaths(m.key()), target.listSubpaths(m.key()));
      for (String sub : source.listSubpaths(m.key())) {
        assertEquals(
            messages(source, m.key().withSubpath(sub)), messages(target, m.key().withSubpath(sub)));
      }
    }
  }

  @Test
  void runningItAgainCopiesOnlyWhatIsMissing() {
    List<SessionMetadata> sessions = all(source);
    SessionMetadata tagged = sessions.get(0);
    source.updateTags(tagged.key(), Set.of("first"), Set.of());
    // An interrupted run: only part of the sessions arrived.
    MigrationResult part =
        source.migrateTo(
            target,
            SearchQuery.in(Scope.allProjects()).tags(Set.of("first")).build(),
            ProgressListener.NONE);
    assertEquals(1, part.copied());

    MigrationResult rest = source.migrateTo(target, everything(), ProgressListener.NONE);
    assertEquals(sessions.size() - 1, rest.copied());
    assertEquals(1, rest.skipped());

    SessionKey grown = sessions.get(1).key();
    source.appendMessages(grown, List.of(Message.of("{\"type\":\"user\",\"uuid\":\"later\"}")));
    MigrationResult again = source.migrateTo(target, everything(), ProgressListener.NONE);
    assertEquals(1, again.copied());
    assertEquals(sessions.size() - 1, again.skipped());
    assertEquals(1, again.messages());
    assertEquals(messages(source, grown), messages(target, grown));
  }

  @Test
  void aTargetAheadOfTheSourceOnlyGetsWhatItLacks() {
    SessionKey key = all(source).get(0).key();
    source.migrateTo(target, everything(), ProgressListener.NONE);
    target.appendMessages(
        key, List.of(Message.of("{\"type\":\"user\",\"uuid\":\"only-in-target\"}")));
    source.appendMessages(
        key.withSubpath("subagents/agent-new"), List.of(Message.of("{\"type\":\"user\"}")));
    MigrationResult r = source.migrateTo(target, everything(), ProgressListener.NONE);
    assertTrue(r.failed().isEmpty(), r.failed().toString());
    assertEquals(1, r.copied());
    assertEquals(
        messages(source, key.withSubpath("subagents/agent-new")),
        messages(target, key.withSubpath("subagents/agent-new")));
  }

  @Test
  void aSessionThatDiffersInTheTargetIsReportedAndLeftAlone() {
    SessionKey key = all(source).get(0).key();
    target.saveSession(key, List.of(Message.of("{\"type\":\"user\",\"uuid\":\"theirs\"}")));
    MigrationResult r = source.migrateTo(target, everything(), ProgressListener.NONE);
    assertEquals(List.of(key), r.diverged());
    assertEquals(List.of("{\"type\":\"user\",\"uuid\":\"theirs\"}"), messages(target, key));
    assertEquals(all(source).size() - 1, r.copied());
  }

  /** A broken backend for the verification to catch: it drops the last message of every write. */
  static final class LossyBackend extends ForwardingBackend {
    LossyBackend(StorageBackend inner) {
      super(inner);
    }

    @Override
    public void commit(Commit c) {
      List<String> kept =
          c.messages().isEmpty() ? c.messages() : c.messages().subList(0, c.messages().size() - 1);
      super.commit(new Commit(c.kind(), c.expectedVersion(), kept, c.head()));
    }
  }

  @Test
  void aCopyThatDoesNotReadBackTheSameIsReportedAsFailed() {
    try (SessionStore lossy =
        SessionStore.builder()
            .config(SessionStoreConfig.of(Map.of()))
            .backend(new LossyBackend(new FileBackend(tmp.resolve("lossy"))))
            .build()) {
      MigrationResult r = source.migrateTo(lossy, everything(), ProgressListener.NONE);
      long withMessages = all(source).stream().filter(m -> m.messageCount() > 0).count();
      assertEquals(withMessages, r.failed().size());
      assertTrue(
          r.failed().get(0).reason().contains("verification failed"), r.failed().get(0).reason());
      assertEquals(0, r.copied() + r.skipped() - (all(source).size() - withMessages));
    }
  }

  @Test
  void aStoreCannotBeMigratedToItself() {
    assertThrows(
        InvalidInputException.class,
        () -> source.migrateTo(source, everything(), ProgressListener.NONE));
  }
}
