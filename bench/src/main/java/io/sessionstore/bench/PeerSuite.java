package io.sessionstore.bench;

import static io.sessionstore.bench.Workloads.*;

import io.sessionstore.api.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * A Spring AI chat memory repository on the same message bodies. Spring's {@code ChatMemory} adds a
 * message by handing the repository the whole conversation with it ({@code saveAll}), which
 * replaces what was stored; that is the add measured here (the read of the conversation before it
 * is not counted, in the peer's favour).
 */
final class PeerSuite {
  private final String system;
  private final String backend;
  private final ChatMemoryRepository repository;
  private final Sizes sizes;
  private final Corpus corpus;
  private final Consumer<Row> out;

  PeerSuite(
      String system,
      String backend,
      ChatMemoryRepository repository,
      Sizes sizes,
      Corpus corpus,
      Consumer<Row> out) {
    this.system = system;
    this.backend = backend;
    this.repository = repository;
    this.sizes = sizes;
    this.corpus = corpus;
    this.out = out;
  }

  void run() throws Exception {
    append();
    recording();
  }

  /**
   * The same series as the store's {@code append-1-to-1000}: as many conversations, as many adds.
   */
  private void append() throws Exception {
    int length = sizes.appendMid();
    int operations = sizes.warmup() + sizes.iterations();
    int conversations = appendSessions(length, operations);
    List<String> ids = new ArrayList<>();
    List<List<org.springframework.ai.chat.messages.Message>> histories = new ArrayList<>();
    for (int k = 0; k < conversations; k++) {
      String id = UUID.randomUUID().toString();
      List<org.springframework.ai.chat.messages.Message> history =
          new ArrayList<>(spring(corpus.next(length)));
      repository.saveAll(id, history);
      ids.add(id);
      histories.add(history);
    }
    List<Message> added = corpus.next(operations);
    Stats stats =
        Sampler.time(
            sizes.warmup(),
            sizes.iterations(),
            i -> {
              List<org.springframework.ai.chat.messages.Message> history =
                  histories.get(i % conversations);
              history.add(spring(added.get(i)));
              repository.saveAll(ids.get(i % conversations), history);
            });
    out.accept(Row.of(APPEND_MID, backend, system, stats, Corpus.bytes(added) / operations));
  }

  private void recording() throws Exception {
    int sessions = sizes.recordingSessions();
    int length = sizes.recordingLength();
    long[] nanos = new long[sessions * length + sessions];
    int op = 0;
    long bytes = 0;
    List<String> ids = new ArrayList<>();
    for (int r = 0; r < sessions; r++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      List<Message> messages = corpus.next(length);
      bytes += Corpus.bytes(messages);
      List<org.springframework.ai.chat.messages.Message> history = new ArrayList<>();
      for (Message m : messages) {
        history.add(spring(m));
        long start = System.nanoTime();
        repository.saveAll(id, history);
        nanos[op++] = System.nanoTime() - start;
      }
    }
    for (String id : ids) {
      long start = System.nanoTime();
      int loaded = repository.findByConversationId(id).size();
      nanos[op++] = System.nanoTime() - start;
      if (loaded != length) {
        throw new IllegalStateException(
            system + " holds " + loaded + " messages of a conversation, not " + length);
      }
    }
    out.accept(Row.of(RECORDING, backend, system, new Stats(nanos), bytes));
  }

  /**
   * The same text, as the message kind Spring AI stores; a transcript's user lines become user
   * messages.
   */
  private static org.springframework.ai.chat.messages.Message spring(Message m) {
    return "user".equals(m.type()) ? new UserMessage(m.json()) : new AssistantMessage(m.json());
  }

  private static List<org.springframework.ai.chat.messages.Message> spring(List<Message> messages) {
    return messages.stream().map(PeerSuite::spring).toList();
  }
}
