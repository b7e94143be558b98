package io.sessionstore.bench;

/**
 * The parameters of a run. Workload names keep their nominal sizes ({@code search-tag-10000}); a
 * smaller run shrinks what is behind the name, and the terminal table says by how much.
 *
 * @param warmup untimed operations before each measured series
 * @param iterations timed operations of each fast workload (save, append, load, search, list)
 * @param bulkIterations timed runs of each bulk workload (export, import, cleanup)
 * @param saveMessages messages of a {@code save-100} session
 * @param appendShort session length of {@code append-1-to-10}
 * @param appendMid session length of {@code append-1-to-1000}
 * @param appendLong session length of {@code append-1-to-10000}
 * @param loadSessions distinct sessions the load workloads cycle through (each of {@code
 *     saveMessages})
 * @param searchSmall sessions behind {@code search-*-1000}, {@code list-100}, the archive workloads
 *     and {@code cleanup-1000}
 * @param searchLarge sessions behind {@code search-*-10000}
 * @param sessionMessages messages of each of those sessions
 * @param recordingSessions sessions of {@code recording-100x200}
 * @param recordingLength messages each of those sessions grows to
 * @param textMessages messages of each of the {@code searchSmall} sessions behind the full-text
 *     workloads (the kit's lines in turn, 550 bytes on average: 300 make the 1,000-session history
 *     166 MB, the size of a heavy user's)
 */
public record Sizes(
    int warmup,
    int iterations,
    int bulkIterations,
    int saveMessages,
    int appendShort,
    int appendMid,
    int appendLong,
    int loadSessions,
    int searchSmall,
    int searchLarge,
    int sessionMessages,
    int recordingSessions,
    int recordingLength,
    int textMessages) {

  /**
   * The warm-up of the load series (store, naive and floor alike): twenty times the others'. A load
   * takes a tenth of a millisecond, so a hundred of them end before the JIT has compiled the read
   * path, and the row measured the compiler instead of the load (a store of a long-running process
   * loads with compiled code; the {@code fresh-*} rows measure a new process).
   */
  public int loadWarmup() {
    return warmup * 20;
  }

  /** The sizes the issue names. A few minutes per backend on two cores. */
  public static Sizes full() {
    return new Sizes(100, 500, 3, 100, 10, 1_000, 10_000, 20, 1_000, 10_000, 4, 100, 200, 300);
  }

  /**
   * The real session lengths for appends and loads; fewer sessions behind searches and recording.
   */
  public static Sizes quick() {
    return new Sizes(30, 100, 1, 100, 10, 1_000, 10_000, 20, 1_000, 2_000, 4, 5, 200, 60);
  }

  /**
   * Every workload at a toy size, so the smoke test can run all of them in seconds. Four messages a
   * session, as in the other sizes: the large population's 80 then always hold a line with tokens
   * for the usage report, wherever the run is in the kit's lines (40 did not from some places).
   */
  public static Sizes tiny() {
    return new Sizes(2, 5, 1, 5, 3, 10, 20, 2, 10, 20, 4, 2, 5, 5);
  }
}
