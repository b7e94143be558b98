package io.sessionstore.examples;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectNestedMethod;

import io.sessionstore.api.ConflictException;
import io.sessionstore.examples.custom.InMemoryBackend;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.tck.ForwardingBackend;
import io.sessionstore.tck.StorageBackendContractTest;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * A kit is only as good as the broken backend it rejects: each backend here has one bug a custom
 * backend is likely to have, runs the kit's test meant to catch it, and that test must fail. (The
 * same tests pass on the sound {@link InMemoryBackend}, in {@link InMemoryBackendConformanceTest}.)
 */
class BrokenBackendsTest {
  @Test
  void aCompareAndSetThatLetsStaleWritersWinIsCaught() {
    assertFails(
        StaleWritersWinKit.class,
        StorageBackendContractTest.CompareAndSet.class,
        "concurrentMetadataUpdatesFromThreadsAndInstancesLoseNothing");
  }

  @Test
  void readsOfAReplacedGenerationThatComeBackShortAreCaught() {
    assertFails(
        ShortReadsKit.class,
        StorageBackendContractTest.ReplaceAndGenerations.class,
        "aReplacedTranscriptsOldGenerationIsNeverServedShort");
  }

  /**
   * The kit's tests are in groups: a group's test runs inside an instance of the kit it is selected
   * through.
   */
  private static void assertFails(Class<?> kit, Class<?> group, String test) {
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectNestedMethod(List.of(kit), group, test))
        .execute()
        .testEvents()
        .assertStatistics(stats -> stats.started(1).failed(1));
  }

  /** Its compare-and-set is {@code stored >= expected} instead of {@code stored == expected}. */
  static final class StaleWritersWin extends ForwardingBackend {
    StaleWritersWin(StorageBackend delegate) {
      super(delegate);
    }

    @Override
    public void commit(Commit commit) {
      long stored = head(commit.head().key()).map(StoredHead::version).orElse(0L);
      if (commit.expectedVersion() > 0 && commit.expectedVersion() < stored) {
        StoredHead h = commit.head();
        commit =
            new Commit(
                commit.kind(),
                stored,
                commit.messages(),
                new StoredHead(
                    h.key(), h.metadata().withVersion(stored + 1), h.generation(), h.derivation()));
      }
      super.commit(commit);
    }
  }

  /**
   * Serves an old generation's head from what is stored now, cut to the old length, instead of a
   * conflict.
   */
  static final class ShortReads extends ForwardingBackend {
    ShortReads(StorageBackend delegate) {
      super(delegate);
    }

    @Override
    public Stream<String> messages(StoredHead head, long from) {
      try {
        return super.messages(head, from);
      } catch (ConflictException replaced) {
        StoredHead now = head(head.key()).orElseThrow(() -> replaced);
        return super.messages(now, 0).skip(from).limit(head.messageCount() - from);
      }
    }
  }

  static final class StaleWritersWinKit extends StorageBackendContractTest {
    private InMemoryBackend.Storage storage;

    @Override
    protected StorageBackend createBackend() {
      storage = new InMemoryBackend.Storage();
      return new StaleWritersWin(new InMemoryBackend(storage));
    }

    @Override
    protected StorageBackend openAnother() {
      return new StaleWritersWin(new InMemoryBackend(storage));
    }
  }

  static final class ShortReadsKit extends StorageBackendContractTest {
    private InMemoryBackend.Storage storage;

    @Override
    protected StorageBackend createBackend() {
      storage = new InMemoryBackend.Storage();
      return new ShortReads(new InMemoryBackend(storage));
    }

    @Override
    protected StorageBackend openAnother() {
      return new ShortReads(new InMemoryBackend(storage));
    }
  }
}
