package io.sessionstore.backend.s3;

import io.sessionstore.api.ProgressListener;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds transcripts by listing folders, beyond what the index and this store's own entries name:
 * sessions the index lacks, and sub-transcripts only the SDK's layout holds.
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

  Discovery(
      String prefix,
      ObjectStore store,
      S3Layout layout,
      S3Index index,
      MarkerLog log,
      Heads heads) {
    this.prefix = prefix;
    this.store = store;
    this.layout = layout;
    this.index = index;
    this.log = log;
    this.heads = heads;
  }

  /**
   * Finds the sessions of one project the index lacks, so that they show in its listings and
   * searches: those only writers of the Claude Agent SDK's layout know of (their session folders),
   * which are adopted, and those whose writer died after its first commit marker and before the
   * index entry (their marker folders), which are completed. Two listings of folders (one per
   * thousand sessions of the project), done at most every {@value #DISCOVERY_EVERY_SECONDS} seconds
   * per project; only the sessions the index lacks are read. Listings of every project never scan:
   * {@link #adopt} does, when asked.
   */
  void discover(Scope scope) {
    if (scope.isAllProjects()) {
      return;
    }
    long now = System.nanoTime();
    Long last = discovered.get(scope);
    if (last != null && now - last < DISCOVERY_EVERY_SECONDS * 1_000_000_000L) {
      return;
    }
    discovered.put(scope, now);
    index.refresh();
    adoptProject(scope.project());
  }

  /**
   * Scans the scope for sessions the index lacks and takes them in. A scan of every project records
   * the last project it finished in the bucket, so that one cut short goes on from there the next
   * time.
   */
  long adopt(Scope scope, ProgressListener progress) {
    index.refresh();
    if (!scope.isAllProjects()) {
      long adopted = adoptProject(scope.project());
      discovered.put(scope, System.nanoTime());
      progress.progress(1, 1);
      return adopted;
    }
    TreeSet<String> projects = new TreeSet<>();
    for (String root : List.of(prefix, layout.root() + "log/")) {
      store.foldersUnder(root).stream()
          .map(f -> f.substring(root.length(), f.length() - 1))
          .filter(p -> !p.startsWith(".sessionstore") && validName(p))
          .forEach(projects::add);
    }
    String finished =
        store
            .get(layout.adoptionProgress())
            .map(b -> new String(b, StandardCharsets.UTF_8))
            .orElse(null);
    SortedSet<String> todo = finished == null ? projects : projects.tailSet(finished, false);
    long adopted = 0;
    long done = projects.size() - todo.size();
    for (String project : todo) {
      adopted += adoptProject(project);
      store.put(layout.adoptionProgress(), project.getBytes(StandardCharsets.UTF_8));
      progress.progress(++done, projects.size());
    }
    store.delete(List.of(layout.adoptionProgress()));
    return adopted;
  }

  /** Takes in the sessions of one project the index lacks; how many there were. */
  private long adoptProject(String project) {
    long adopted = 0;
    for (String root : List.of(prefix, layout.root() + "log/")) {
      String projectFolder = root + project + "/";
      for (String folder : store.foldersUnder(projectFolder)) {
        String session = folder.substring(projectFolder.length(), folder.length() - 1);
        if (!validName(session)) {
          continue;
        }
        SessionKey key = SessionKey.of(project, session);
        if (!index.knows(key) && !log.knows(key) && heads.head(key).isPresent()) {
          adopted++;
        }
      }
    }
    return adopted;
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
   * The sub-transcripts this store registered, and those only the Claude Agent SDK's layout holds:
   * folders below the session's folder that contain parts (they are adopted when read).
   */
  List<String> subpaths(SessionKey session) {
    SessionKey main = session.main();
    TreeSet<String> out = new TreeSet<>();
    store.keys(layout.subsFolder(main), null).stream()
        .map(k -> layout.subpathOf(main, k))
        .filter(java.util.Objects::nonNull)
        .forEach(out::add);
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
    // A sub-transcript deleted here may still have SDK parts written after the delete; only live
    // ones count.
    return out.stream().filter(sub -> heads.head(main.withSubpath(sub)).isPresent()).toList();
  }
}
