package io.sessionstore.examples;

import com.google.inject.Guice;
import com.google.inject.Inject;
import com.google.inject.Injector;
import io.sessionstore.api.Message;
import io.sessionstore.api.Scope;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.guice.SessionStoreModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The store injected with Guice: {@link SessionStoreModule} binds {@link SessionStore} from
 * configuration. Argument: the store's directory (default: a new temporary one).
 */
public final class GuiceExample {
  /** An application service that records conversation turns. */
  static final class ConversationLog {
    private final SessionStore store;

    @Inject
    ConversationLog(SessionStore store) {
      this.store = store;
    }

    void record(String sessionId, List<Message> messages) {
      store.appendMessages(store.key(sessionId), messages);
    }

    long sessions() {
      return store.listSessions(Scope.project(store.defaultProject()), 100, null).items().size();
    }
  }

  private GuiceExample() {}

  public static void main(String[] args) throws IOException {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("sessionstore-guice");
    Injector injector =
        Guice.createInjector(
            new SessionStoreModule(
                SessionStoreConfig.of(
                    Map.of(
                        "sessionstore.file.dir",
                        dir.toString(),
                        "sessionstore.project",
                        "guice-example"))));
    try (SessionStore store = injector.getInstance(SessionStore.class)) {
      ConversationLog log = injector.getInstance(ConversationLog.class);
      log.record("transcript", Samples.messages("transcript.jsonl"));
      log.record("stream", Samples.messages("stream-json-session.jsonl"));
      System.out.println("sessions in project " + store.defaultProject() + ": " + log.sessions());
      System.out.println(
          "same store instance: " + (store == injector.getInstance(SessionStore.class)));
    }
  }
}
