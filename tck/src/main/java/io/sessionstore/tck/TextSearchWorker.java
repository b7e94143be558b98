package io.sessionstore.tck;

import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionHit;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The other process of the full-text tests. {@code append CONFIG PROJECT SESSION N}: appends N
 * messages, each with its own word ({@link #word}), and after each searches for that word, printing
 * {@code missing WORD} when it is not found and {@code done} at the end. {@code rebuild CONFIG}:
 * rebuilds the full-text index, printing {@code indexing} when it has begun.
 */
public final class TextSearchWorker {
  private TextSearchWorker() {}

  public static void main(String[] args) {
    SessionStoreConfig config = SessionStoreConfig.load(Path.of(args[1]), Map.of());
    try (SessionStore store = SessionStore.builder().config(config).build()) {
      if (args[0].equals("rebuild")) {
        boolean[] told = {false};
        store.rebuildTextIndex(
            (done, total) -> {
              if (!told[0]) {
                told[0] = true;
                System.out.println("indexing");
                System.out.flush();
              }
            });
        System.out.println("done");
        return;
      }
      SessionKey key = SessionKey.of(args[2], args[3]);
      int count = Integer.parseInt(args[4]);
      for (int i = 0; i < count; i++) {
        String word = word("other", i);
        store.appendMessages(
            key,
            List.of(
                Message.of(
                    "{\"type\":\"user\",\"uuid\":\"other-"
                        + i
                        + "\",\"message\":{\"role\":\"user\",\"content\":\"note "
                        + word
                        + "\"}}")));
        List<SessionHit> hits =
            store.searchText(SearchQuery.in(Scope.allProjects()).matching(word).build()).items();
        if (hits.size() != 1 || !hits.get(0).metadata().sessionId().equals(key.sessionId())) {
          System.out.println("missing " + word);
        }
      }
      System.out.println("done");
    }
  }

  /** The word a writer's {@code i}-th message holds: letters only, one of a kind. */
  public static String word(String writer, int i) {
    StringBuilder w = new StringBuilder("zq").append(writer);
    for (char c : Integer.toString(i).toCharArray()) {
      w.append((char) ('a' + (c - '0')));
    }
    return w.toString();
  }
}
