package io.sessionstore.examples;

import io.sessionstore.api.Message;
import io.sessionstore.api.SaveOptions;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SearchQuery;
import io.sessionstore.api.Session;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The library in one page, on the embedded file backend: store a real Claude Code session, tag it,
 * search, load it, append to it, export it. Argument: the store's directory (default: a new
 * temporary one).
 */
public final class Quickstart {
  private Quickstart() {}

  public static void main(String[] args) throws IOException {
    Path dir =
        args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("sessionstore-quickstart");
    SessionStoreConfig config =
        SessionStoreConfig.of(
            java.util.Map.of(
                "sessionstore.backend", "file", "sessionstore.file.dir", dir.toString()));

    try (SessionStore store = SessionStore.builder().config(config).build()) {
      // 1. Save a session: the messages are kept byte for byte; metadata is derived from them.
      List<Message> messages = Samples.messages("stream-json-session.jsonl");
      SessionKey key = store.key("quickstart-session");
      store.saveSession(
          key, messages, SaveOptions.tags("example").withSummary("List the files of a repository"));

      // 2. Tag it.
      store.updateTags(key, Set.of("reviewed"), Set.of());

      // 3. Search by tag: metadata only, no message bodies are read.
      for (SessionMetadata m :
          store
              .search(SearchQuery.in(Scope.project(store.defaultProject())).tags("example").build())
              .items()) {
        System.out.printf(
            "found %s: %d messages, %d turns, $%s, tags %s%n",
            m.sessionId(), m.messageCount(), m.turns(), m.totalCostUsd().toPlainString(), m.tags());
      }

      // 4. Load it and append to it; a retried append stores nothing twice.
      Session session = store.loadSession(key).orElseThrow();
      System.out.println("first message type: " + session.messages().get(0).type());
      Message followUp =
          Message.of(
              "{\"type\":\"user\",\"uuid\":\"quickstart-follow-up\","
                  + "\"message\":{\"role\":\"user\",\"content\":\"Now count them.\"}}");
      store.appendMessages(key, List.of(followUp));
      System.out.println(
          "append again: skipped " + store.appendMessages(key, List.of(followUp)).skipped());

      // 5. Export every session of the project as a portable archive.
      Path archive = dir.resolve("export.jsonl");
      try (OutputStream out = Files.newOutputStream(archive)) {
        store.exportSessions(SearchQuery.in(Scope.project(store.defaultProject())).build(), out);
      }
      System.out.println("exported to " + archive);
      System.out.println("store directory: " + dir);
    }
  }
}
