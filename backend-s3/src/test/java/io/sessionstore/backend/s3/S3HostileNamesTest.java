package io.sessionstore.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Names the naming rules allow, written and read back through S3 keys: as a session id, a project
 * and a subpath segment. Line separators (U+0085, U+2028, U+2029) once broke the backend's own key
 * matching, and U+FFFE/U+FFFF broke listings (XML 1.0 cannot carry them; the listings are
 * URL-encoded now).
 */
class S3HostileNamesTest {
  private static final List<String> NAMES =
      List.of(
          "a\u2028b",
          "a\u2029b",
          "a\u0085b",
          "a\u0080b",
          "a\u009fb",
          "a\u00a0b",
          "a\ufeffb",
          "a\ufffeb",
          "a\uffffb",
          "a\ud83d\ude00b",
          "a\u200bb",
          "a\u00adb",
          "a\ue000b",
          "a&b",
          "a<b>c",
          "a\"b'c",
          "a%41b",
          "a%b",
          "a+b",
          "a b",
          "a?b#c",
          "a~b",
          "-Users-x",
          "a\u0301",
          "\udbff\udfffz",
          "a\ufffdb",
          "a]]>b",
          "a&amp;b");

  @Test
  void everyAllowedNameRoundTripsThroughS3Keys() {
    Map<String, String> config = S3TestServer.freshStorage();
    List<SessionKey> keys = new ArrayList<>(List.of(SessionKey.of("subs", "s")));
    for (String n : allowed()) {
      keys.add(SessionKey.of("p", n));
      keys.add(SessionKey.of(n, "s"));
      keys.add(SessionKey.of("subs", "s", n));
    }
    try (SessionStore s = store(config)) {
      for (SessionKey k : keys) {
        s.appendMessages(k, List.of(message(k)));
      }
    }
    try (SessionStore s = store(config)) {
      TreeSet<String> listed = new TreeSet<>();
      s.listSessions(Scope.allProjects(), 1000, null)
          .items()
          .forEach(m -> listed.add(m.project() + "/" + m.sessionId()));
      for (SessionKey k : keys) {
        assertEquals(
            Optional.of(1L), s.getMetadata(k).map(SessionMetadata::messageCount), k.toString());
        assertEquals(
            List.of(message(k).json()),
            s.loadMessages(k, 0, 10).stream().map(Message::json).toList(),
            k.toString());
        if (!k.isSubpath()) {
          assertEquals(true, listed.contains(k.project() + "/" + k.sessionId()), k + " is listed");
        }
      }
      assertEquals(
          new TreeSet<>(allowed()), new TreeSet<>(s.listSubpaths(SessionKey.of("subs", "s"))));
    }
  }

  /**
   * The names the core's rules allow (they reject more characters over time; the rest must work
   * here).
   */
  private static List<String> allowed() {
    return NAMES.stream()
        .filter(
            n -> {
              try {
                SessionKey.checkName("name", n);
                return true;
              } catch (InvalidInputException e) {
                return false;
              }
            })
        .toList();
  }

  @Test
  void markerKeysAreRecognisedWhateverTheNameHolds() {
    for (String n : NAMES) {
      // Built by hand: the core may reject some of these names before a key can hold them.
      String key = ".sessionstore/log/p/" + n + "/.sessionstore/000000000042";
      assertEquals(true, S3Layout.isNumbered(key), key);
      assertEquals(42, S3Layout.markerNumber(key));
    }
    assertEquals(false, S3Layout.isNumbered("x/\u2028/00000000004"));
    assertEquals(false, S3Layout.isNumbered("x/\u2028/0000000000x2"));
  }

  private static SessionStore store(Map<String, String> config) {
    return SessionStore.builder().config(SessionStoreConfig.of(config)).build();
  }

  private static Message message(SessionKey k) {
    return Message.of("{\"uuid\":\"u\",\"type\":\"user\",\"k\":" + k.hashCode() + "}");
  }
}
