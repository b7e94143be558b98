package io.sessionstore.backend.s3;

import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.SupportsAdoption;
import io.sessionstore.spi.SupportsHousekeeping;
import io.sessionstore.spi.SupportsRequestCounts;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Sessions in an S3 bucket (or any S3-compatible store), safe with many writers on many machines,
 * readable by the Claude Agent SDK's S3 session store. See the module README for the layout and the
 * commit protocol.
 *
 * <p>Every commit of a transcript claims the next number of its marker log with a create-only PUT
 * ({@code If-None-Match: *}), which exactly one writer wins: that is the compare-and-set the SPI
 * asks for, and it is atomic on S3 and on S3Proxy alike. The marker holds the new head and the
 * commit's messages; the messages are then also written as a part in the SDK's layout, named with a
 * time later than the transcript's previous part even when clocks disagree, so that the SDK's
 * readers (parts in lexical order) see our order.
 */
public final class S3Backend
    implements StorageBackend, SupportsAdoption, SupportsHousekeeping, SupportsRequestCounts {
  private final S3Settings settings;
  private final Clock clock;
  private final S3Layout layout;
  private final RequestCounter requests = new RequestCounter();
  private ObjectStore store;
  private S3Index index;
  private Heads heads;
  private MessageReader reader;
  private Commits commits;
  private Discovery discovery;
  private Housekeeping housekeeping;

  S3Backend(S3Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.layout = new S3Layout(settings.prefix());
  }

  @Override
  public void start() {
    store = new ObjectStore(S3Clients.build(settings, requests), settings);
    boolean made;
    try {
      made = StoreFormat.check(store, layout, settings);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    index = new S3Index(store, layout);
    if (made) {
      index.madeHere();
    }
    MarkerLog log = new MarkerLog(store, layout, index);
    CommitCompletion completion =
        new CommitCompletion(store, layout, index, log, settings.commitTimeout());
    heads =
        new Heads(index, log, new SdkAdoption(store, layout, index, log, completion), completion);
    reader = new MessageReader(store, layout, log, heads);
    discovery = new Discovery(settings.prefix(), store, layout, index, log, heads);
    Compaction compaction = new Compaction(store, layout, index, clock, log, reader, completion);
    commits =
        new Commits(store, layout, index, clock, log, heads, completion, compaction, discovery);
    housekeeping = new Housekeeping(store, layout, clock);
  }

  @Override
  public Optional<StoredHead> head(SessionKey key) {
    return heads.head(key);
  }

  @Override
  public Stream<String> messages(StoredHead head, long from) {
    return reader.messages(head, from);
  }

  @Override
  public void commit(Commit c) {
    commits.commit(c);
  }

  @Override
  public Stream<StoredHead> list(Scope scope) {
    discovery.discover(scope);
    return index.heads().stream()
        .filter(h -> scope.includes(h.key().project()))
        .flatMap(h -> heads.listed(h).stream());
  }

  @Override
  public long adopt(Scope scope, ProgressListener progress) {
    return discovery.adopt(scope, progress);
  }

  @Override
  public List<String> subpaths(SessionKey session) {
    return discovery.subpaths(session);
  }

  @Override
  public boolean delete(SessionKey key, long expectedVersion) {
    return commits.delete(key, expectedVersion);
  }

  /**
   * Removes the parts of older generations that a writer which died right after a replace or a
   * compaction left, and a deleted transcript's older markers once its delete is a day old (see the
   * README, <i>Housekeeping</i>). Safe with writers and readers at work, and with other runs.
   */
  @Override
  public long removeLeftovers() {
    return housekeeping.removeLeftovers();
  }

  @Override
  public Map<String, Long> requestCounts() {
    return requests.snapshot();
  }

  @Override
  public void close() {
    if (index != null) {
      index.close();
    }
    if (reader != null) {
      reader.close();
    }
    if (store != null) {
      store.close();
    }
  }
}
