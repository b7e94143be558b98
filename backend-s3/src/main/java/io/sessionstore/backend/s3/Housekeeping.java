package io.sessionstore.backend.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.spi.JsonStreams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Removes what writers that died half-way left behind (see the module README, <i>Housekeeping</i>):
 *
 * <ul>
 *   <li>the parts of a transcript's older generations, left by a writer that died between a replace
 *       or a compaction (or a new life's first commit after a cut-short delete) and the removal of
 *       the parts before it: exactly the parts the markers of that generation account for, and only
 *       once the current generation's first part is in;
 *   <li>a deleted transcript's markers before its delete marker, and what is left of its parts,
 *       once the delete marker is {@link #DELETED_GRACE} old. The delete marker itself stays.
 * </ul>
 *
 * <p>One run lists every transcript's markers (one LIST per 1,000 markers, page by page) and looks
 * closer only at transcripts with a marker written since the previous run looked (less a {@link
 * #MARGIN} for clocks that disagree) but not within the last {@link #SETTLE}, or that an earlier
 * run left to look at again when it is due: a GET of the newest marker, then, when a new generation
 * began since, a LIST of the parts and a GET of the marker before each generation with leftovers.
 * Removals go out in DeleteObjects batches of 1,000. Its progress ({@code
 * {prefix}.sessionstore/housekeeping}) is saved every {@value #CHECKPOINT_EVERY} transcripts, so a
 * run cut short goes on where it stopped; every step is idempotent.
 */
final class Housekeeping {
  private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);

  /**
   * How old a delete marker must be before the transcript's older markers go. A writer claims its
   * next marker without looking past it only when it saw its head within {@link MarkerLog#FRESH}
   * (10 minutes); a day also covers a part upload of hours between a writer's claim and that look,
   * and any clock difference between this machine and the endpoint.
   */
  static final Duration DELETED_GRACE = Duration.ofDays(1);

  /**
   * How far before its own start a run tells the next one to look: more than this machine's clock
   * and the endpoint's (which dates the objects) can disagree.
   */
  static final Duration MARGIN = Duration.ofHours(1);

  /**
   * How long a run leaves a transcript it finds just written to a later run: its writer is as a
   * rule still at work, and removes what it leaves itself (a cleanup's own run, right after its
   * deletes, so costs no more than the listing).
   */
  static final Duration SETTLE = Duration.ofHours(1);

  /** Transcripts looked at closely between two saves of a run's progress. */
  static final int CHECKPOINT_EVERY = 500;

  /** How many generations back one transcript is followed in one run. */
  private static final int MAX_GENERATIONS = 64;

  private final ObjectStore store;
  private final S3Layout layout;
  private final Clock clock;
  private final int checkpointEvery;

  Housekeeping(ObjectStore store, S3Layout layout, Clock clock) {
    this(store, layout, clock, CHECKPOINT_EVERY);
  }

  Housekeeping(ObjectStore store, S3Layout layout, Clock clock, int checkpointEvery) {
    this.store = store;
    this.layout = layout;
    this.clock = clock;
    this.checkpointEvery = checkpointEvery;
  }

  /** One marker as listed. */
  private record Listed(long n, String key, long modified) {}

  /**
   * A transcript to look at again: while its newest marker is still {@code marker}, not before
   * {@code due} (epoch milliseconds).
   */
  private record Revisit(long marker, long due) {}

  /** Removes the leftovers; returns how many objects went. */
  long removeLeftovers() {
    State state = State.read(store, layout);
    Run run = new Run(state);
    store.forEachObject(layout.logRoot(), state.after, run::accept);
    run.finish();
    return run.removed;
  }

  /**
   * What a run goes by: everything written before {@code watermark} was looked at by earlier runs,
   * except the {@code revisit} transcripts (by marker folder); a run under way also records where
   * it is ({@code after}), its own watermark for the next run ({@code next}) and the transcripts to
   * look at again that it has {@code found} so far.
   */
  private record State(
      long watermark,
      Map<String, Revisit> revisit,
      String after,
      long next,
      Map<String, Revisit> found) {
    static State read(ObjectStore store, S3Layout layout) {
      Optional<byte[]> bytes = store.get(layout.housekeepingState());
      if (bytes.isEmpty()) {
        return new State(0, Map.of(), null, -1, Map.of());
      }
      try {
        JsonNode n = JsonStreams.readTree(bytes.get());
        JsonNode run = n.path("run");
        return new State(
            n.path("watermark").asLong(0),
            revisits(n.path("revisit")),
            run.isObject() ? run.path("after").asText(null) : null,
            run.isObject() ? run.path("next").asLong(-1) : -1,
            revisits(run.path("found")));
      } catch (IOException | RuntimeException e) {
        // What it held is looked at again from the start.
        LOG.warn(
            "Ignoring the unreadable housekeeping progress {}: {}",
            layout.housekeepingState(),
            e.getMessage());
        return new State(0, Map.of(), null, -1, Map.of());
      }
    }

    /** {@code {"folder": [marker, due], ...}} */
    private static Map<String, Revisit> revisits(JsonNode object) {
      Map<String, Revisit> out = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : object.properties()) {
        out.put(
            e.getKey(), new Revisit(e.getValue().path(0).asLong(), e.getValue().path(1).asLong()));
      }
      return out;
    }

    private static void write(ObjectNode parent, String name, Map<String, Revisit> revisits) {
      ObjectNode o = parent.putObject(name);
      revisits.forEach((folder, r) -> o.putArray(folder).add(r.marker()).add(r.due()));
    }
  }

  private final class Run {
    private final long watermark;
    private final Map<String, Revisit> revisit;
    private final long next;
    private final Map<String, Revisit> found;
    private final long now = clock.millis();
    private final List<String> doomed = new ArrayList<>();
    private String folder;
    private final List<Listed> markers = new ArrayList<>();
    private int sinceCheckpoint;
    long removed;

    Run(State state) {
      this.watermark = state.watermark;
      this.revisit = state.revisit;
      this.next =
          state.after != null && state.next >= 0
              ? state.next
              : now - SETTLE.toMillis() - MARGIN.toMillis();
      this.found = new LinkedHashMap<>(state.after != null ? state.found : Map.of());
    }

    void accept(S3Object o) {
      String key = o.key();
      String f = key.substring(0, key.lastIndexOf('/') + 1);
      if (!f.equals(folder)) {
        examineListed();
        folder = f;
      }
      if (S3Layout.isNumbered(key)) {
        markers.add(
            new Listed(
                S3Layout.markerNumber(key),
                key,
                o.lastModified() == null ? Long.MAX_VALUE : o.lastModified().toEpochMilli()));
      }
    }

    void finish() {
      examineListed();
      flush();
      write(null);
    }

    private void examineListed() {
      if (folder != null && !markers.isEmpty()) {
        if (examine(folder, markers) && ++sinceCheckpoint >= checkpointEvery) {
          flush();
          // After every marker this transcript may have by then, so that a resumed run never sees
          // only the newer part of its markers.
          write(folder + "999999999999");
          sinceCheckpoint = 0;
        }
      }
      markers.clear();
    }

    /** Looks at one transcript; returns whether that cost requests. */
    private boolean examine(String logFolder, List<Listed> listed) {
      String parts = layout.partsFolderOfLog(logFolder);
      if (parts == null) {
        return false;
      }
      Listed newest = listed.get(listed.size() - 1);
      Revisit r = revisit.get(logFolder);
      boolean again = r != null;
      if (again && r.marker() == newest.n() && now < r.due()) {
        found.put(logFolder, r); // not due yet, and nothing happened to it since
        return false;
      }
      if (!again
          && (newest.modified() < watermark || newest.modified() >= now - SETTLE.toMillis())) {
        return false;
      }
      Marker m = control(newest.key());
      if (m == null) {
        found.put(logFolder, new Revisit(newest.n(), 0));
        return true;
      }
      if (m.isDelete()) {
        deleted(logFolder, parts, listed, newest, m);
      } else if (m.head() != null) {
        Listed start = null;
        long b = start(m);
        for (Listed l : listed) {
          if (l.n() == b) {
            start = l;
          }
        }
        if (again || start == null || start.modified() >= watermark) {
          olderGenerations(logFolder, parts, newest, m);
        }
      }
      return true;
    }

    /**
     * A deleted transcript: once its delete marker is old enough, its older markers, and its parts
     * up to its last part's time (what the delete removes; a new life's parts are named later).
     * Empty parts stay: they are voids, which refuse a writer that was taken for dead.
     */
    private void deleted(
        String logFolder, String parts, List<Listed> listed, Listed delete, Marker m) {
      if (now - delete.modified() < DELETED_GRACE.toMillis()) {
        found.put(logFolder, new Revisit(delete.n(), delete.modified() + DELETED_GRACE.toMillis()));
        return;
      }
      for (Listed l : listed) {
        if (l.n() < delete.n()) {
          doom(l.key());
        }
      }
      for (S3Object o : store.objectsDirectlyUnder(parts, null)) {
        String name = o.key().substring(parts.length());
        if (o.size() > 0 && S3Layout.isPart(name) && S3Layout.partTime(name) <= m.partTime()) {
          doom(o.key());
        }
      }
    }

    /**
     * The parts of generations before the current one that their markers account for exactly, once
     * the current generation's first part is in (so its commit holds and can no longer be dropped).
     * A generation whose listed parts are not exactly the ones its markers count (the SDK wrote one
     * among them, or part of them are gone) is left as it is.
     */
    private void olderGenerations(String logFolder, String parts, Listed newest, Marker m) {
      long b = start(m);
      String first = m.firstPart();
      if (b <= 1 || first == null && m.head().messageCount() > 0) {
        // No generation before this one; or one begun by markers of the first layout version,
        // which readers walk: left alone.
        return;
      }
      Map<String, Long> sizes = new HashMap<>();
      for (S3Object o : store.objectsDirectlyUnder(parts, null)) {
        String name = o.key().substring(parts.length());
        if (S3Layout.isPart(name)) {
          sizes.put(name, o.size());
        }
      }
      if (first != null && sizes.getOrDefault(first, 0L) == 0) {
        // The commit that began the generation is under way, or will be dropped: look again later.
        found.put(logFolder, new Revisit(newest.n(), 0));
        return;
      }
      TreeSet<String> older = new TreeSet<>();
      sizes.forEach(
          (name, size) -> {
            if (size > 0 && (first == null || name.compareTo(first) < 0)) {
              older.add(name);
            }
          });
      for (int step = 0; !older.isEmpty() && b > 1 && step < MAX_GENERATIONS; step++) {
        Marker before = control(logFolder + String.format("%012d", b - 1));
        if (before == null) {
          return;
        }
        if (before.head() == null) {
          // A delete: the life before it ended at the marker before it.
          b--;
          continue;
        }
        String from = before.firstPart();
        String to = before.lastPart();
        if (from == null) {
          if (before.head().messageCount() > 0) {
            return; // markers of the first layout version
          }
        } else if (to != null) {
          Set<String> range = older.subSet(from, true, to, true);
          if (range.size() == before.generation().parts()) {
            range.forEach(name -> doom(parts + name));
          } else if (!range.isEmpty()) {
            LOG.debug(
                "Leaving {} parts of {} before marker {}: its markers account for {}",
                range.size(),
                parts,
                b,
                before.generation().parts());
          }
          // What is named from there on is accounted for: removed, or not ours.
          older.tailSet(from, true).clear();
        }
        long earlier = start(before);
        if (earlier >= b) {
          return;
        }
        b = earlier;
      }
    }

    /** A marker's control data, or null when it is gone or cannot be decoded. */
    private Marker control(String key) {
      Optional<String> line = store.firstLine(key);
      if (line.isEmpty()) {
        return null;
      }
      try {
        return Marker.control(line.get(), key);
      } catch (BackendUnavailableException e) {
        LOG.warn("Housekeeping skips a transcript: {}", e.getMessage());
        return null;
      }
    }

    private void doom(String key) {
      doomed.add(key);
      if (doomed.size() >= 1000) {
        flush();
      }
    }

    private void flush() {
      store.delete(doomed);
      removed += doomed.size();
      doomed.clear();
    }

    /** Saves the progress: where this run is ({@code after}), or that it finished (null). */
    private void write(String after) {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      if (after == null) {
        n.put("watermark", next);
        State.write(n, "revisit", found);
      } else {
        n.put("watermark", watermark);
        State.write(n, "revisit", revisit);
        ObjectNode run = n.putObject("run");
        run.put("after", after);
        run.put("next", next);
        State.write(run, "found", found);
      }
      store.put(
          layout.housekeepingState(),
          (JsonStreams.write(n) + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  /** The marker where a state's generation of parts begins: its last compaction, or its start. */
  private static long start(Marker m) {
    long compacted = m.generation().compactedAt();
    return compacted > 0 ? compacted : m.genStart();
  }
}
