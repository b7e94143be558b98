package io.sessionstore.backend.s3;

import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds transcripts by listing folders, beyond what the index and this store's own entries name: sessions the
 * index lacks, and sub-transcripts only the SDK's layout holds.
 */
final class Discovery {
  private static final long DISCOVERY_EVERY_SECONDS = 30;

  private final String prefix;
  private final ObjectStore store;
  private final S3Layout layout;
  private final S3Index index;
  private final MarkerLog log;
  private final Heads heads;
  private final Map<Scope, Long> discovered = new ConcurrentHashMap<>();

  Discovery(String prefix, ObjectStore store, S3Layout layout, S3Index index, MarkerLog log, Heads heads) {
    this.prefix = prefix;
    this.store = store;
    this.layout = layout;
    this.index = index;
    this.log = log;
    this.heads = heads;
  }

  /**
   * Finds the sessions the index lacks, so that they show in listings and searches: those only writers of the
   * Claude Agent SDK's layout know of (their session folders), which are adopted, and those whose writer died
   * after its first commit marker and before the index entry (their marker folders), which are completed. Done at
   * most every {@value #DISCOVERY_EVERY_SECONDS} seconds per scope; it lists folders and reads only the sessions
   * the index lacks.
   */
  void discover(Scope scope) {
    long now = System.nanoTime();
    Long last = discovered.get(scope);
    if (last != null && now - last < DISCOVERY_EVERY_SECONDS * 1_000_000_000L) {
      return;
    }
    discovered.put(scope, now);
    index.refresh();
    for (String root : List.of(prefix, layout.root() + "log/")) {
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
          if (!index.knows(key) && !log.knows(key)) {
            heads.latest(key);
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
  List<String> subpaths(SessionKey session) {
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
    return out.stream().filter(sub -> heads.head(main.withSubpath(sub)).isPresent()).toList();
  }
}
