package io.sessionstore.tck;

import io.sessionstore.api.Message;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Appends numbered messages to one session, one per call, from a separate process: the other writer
 * of the kit's two-process test. Arguments: configuration file, project, session id, writer name,
 * number of messages.
 */
public final class AppendWorker {
  private AppendWorker() {}

  public static void main(String[] args) {
    SessionStoreConfig config = SessionStoreConfig.load(Path.of(args[0]), Map.of());
    SessionKey key = SessionKey.of(args[1], args[2]);
    String writer = args[3];
    int count = Integer.parseInt(args[4]);
    try (SessionStore store = SessionStore.builder().config(config).build()) {
      for (int i = 0; i < count; i++) {
        store.appendMessages(key, List.of(Message.of(message(writer, i))));
      }
    }
    System.out.println("appended " + count);
  }

  /** The message a writer appends as its {@code i}-th. */
  static String message(String writer, int i) {
    return "{\"type\":\"user\",\"uuid\":\""
        + writer
        + "-"
        + i
        + "\",\"message\":{\"role\":\"user\",\"content\":\""
        + writer
        + " "
        + i
        + "\"}}";
  }
}
