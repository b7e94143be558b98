package io.sessionstore.backend.s3;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.spi.Commit;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StoredHead;
import io.sessionstore.spi.Utf8Lines;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterators;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Sessions in an S3 bucket (or any S3-compatible store), safe with many writers on many machines, readable by the
 * Claude Agent SDK's S3 session store. See the module README for the layout and the commit protocol.
 *
 * <p>Every commit of a transcript claims the next number of its marker log with a create-only PUT
 * ({@code If-None-Match: *}), which exactly one writer wins: that is the compare-and-set the SPI asks for, and it
 * is atomic on S3 and on S3Proxy alike. The marker holds the new head and the commit's messages; the messages are
 * then also written as a part in the SDK's layout, named with a time later than the transcript's previous part
 * even when clocks disagree, so that the SDK's readers (parts in lexical order) see our order.
 */
public final class S3Backend implements StorageBackend {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(S3Backend.class);
  private static final int READ_AHEAD = 16;
  private static final long DISCOVERY_EVERY_SECONDS = 30;
  private static final int MAX_COUNTS = 256;
  /** How many transcripts' states a process keeps. */
  private static final int MAX_STATES = 10_000;

  private final S3Settings settings;
  private final Clock clock;
  private final S3Layout layout;
  /** A cache: a transcript whose state was dropped is read from the bucket again, as in a fresh process. */
  private final Map<SessionKey, State> states = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<SessionKey, State> eldest) {
      return size() > MAX_STATES;
    }
  });
  private final Map<Scope, Long> discovered = new ConcurrentHashMap<>();
  private ObjectStore store;
  private S3Index index;
  private ExecutorService readers;

  /** What this process knows of a transcript: its newest marker (control data only) and message counts. */
  private static final State NONE = new State(0, null, null);

  private record State(long n, Marker control, NavigableMap<Long, Long> counts) {
    StoredHead head() {
      return control.isDelete() ? null : control.head();
    }
  }

  S3Backend(S3Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.layout = new S3Layout(settings.prefix());
  }

  @Override
  public void start() {
    store = new ObjectStore(client(), settings);
    try {
      store.checkBucket();
      checkFormat();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    index = new S3Index(store, layout);
    readers = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "sessionstore-s3-read");
      t.setDaemon(true);
      return t;
    });
  }

  private S3Client client() {
    S3ClientBuilder b = S3Client.builder()
        .httpClientBuilder(ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
            .socketTimeout(Duration.ofSeconds(60)).maxConnections(64))
        .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(5)))
        .forcePathStyle(settings.pathStyle())
        .region(region())
        .credentialsProvider(credentials());
    if (settings.endpoint() != null) {
      b.endpointOverride(settings.endpoint());
    }
    if (settings.checksumWhenRequired()) {
      b.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    return b.build();
  }

  private Region region() {
    if (settings.region() != null) {
      return Region.of(settings.region());
    }
    if (settings.endpoint() != null) {
      return Region.US_EAST_1;
    }
    try {
      return DefaultAwsRegionProviderChain.builder().build().getRegion();
    } catch (SdkClientException e) {
      throw new ConfigurationException("No AWS region: set sessionstore.s3.region (or AWS_REGION)");
    }
  }

  private AwsCredentialsProvider credentials() {
    if (settings.accessKey() != null) {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private void checkFormat() {
    String format = "{\"layout\":\"sessionstore-s3\",\"version\":1}\n";
    if (store.putIfAbsent(layout.formatMarker(), format.getBytes(StandardCharsets.UTF_8))) {
      return;
    }
    String found = store.get(layout.formatMarker()).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
    if (!found.contains("\"layout\":\"sessionstore-s3\"")) {
      throw new ConfigurationException("Cannot use s3://" + settings.bucket() + "/" + layout.root() + ": its format "
          + "marker is not one sessionstore wrote");
    }
    if (!found.contains("\"version\":1}")) {
      throw new ConfigurationException("Cannot use s3://" + settings.bucket() + "/" + settings.prefix() + ": it was "
          + "written by a newer sessionstore; upgrade sessionstore");
    }
  }

  // ---- heads --------------------------------------------------------------------------------------------------

  @Override
  public Optional<StoredHead> head(SessionKey key) {
    State s = latest(key);
    return s == null ? Optional.empty() : Optional.ofNullable(s.head());
  }

  /** The transcript's newest state, with anything the SDK's writers appended since taken in. */
  private State latest(SessionKey key) {
    State s = adoptNewerParts(key, latestMarkers(key));
    if (s != null && !key.isSubpath() && index.behind(key, s.n())) {
      completeIndex(key, s);
    }
    return s;
  }

  /**
   * Completes what a writer that died after its commit marker left undone, as far as the index goes: the entry of
   * that commit (so that listings show what loads show), and for a delete the transcript's leftover objects.
   */
  private void completeIndex(SessionKey key, State s) {
    LOG.info("Completing the index entry of {} (commit marker {}) that its writer did not write", key, s.n());
    if (s.head() != null) {
      index.put(s.head(), s.n());
    } else {
      index.delete(key, s.n());
      store.delete(store.keys(layout.sessionFolder(key), null));
    }
  }

  /** The transcript's newest marker, listing only the markers after the newest one this process knows. */
  private State latestMarkers(SessionKey key) {
    for (int attempt = 0; attempt < 100; attempt++) {
      State s = newestMarker(key);
      if (s != NONE) {
        return s;
      }
      // The newest marker was removed between the listing and the read (a save or delete cleaned up): look again.
      states.remove(key);
    }
    throw new BackendUnavailableException("Cannot read " + key + ": its newest commit marker kept vanishing "
        + "between a listing and a read");
  }

  /** One look at the newest marker: the state, null when there is none, or NONE when it vanished meanwhile. */
  private State newestMarker(SessionKey key) {
    State known = states.get(key);
    String after = null;
    if (known != null) {
      after = layout.marker(key, known.n());
    } else if (!key.isSubpath()) {
      after = index.entry(key).map(e -> layout.marker(key, e.marker() - 1)).orElse(null);
    }
    List<String> newer = store.numbered(layout.logFolder(key), after);
    if (newer.isEmpty() && known == null && after != null) {
      newer = store.numbered(layout.logFolder(key), null);
    }
    if (newer.isEmpty()) {
      return known != null ? known : adopt(key);
    }
    String last = newer.get(newer.size() - 1);
    Optional<Marker> marker = store.firstLine(last).map(line -> Marker.control(line, last));
    if (marker.isEmpty()) {
      return NONE;
    }
    State s = stateAfter(known, S3Layout.markerNumber(last), marker.get());
    states.merge(key, s, (a, b) -> a.n() >= b.n() ? a : b);
    return states.get(key);
  }

  /**
   * Takes in a transcript that only the Claude Agent SDK (or another writer of its layout) wrote: parts and no
   * markers. Its messages, read in the parts' lexical order, become marker 1, claimed create-only so that
   * processes adopting it at once agree; its parts stay as they are.
   *
   * @return the new state, or null when there are no parts either
   */
  private State adopt(SessionKey key) {
    String folder = layout.partsFolder(key);
    List<String> parts = store.keysDirectlyUnder(folder).stream()
        .filter(k -> S3Layout.isPart(k.substring(folder.length()))).toList();
    if (parts.isEmpty()) {
      return null;
    }
    List<String> messages = readParts(parts);
    String first = parts.get(0).substring(folder.length());
    String last = parts.get(parts.size() - 1).substring(folder.length());
    StoredHead head;
    try {
      // The Claude Agent SDK mirrors Claude Code's transcripts into this layout.
      head = StoredHead.derive(key, messages, Instant.ofEpochMilli(S3Layout.partTime(first)),
          Instant.ofEpochMilli(S3Layout.partTime(last)), key.isSubpath() ? Map.of()
              : Map.of(SessionMetadata.FORMAT, SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT));
    } catch (io.sessionstore.api.InvalidInputException e) {
      throw new BackendUnavailableException("Cannot read " + key + " written in the Claude SDK layout at s3://"
          + settings.bucket() + "/" + folder + ": " + e.getMessage());
    }
    Marker adopted = new Marker("ADOPT", 0, 1, null, S3Layout.partTime(last), last, head, messages,
        Marker.newId(), 0);
    if (store.putIfAbsent(layout.marker(key, 1), adopted.encode()) && !key.isSubpath()) {
      index.put(head, 1);
    }
    // Ours or another process's adoption: read the marker that won.
    List<String> markers = store.numbered(layout.logFolder(key), null);
    if (markers.isEmpty()) {
      return null;
    }
    String newest = markers.get(markers.size() - 1);
    return store.firstLine(newest).map(line -> {
      State s = stateAfter(null, S3Layout.markerNumber(newest), Marker.control(line, newest));
      states.merge(key, s, (a, b) -> a.n() >= b.n() ? a : b);
      return states.get(key);
    }).orElse(null);
  }

  /** The lines of parts, in the given order, as the SDK's reader reads them. */
  private List<String> readParts(List<String> parts) {
    List<String> messages = new ArrayList<>();
    for (String part : parts) {
      store.open(part).ifPresent(in -> {
        try (in) {
          Utf8Lines lines = new Utf8Lines(in);
          String line;
          while ((line = lines.next()) != null) {
            if (!line.isBlank()) {
              messages.add(line);
            }
          }
        } catch (java.io.IOException e) {
          throw ObjectStore.unavailable("read " + part, new java.io.UncheckedIOException(e));
        }
      });
    }
    return messages;
  }

  /**
   * Takes in parts that a writer of the SDK's layout appended after the newest part this store knows of (ours are
   * always named after it, so any later part is foreign): their messages become the next commit, an append.
   */
  private State adoptNewerParts(SessionKey key, State s) {
    if (s == null || s.head() == null || s.control().lastPart() == null) {
      return s;
    }
    String folder = layout.partsFolder(key);
    String lastPart = s.control().lastPart();
    // Listed from the latest part's millisecond on, so the same LIST also tells whether that part exists.
    List<String> listed = store.keysDirectlyUnder(folder, folder + lastPart.substring(0, "part-".length() + 13))
        .stream().filter(k -> S3Layout.isPart(k.substring(folder.length()))).toList();
    if (lastPart.equals(s.control().part()) && !listed.contains(folder + lastPart)) {
      completePart(key, s);
    }
    List<String> newer = listed.stream().filter(k -> k.substring(folder.length()).compareTo(lastPart) > 0).toList();
    if (newer.isEmpty()) {
      return s;
    }
    List<String> messages = readParts(newer);
    String last = newer.get(newer.size() - 1).substring(folder.length());
    StoredHead head;
    try {
      head = s.head().extend(messages, Instant.ofEpochMilli(S3Layout.partTime(last)));
    } catch (io.sessionstore.api.InvalidInputException e) {
      throw new BackendUnavailableException("Cannot read parts appended to " + key + " in the Claude SDK layout: "
          + e.getMessage());
    }
    Marker adopted = new Marker("ADOPT", s.control().base(), s.control().genStart(), null,
        Math.max(s.control().partTime(), S3Layout.partTime(last)), last, head, messages, Marker.newId(),
        s.control().id());
    try {
      claim(key, s.n() + 1, adopted);
      State next = stateAfter(s, s.n() + 1, adopted);
      states.merge(key, next, (a, b) -> a.n() >= b.n() ? a : b);
      if (!key.isSubpath()) {
        index.put(head, s.n() + 1);
      }
    } catch (ConflictException e) {
      // Another writer moved on first: read what it wrote.
    }
    // Ours or another process's commit: whatever is newest now.
    return latestMarkers(key);
  }

  /**
   * Completes what a writer that died right after its commit marker left undone: the part in the SDK's layout,
   * written from the marker's messages (the same bytes the writer would have written, so a writer still alive
   * and this repair agree), the sub-transcript's entry, and the index entry.
   */
  private void completePart(SessionKey key, State s) {
    String markerKey = layout.marker(key, s.n());
    Optional<Marker> marker = store.open(markerKey).map(in -> Marker.decode(in, true, markerKey));
    if (marker.isEmpty()) {
      return;
    }
    LOG.info("Completing commit marker {} of {}, whose writer did not write its part", s.n(), key);
    if (key.isSubpath()) {
      store.put(layout.subEntry(key), new byte[0]);
    } else if (index.behind(key, s.n()) || !index.loaded()) {
      index.put(s.head(), s.n());
    }
    store.putIfAbsent(layout.partsFolder(key) + marker.get().part(), marker.get().partBody());
  }

  private static State stateAfter(State previous, long n, Marker control) {
    // Filled by the parallel marker readers too: a concurrent map.
    NavigableMap<Long, Long> counts = new ConcurrentSkipListMap<>();
    if (previous != null && previous.head() != null && control.head() != null
        && previous.head().generation() == control.head().generation()) {
      counts.putAll(previous.counts());
    }
    if (control.head() != null) {
      counts.put(n, control.head().messageCount());
    }
    // Enough to resume reads near the end; older positions are found by reading from the generation's start.
    while (counts.size() > MAX_COUNTS) {
      counts.pollFirstEntry();
    }
    return new State(n, control.withoutMessages(), counts);
  }

  // ---- commits ------------------------------------------------------------------------------------------------

  @Override
  public void commit(Commit c) {
    SessionKey key = c.head().key();
    State s = states.get(key);
    if (!matches(s, c)) {
      s = latest(key);
      if (!matches(s, c)) {
        throw new ConflictException("Cannot write " + key + ": it is at version "
            + (s == null || s.head() == null ? 0 : s.head().version()) + ", not " + c.expectedVersion());
      }
    }
    long n = s == null ? 0 : s.n();
    boolean newLife = c.expectedVersion() == 0;
    long base = newLife ? n : s.control().base();
    long genStart = newLife || c.kind() == Commit.Kind.REPLACE ? n + 1 : s.control().genStart();
    long previousPartTime = s == null ? 0 : s.control().partTime();
    String part = null;
    long partTime = previousPartTime;
    if (!c.messages().isEmpty()) {
      // Later than the previous part even if this machine's clock is behind: lexical order is commit order.
      partTime = Math.max(clock.millis(), previousPartTime + 1);
      part = S3Layout.partName(partTime);
    }
    String lastPart = part != null ? part : s == null ? null : s.control().lastPart();
    Marker marker = new Marker(c.kind().name(), base, genStart, part, partTime, lastPart, c.head(), c.messages(),
        Marker.newId(), s == null ? 0 : s.control().id());
    claim(key, n + 1, marker);
    states.merge(key, stateAfter(s, n + 1, marker), (a, b) -> a.n() >= b.n() ? a : b);
    afterCommit(c, key, n + 1, marker, newLife, s != null);
  }

  /**
   * Claims marker {@code n} for a commit: a create-only PUT, then a look at the next marker. A save or a delete
   * removes older markers once its own is in, so a writer whose head is out of date can find its next slot free
   * again; the marker after it then exists and was built on another commit. Such a claim is withdrawn before
   * anything else is written, and the writer gets a conflict.
   */
  private void claim(SessionKey key, long n, Marker marker) {
    String markerKey = layout.marker(key, n);
    if (!store.putIfAbsent(markerKey, marker.encode())) {
      states.remove(key);
      throw new ConflictException("Cannot write " + key + ": another writer committed first");
    }
    List<String> after = store.numbered(layout.logFolder(key), markerKey);
    if (!after.isEmpty()) {
      String next = after.get(0);
      Optional<Marker> following = store.firstLine(next).map(line -> Marker.control(line, next));
      if (following.isEmpty() || following.get().prev() != marker.id()) {
        store.delete(List.of(markerKey));
        states.remove(key);
        throw new ConflictException("Cannot write " + key + ": it was replaced or deleted meanwhile");
      }
    }
  }

  /**
   * What follows the commit point: the part in the SDK's layout, the sub-transcript's entry, the index entry, the
   * removal of a replaced generation. The commit has happened, so a failure here is logged, not reported as a
   * failed write (a caller would retry and store its messages twice).
   */
  private void afterCommit(Commit c, SessionKey key, long n, Marker marker, boolean newLife, boolean existed) {
    try {
      // The entries before the part: a commit whose part is missing is one that a later reader notices (its
      // head lists the parts anyway) and completes, entries included.
      if (key.isSubpath() && newLife) {
        store.put(layout.subEntry(key), new byte[0]);
      }
      if (!key.isSubpath()) {
        index.put(c.head(), n);
      }
      if (marker.part() != null) {
        store.putIfAbsent(layout.partsFolder(key) + marker.part(), marker.partBody());
      }
      if (c.kind() == Commit.Kind.REPLACE && existed) {
        removeOlderThan(key, marker.part(), marker.genStart());
      }
    } catch (RuntimeException e) {
      // Forget the head, so that this process's next look at the transcript reads its markers and completes it.
      states.remove(key);
      LOG.warn("Committed {} (marker {}), but could not finish what follows it; the next reader or writer of it "
          + "will: {}", key, n, e.getMessage());
    }
  }

  private static boolean matches(State s, Commit c) {
    StoredHead head = s == null ? null : s.head();
    long version = head == null ? 0 : head.version();
    return version == c.expectedVersion() && (head == null || c.kind() == Commit.Kind.REPLACE
        || head.generation() == c.head().generation());
  }

  /** After a replace: the parts before the new generation's first part, and the markers before it. */
  private void removeOlderThan(SessionKey key, String firstPart, long genStart) {
    List<String> old = new ArrayList<>();
    String folder = layout.partsFolder(key);
    for (String k : store.keysDirectlyUnder(folder)) {
      String name = k.substring(folder.length());
      if (S3Layout.isPart(name) && (firstPart == null || name.compareTo(firstPart) < 0)) {
        old.add(k);
      }
    }
    for (String k : store.numbered(layout.logFolder(key), null)) {
      if (S3Layout.markerNumber(k) < genStart) {
        old.add(k);
      }
    }
    store.delete(old);
  }

  // ---- messages -----------------------------------------------------------------------------------------------

  @Override
  public Stream<String> messages(StoredHead head, long from) {
    SessionKey key = head.key();
    State s = states.get(key);
    if (!sameGeneration(s, head)) {
      s = latest(key);
      if (!sameGeneration(s, head)) {
        throw new ConflictException("Cannot read " + key + ": it was replaced or deleted while being read");
      }
    }
    long count = head.messageCount() - from;
    if (count <= 0) {
      return Stream.empty();
    }
    long last = s.control().base() + head.version();
    long genStart = s.control().genStart();
    // Start at the marker after the last one known to end at or before 'from'.
    Map.Entry<Long, Long> known = s.counts().floorEntry(last);
    long startMarker = genStart;
    long skip = from;
    for (Map.Entry<Long, Long> e : s.counts().headMap(last, true).descendingMap().entrySet()) {
      if (e.getKey() >= genStart && e.getValue() <= from) {
        startMarker = e.getKey() + 1;
        skip = from - e.getValue();
        break;
      }
    }
    if (known == null && startMarker > last) {
      return Stream.empty();
    }
    State state = s;
    Iterator<String> lines = new MarkerMessages(key, startMarker, last, state);
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(lines, 0), false).skip(skip).limit(count);
  }

  private static boolean sameGeneration(State s, StoredHead head) {
    return s != null && s.head() != null && s.head().generation() == head.generation()
        && s.head().version() >= head.version();
  }

  /** The messages of markers {@code first..last} in order, reading a few markers ahead in parallel. */
  private final class MarkerMessages implements Iterator<String> {
    private final SessionKey key;
    private final long last;
    private final State state;
    private final Deque<Future<Marker>> ahead = new ArrayDeque<>();
    private long nextToFetch;
    private Iterator<String> current = List.<String>of().iterator();

    MarkerMessages(SessionKey key, long first, long last, State state) {
      this.key = key;
      this.last = last;
      this.state = state;
      this.nextToFetch = first;
      fill();
    }

    private void fill() {
      while (ahead.size() < READ_AHEAD && nextToFetch <= last) {
        long n = nextToFetch++;
        String markerKey = layout.marker(key, n);
        ahead.add(readers.submit(() -> {
          Marker m = store.open(markerKey).map(in -> Marker.decode(in, true, markerKey)).orElseThrow(
              () -> new ConflictException("Cannot read " + key + ": it was replaced or deleted while being read"));
          if (m.head() != null) {
            state.counts().put(n, m.head().messageCount());
            while (state.counts().size() > MAX_COUNTS) {
              state.counts().pollFirstEntry();
            }
          }
          return m;
        }));
      }
    }

    @Override
    public boolean hasNext() {
      while (!current.hasNext()) {
        if (ahead.isEmpty()) {
          return false;
        }
        current = take(ahead.poll()).messages().iterator();
        fill();
      }
      return true;
    }

    @Override
    public String next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }

    private Marker take(Future<Marker> f) {
      try {
        return f.get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new BackendUnavailableException("Cannot read " + key + ": " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BackendUnavailableException("Interrupted while reading " + key);
      }
    }
  }

  // ---- listing and deleting -----------------------------------------------------------------------------------

  @Override
  public Stream<StoredHead> list(Scope scope) {
    discover(scope);
    return index.heads().stream().filter(h -> scope.includes(h.key().project()));
  }

  /**
   * Finds the sessions the index lacks, so that they show in listings and searches: those only writers of the
   * Claude Agent SDK's layout know of (their session folders), which are adopted, and those whose writer died
   * after its first commit marker and before the index entry (their marker folders), which are completed. Done at
   * most every {@value #DISCOVERY_EVERY_SECONDS} seconds per scope; it lists folders and reads only the sessions
   * the index lacks.
   */
  private void discover(Scope scope) {
    long now = System.nanoTime();
    Long last = discovered.get(scope);
    if (last != null && now - last < DISCOVERY_EVERY_SECONDS * 1_000_000_000L) {
      return;
    }
    discovered.put(scope, now);
    index.refresh();
    for (String root : List.of(settings.prefix(), layout.root() + "log/")) {
      List<String> projects = scope.isAllProjects()
          ? store.foldersUnder(root).stream().map(f -> f.substring(root.length(), f.length() - 1)).toList()
          : List.of(scope.project());
      for (String project : projects) {
        if (project.startsWith(".sessionstore") || !validName(project)) {
          continue;
        }
        String projectFolder = root + project + "/";
        for (String folder : store.foldersUnder(projectFolder)) {
          String session = folder.substring(projectFolder.length(), folder.length() - 1);
          if (!validName(session)) {
            continue;
          }
          SessionKey key = SessionKey.of(project, session);
          if (!index.knows(key) && !states.containsKey(key)) {
            latest(key);
          }
        }
      }
    }
  }

  private static boolean validName(String name) {
    try {
      SessionKey.checkName("name", name);
      return true;
    } catch (io.sessionstore.api.InvalidInputException e) {
      return false;
    }
  }

  /**
   * The sub-transcripts this store registered, and those only the Claude Agent SDK's layout holds: folders below
   * the session's folder that contain parts (they are adopted when read).
   */
  @Override
  public List<String> subpaths(SessionKey session) {
    SessionKey main = session.main();
    java.util.TreeSet<String> out = new java.util.TreeSet<>();
    store.keys(layout.subsFolder(main), null).stream().map(k -> layout.subpathOf(main, k))
        .filter(java.util.Objects::nonNull).forEach(out::add);
    String folder = layout.sessionFolder(main);
    for (String k : store.keys(folder, null)) {
      String rest = k.substring(folder.length());
      int slash = rest.lastIndexOf('/');
      if (slash > 0 && S3Layout.isPart(rest.substring(slash + 1))) {
        String subpath = rest.substring(0, slash);
        try {
          main.withSubpath(subpath);
          out.add(subpath);
        } catch (io.sessionstore.api.InvalidInputException e) {
          // not a name this store can address
        }
      }
    }
    // A sub-transcript deleted here may still have SDK parts written after the delete; only live ones count.
    return out.stream().filter(sub -> head(main.withSubpath(sub)).isPresent()).toList();
  }

  @Override
  public boolean delete(SessionKey key, long expectedVersion) {
    if (key.isSubpath()) {
      boolean existed = tombstone(key, expectedVersion) >= 0;
      store.delete(List.of(layout.subEntry(key)));
      return existed;
    }
    // The version check first; then the sub-transcripts, so that a crash half-way never leaves sub-transcripts
    // of a session whose main transcript is gone; then the main transcript's delete marker.
    if (expectedVersion != ANY_VERSION) {
      State s = latest(key);
      long version = s == null || s.head() == null ? 0 : s.head().version();
      if (version != expectedVersion) {
        throw new ConflictException("Cannot delete " + key + ": it is at version " + version + ", not "
            + expectedVersion);
      }
    }
    boolean existed = false;
    for (String sub : subpaths(key)) {
      existed |= delete(key.withSubpath(sub), ANY_VERSION);
    }
    long n = tombstone(key, expectedVersion);
    existed |= n >= 0;
    if (n >= 0) {
      index.delete(key, n);
      existed = true;
    }
    // Whatever is left of the session in the SDK's layout (parts of any sub-transcript too) goes with it.
    store.delete(store.keys(layout.sessionFolder(key), null));
    return existed;
  }

  /**
   * Claims a delete marker after the transcript's newest one and removes its parts and older markers. The delete
   * marker stays: it keeps numbers from being reused, so a writer that read the old head cannot commit on it.
   *
   * @return the delete marker's number, or -1 when the transcript did not exist
   */
  private long tombstone(SessionKey key, long expectedVersion) {
    for (int attempt = 0; attempt < 100; attempt++) {
      State s = latest(key);
      long version = s == null || s.head() == null ? 0 : s.head().version();
      if (expectedVersion != ANY_VERSION && version != expectedVersion) {
        throw new ConflictException("Cannot delete " + key + ": it is at version " + version + ", not "
            + expectedVersion);
      }
      if (s == null || s.head() == null) {
        return -1;
      }
      long n = s.n() + 1;
      Marker delete = new Marker("DELETE", n, n, null, s.control().partTime(), null, null, List.of(),
          Marker.newId(), s.control().id());
      try {
        claim(key, n, delete);
      } catch (ConflictException e) {
        if (expectedVersion != ANY_VERSION) {
          throw new ConflictException("Cannot delete " + key + ": another writer changed it");
        }
        continue;
      }
      states.put(key, stateAfter(null, n, delete));
      List<String> old = new ArrayList<>();
      for (String k : store.numbered(layout.logFolder(key), null)) {
        if (S3Layout.markerNumber(k) < n) {
          old.add(k);
        }
      }
      String folder = layout.partsFolder(key);
      store.keysDirectlyUnder(folder).stream().filter(k -> S3Layout.isPart(k.substring(folder.length())))
          .forEach(old::add);
      store.delete(old);
      return n;
    }
    throw new ConflictException("Cannot delete " + key + ": it kept changing under other writers");
  }

  @Override
  public void close() {
    if (readers != null) {
      readers.shutdownNow();
    }
    if (store != null) {
      store.close();
    }
  }
}
