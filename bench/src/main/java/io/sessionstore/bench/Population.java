package io.sessionstore.bench;

import io.sessionstore.api.ImportOptions;
import io.sessionstore.api.ImportResult;
import io.sessionstore.api.Message;
import io.sessionstore.api.SessionStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The data behind searches, listing, export and cleanup: sessions of a few real messages, tagged
 * {@code tag-0} to {@code tag-9} in turn, last updated one minute apart from {@link #START}.
 * Written through the archive import (which keeps an archive's timestamps), several archives at
 * once: this setup is not what is measured, and on S3 each new session takes several requests.
 */
final class Population {
  /** Long enough ago that a cleanup of sessions older than 30 days removes all of them. */
  static final Instant START = Instant.parse("2020-01-01T00:00:00Z");

  private static final int WRITERS = 4;

  private Population() {}

  static void write(SessionStore store, Corpus corpus, String project, int sessions, int messages)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try {
      List<Future<ImportResult>> results = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        byte[] archive = archive(corpus, project, w, sessions, messages);
        results.add(
            pool.submit(
                () ->
                    store.importSessions(
                        new ByteArrayInputStream(archive), ImportOptions.DEFAULTS)));
      }
      long created = 0;
      for (Future<ImportResult> r : results) {
        created += r.get().created();
      }
      if (created != sessions) {
        throw new IllegalStateException(
            "Created " + created + " sessions in " + project + ", not " + sessions);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** The time range that holds the middle tenth of a population's update times. */
  static Instant[] middleTenth(int sessions) {
    return new Instant[] {at(sessions * 45L / 100), at(Math.max(1, sessions * 55L / 100))};
  }

  static Instant at(long session) {
    return START.plus(Duration.ofMinutes(session));
  }

  /** Every {@code WRITERS}-th session of the population, from {@code first}, as an archive. */
  private static byte[] archive(
      Corpus corpus, String project, int first, int sessions, int messages) {
    StringBuilder sb = new StringBuilder("{\"format\":\"sessionstore-archive\",\"version\":1}\n");
    for (int i = first; i < sessions; i += WRITERS) {
      String time = at(i).toString();
      sb.append("{\"project\":\"")
          .append(project)
          .append("\",\"sessionId\":\"s-")
          .append(i)
          .append("\",\"createdAt\":\"")
          .append(time)
          .append("\",\"updatedAt\":\"")
          .append(time)
          .append("\",\"tags\":[\"bench\",\"tag-")
          .append(i % 10)
          .append("\"],\"messages\":[");
      List<Message> batch = corpus.next(messages);
      for (int m = 0; m < batch.size(); m++) {
        sb.append(m == 0 ? "" : ",").append(batch.get(m).json());
      }
      sb.append("]}\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
