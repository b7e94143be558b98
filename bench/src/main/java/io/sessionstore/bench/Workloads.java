package io.sessionstore.bench;

import java.util.List;

/** The workload names of the report, and the systems that run each. */
final class Workloads {
  static final String SAVE = "save-100";
  static final String APPEND_SHORT = "append-1-to-10";
  static final String APPEND_MID = "append-1-to-1000";
  static final String APPEND_LONG = "append-1-to-10000";
  static final String LOAD_COLD = "load-cold";
  static final String LOAD_WARM = "load-warm";
  static final String SEARCH_TAG_SMALL = "search-tag-1000";
  static final String SEARCH_TAG_LARGE = "search-tag-10000";
  static final String SEARCH_TIME_SMALL = "search-time-1000";
  static final String SEARCH_TIME_LARGE = "search-time-10000";
  static final String LIST = "list-100";
  static final String CLEANUP = "cleanup-1000";
  static final String EXPORT = "export-mb";
  static final String IMPORT = "import-mb";
  static final String MIGRATE = "migrate-mb";
  static final String RECORDING = "recording-100x200";
  static final String FRESH_LIST = "fresh-list";
  static final String FRESH_SEARCH = "fresh-search-tag";
  static final String FRESH_INFO = "fresh-info";
  static final String FRESH_LOAD = "fresh-load";
  static final String USAGE_BY_DAY = "usage-by-day-10000";
  static final String IMPORT_CLAUDE = "import-claude";
  static final String IMPORT_CLAUDE_AGAIN = "import-claude-again";
  static final String TEXT_INDEX = "text-index-mb";
  static final String TEXT_QUERY = "text-query";
  static final String TEXT_QUERY_FRESH = "fresh-text-query";
  static final String TEXT_CATCH_UP = "text-catch-up";
  static final String SERVE_FIRST_PAGE = "serve-first-page-10000";
  static final String SERVE_SEARCH = "serve-search-10000";

  static final String SESSIONSTORE = "sessionstore";
  static final String FLOOR = "floor";
  static final String NAIVE = "naive";
  static final String SPRING_AI_JDBC = "spring-ai-jdbc";
  static final String SPRING_AI_MONGO = "spring-ai-mongo";

  /** Every workload, in report order. */
  static final List<String> ALL =
      List.of(
          SAVE,
          APPEND_SHORT,
          APPEND_MID,
          APPEND_LONG,
          LOAD_COLD,
          LOAD_WARM,
          SEARCH_TAG_SMALL,
          SEARCH_TAG_LARGE,
          SEARCH_TIME_SMALL,
          SEARCH_TIME_LARGE,
          LIST,
          CLEANUP,
          EXPORT,
          IMPORT,
          MIGRATE,
          RECORDING,
          FRESH_LIST,
          FRESH_SEARCH,
          FRESH_INFO,
          FRESH_LOAD,
          USAGE_BY_DAY,
          IMPORT_CLAUDE,
          IMPORT_CLAUDE_AGAIN,
          TEXT_INDEX,
          TEXT_QUERY,
          TEXT_QUERY_FRESH,
          TEXT_CATCH_UP,
          SERVE_FIRST_PAGE,
          SERVE_SEARCH);

  /** What runs on the embedded file backend only (the case its issue is about). */
  static final List<String> FILE_ONLY =
      List.of(
          IMPORT_CLAUDE,
          IMPORT_CLAUDE_AGAIN,
          TEXT_INDEX,
          TEXT_QUERY,
          TEXT_QUERY_FRESH,
          TEXT_CATCH_UP,
          SERVE_FIRST_PAGE,
          SERVE_SEARCH);

  /**
   * What a fresh process does (a CLI command, a cron job, a web request): a new store instance per
   * operation, start-up included, on the large population.
   */
  static final List<String> FRESH_PROCESS =
      List.of(FRESH_LIST, FRESH_SEARCH, FRESH_INFO, FRESH_LOAD);

  /**
   * What the floor has an equivalent of: one object written (saves, appends, recording) or read
   * (loads).
   */
  static final List<String> WITH_FLOOR =
      List.of(SAVE, APPEND_SHORT, APPEND_MID, APPEND_LONG, LOAD_COLD, LOAD_WARM, RECORDING);

  /**
   * What the floor has an equivalent of on every backend in a listing: a new store listing every
   * head of the same population (what a report that reads heads only cannot beat).
   */
  static final List<String> LIST_FLOOR = List.of(USAGE_BY_DAY);

  /**
   * What the floor has an equivalent of in bulk on every backend: the archive's bytes written once
   * as one object (imports, migrations) or read back once (exports).
   */
  static final List<String> BULK_FLOOR = List.of(EXPORT, IMPORT, MIGRATE);

  /**
   * What the floor has an equivalent of on the file backend only: every file-only workload but the
   * session browser's (the transcripts copied into one file forced once, one {@code stat} per file;
   * for full-text search, what the store does without the index: reading every message, a metadata
   * search, an append).
   */
  static final List<String> FILE_FLOOR =
      FILE_ONLY.stream().filter(w -> !List.of(SERVE_FIRST_PAGE, SERVE_SEARCH).contains(w)).toList();

  /**
   * What the naive design runs: writes, a cold load, and search and listing by reading every file.
   */
  static final List<String> NAIVE_WORKLOADS =
      List.of(
          SAVE,
          APPEND_SHORT,
          APPEND_MID,
          APPEND_LONG,
          LOAD_COLD,
          SEARCH_TAG_SMALL,
          SEARCH_TAG_LARGE,
          SEARCH_TIME_SMALL,
          SEARCH_TIME_LARGE,
          LIST,
          RECORDING);

  /** What the Spring AI peers run: the add of ChatMemory, and recording. */
  static final List<String> PEER_WORKLOADS = List.of(APPEND_MID, RECORDING);

  private Workloads() {}

  /**
   * How many sessions a series of appends cycles through: none grows by more than a tenth of its
   * length, nor by more than {@value #MAX_APPENDS_PER_SESSION} commits, so that the series compare
   * session lengths rather than how many commits each piled onto one session (S3Proxy lists a
   * session's commit markers by walking all of them).
   */
  static int appendSessions(int length, int operations) {
    int perSession = Math.max(1, Math.min(length / 10, MAX_APPENDS_PER_SESSION));
    return (operations + perSession - 1) / perSession;
  }

  static final int MAX_APPENDS_PER_SESSION = 25;
}
