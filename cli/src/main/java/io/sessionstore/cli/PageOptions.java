package io.sessionstore.cli;

import io.sessionstore.api.Page;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionHit;
import io.sessionstore.api.SessionMetadata;
import picocli.CommandLine.Option;

/** Paging and output options shared by {@code list} and {@code search}. */
final class PageOptions {
  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "50",
      description = "At most N sessions (default 50).")
  int limit;

  @Option(
      names = "--cursor",
      paramLabel = "CURSOR",
      description = "Continue after the previous page.")
  String cursor;

  @Option(names = "--json", description = "A JSON array of metadata objects instead of a table.")
  boolean json;

  /**
   * Runs the query for one page and prints it; the cursor of the next page goes to standard error.
   */
  int print(SessionstoreCommand root, SearchQuery.Builder query) {
    Page<SessionMetadata> page = root.store().search(query.limit(limit).cursor(cursor).build());
    if (json) {
      Format.jsonArray(root.out, page.items());
    } else {
      Format.table(root.out, page.items());
    }
    if (page.hasNext()) {
      root.err.println("next: --cursor " + page.nextCursor());
    }
    return Main.OK;
  }

  /**
   * Runs a full-text query for one page and prints its hits: a table with each session's best
   * passage, or metadata objects with their matches.
   */
  int printHits(SessionstoreCommand root, SearchQuery.Builder query) {
    Page<SessionHit> page;
    try (TerminalProgress progress = new TerminalProgress(root.err, "indexing")) {
      page = root.store().searchText(query.limit(limit).cursor(cursor).build(), progress);
    }
    if (json) {
      Format.hitsJsonArray(root.out, page.items());
    } else {
      Format.hitTable(root.out, page.items());
    }
    if (page.hasNext()) {
      root.err.println("next: --cursor " + page.nextCursor());
    }
    return Main.OK;
  }
}
