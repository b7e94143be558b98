package io.sessionstore.backend.file;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Group commit: threads that hand in work while a batch is being written wait, and the first of
 * them writes all their work as the next batch (one forced write for all of it), then hands over.
 * Each thread returns when the batch that holds its work is written, with that batch's failure if
 * it failed.
 *
 * @param <T> one thread's work
 */
final class GroupCommit<T> {
  /** Writes a batch; called by one thread at a time. */
  @FunctionalInterface
  interface Writer<T> {
    void write(List<T> batch) throws IOException;
  }

  private final Writer<T> writer;
  private final ArrayDeque<Waiting<T>> queue = new ArrayDeque<>();
  private boolean writing;

  private static final class Waiting<T> {
    final T work;
    boolean done;
    Throwable failure;

    Waiting(T work) {
      this.work = work;
    }
  }

  GroupCommit(Writer<T> writer) {
    this.writer = writer;
  }

  /** Writes the work in the next batch; returns when that batch is written. */
  void submit(T work) throws IOException {
    Waiting<T> mine = new Waiting<>(work);
    boolean interrupted = false;
    synchronized (queue) {
      queue.add(mine);
      // The outcome must be known before returning, so waiting is not interruptible.
      while (!mine.done && writing) {
        try {
          queue.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (!mine.done) {
        writing = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (!mine.done) {
      writeWaiting();
    }
    if (mine.failure instanceof IOException e) {
      throw e;
    }
    if (mine.failure instanceof RuntimeException e) {
      throw e;
    }
    if (mine.failure instanceof Error e) {
      throw e;
    }
  }

  /** Writes all the work waiting now (this thread's among it) as one batch, then hands over. */
  private void writeWaiting() {
    List<Waiting<T>> batch;
    synchronized (queue) {
      batch = new ArrayList<>(queue);
      queue.clear();
    }
    Throwable failure = null;
    try {
      writer.write(batch.stream().map(w -> w.work).toList());
    } catch (IOException | RuntimeException | Error e) {
      failure = e;
    }
    synchronized (queue) {
      for (Waiting<T> w : batch) {
        w.failure = failure;
        w.done = true;
      }
      writing = false;
      queue.notifyAll();
    }
  }
}
