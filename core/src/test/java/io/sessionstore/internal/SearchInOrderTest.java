package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sessionstore.api.Page;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A search over sessions that come in the search order reads only as far as its page. */
class SearchInOrderTest {
  private static List<SessionMetadata> sessions(int n) {
    Random random = new Random(1130);
    List<SessionMetadata> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SessionKey key = SessionKey.of(random.nextBoolean() ? "a" : "b", "s" + i);
      out.add(
          SessionMetadata.of(key, Instant.parse("2026-01-01T00:00:00Z"))
              .withUpdatedAt(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(random.nextInt(5)))
              .withTags(random.nextInt(3) == 0 ? Set.of("t") : Set.of()));
    }
    out.sort(Search.ORDER);
    return out;
  }

  @Test
  void everyPageIsTheOneOfAWholeSearchAndReadsOnlyAsFarAsItNeeds() {
    List<SessionMetadata> all = sessions(60);
    for (SearchQuery.Builder q :
        List.of(
            SearchQuery.in(Scope.allProjects()).limit(7),
            SearchQuery.in(Scope.project("a")).limit(5),
            SearchQuery.in(Scope.allProjects()).tags("t").limit(4))) {
      String cursor = null;
      do {
        SearchQuery query = q.cursor(cursor).build();
        AtomicInteger read = new AtomicInteger();
        Page<SessionMetadata> inOrder =
            Search.runInOrder(all.stream().peek(m -> read.incrementAndGet()), query);
        assertEquals(Search.run(all.stream(), query), inOrder);
        if (inOrder.nextCursor() != null) {
          SessionMetadata extra =
              all.stream()
                  .filter(m -> Search.matches(m, query))
                  .filter(m -> query.after() == null || query.after().precedes(m))
                  .toList()
                  .get(query.limit());
          assertEquals(all.indexOf(extra) + 1, read.get(), "read up to the match after the page");
        }
        cursor = inOrder.nextCursor();
      } while (cursor != null);
    }
  }

  @Test
  void sessionsOutOfOrderAreABackendsFault() {
    List<SessionMetadata> reversed = new ArrayList<>(sessions(10));
    java.util.Collections.reverse(reversed);
    assertThrows(
        IllegalStateException.class,
        () -> Search.runInOrder(reversed.stream(), SearchQuery.in(Scope.allProjects()).build()));
  }
}
