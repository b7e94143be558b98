package io.sessionstore.internal;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.SessionKey;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The overlap of a bulk operation (export, import, migration): the work on up to {@link #SESSIONS}
 * sessions runs at once on the operation's own threads, while the caller takes the results one by
 * one in the order it submitted the work, on its own thread, as a sequential loop would have had
 * them. The message text the work holds is counted against {@link #TEXT_BUDGET} ({@link Ticket}).
 *
 * <p>A failure reaches the caller in turn, from {@link #take}, after every result submitted before
 * it; no work starts once it is known. An interrupted caller gets a {@link
 * BackendUnavailableException} (its interrupt flag kept). {@link #close} lets the work still
 * running finish its session, so that none is left half-done and none runs on after the operation
 * returned, and then stops the threads.
 *
 * <p>Used by one caller thread; the work runs on the pipeline's.
 */
final class Pipeline<R> implements AutoCloseable {
  /**
   * Sessions worked on at once. The work on a session mostly waits: for round trips to a remote
   * backend (whose client holds as many connections: the AWS SDK 50, the MongoDB driver 100), or
   * for the file backend's forced writes, which the new sessions committed meanwhile share (group
   * commit), so the more at once, the fewer. 32 rather than 8 made import, migration and cleanup
   * 15–70% faster on every backend in the bench; what the work holds is bounded by {@link
   * #TEXT_BUDGET}, not by this number.
   */
  static final int SESSIONS = 32;

  /**
   * Characters of message text the work in flight may hold: 64 Mi, 64 to 128 MiB of heap. The
   * oldest work never waits for the budget, so a session larger than it goes on, the others waiting
   * until it is taken.
   */
  static final long TEXT_BUDGET = 64L << 20;

  private final String operation;
  private final ExecutorService threads;
  private final ArrayDeque<Pending<R>> pending = new ArrayDeque<>();
  private volatile boolean failed;
  private long submitted;

  // Guarded by this: the text held by tickets, how many tickets were released, whether closed.
  private long held;
  private long released;
  private boolean closed;

  private Ticket lastTaken;

  private record Pending<R>(SessionKey key, Ticket ticket, Future<R> result) {}

  /**
   * @param operation names the threads ({@code sessionstore-export-1}, …) and the errors
   */
  Pipeline(String operation) {
    this(operation, SESSIONS);
  }

  /**
   * @param operation names the threads ({@code sessionstore-export-1}, …) and the errors
   * @param threads how many threads do the work: fewer than {@link #SESSIONS} when the work does
   *     not wait (only computes), so that no more threads take turns on the cores than they have
   */
  Pipeline(String operation, int threads) {
    this.operation = operation;
    AtomicInteger count = new AtomicInteger();
    this.threads =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "sessionstore-" + operation + "-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Whether more work may start now: not while {@link #SESSIONS} results are not taken, nor once
   * some work has failed (the caller then takes the results before the failure, and meets it).
   */
  boolean hasRoom() {
    return pending.size() < SESSIONS && !failed;
  }

  /** How many results are not taken yet. */
  int pending() {
    return pending.size();
  }

  /** Whether the oldest result not taken is there, so that {@link #take} would not wait. */
  boolean nextDone() {
    return !pending.isEmpty() && pending.peekFirst().result().isDone();
  }

  /** Whether work on this session (its main key) is submitted and its result not taken. */
  boolean working(SessionKey key) {
    return pending.stream().anyMatch(p -> p.key().equals(key.main()));
  }

  /** Whether text of this many more characters fits in the budget. */
  synchronized boolean fits(long chars) {
    return held + chars <= TEXT_BUDGET;
  }

  /**
   * Starts work on a session, when there is {@link #hasRoom() room} for it.
   *
   * @param chars text the work holds from the start (counted as held by its ticket at once)
   */
  void submit(SessionKey key, long chars, Function<Ticket, R> work) {
    checkNotInterrupted();
    if (pending.size() >= SESSIONS) {
      throw new IllegalStateException("The " + operation + " has no room for more work");
    }
    Ticket ticket = new Ticket(this, submitted++);
    synchronized (this) {
      ticket.chars = chars;
      held += chars;
    }
    Future<R> result =
        threads.submit(
            () -> {
              try {
                return work.apply(ticket);
              } catch (RuntimeException | Error e) {
                failed = true;
                throw e;
              }
            });
    pending.add(new Pending<>(key.main(), ticket, result));
  }

  /**
   * Releases what the result taken before held, then waits for the oldest result and gives it: its
   * text stays counted until the next call, while the caller uses it.
   *
   * @throws RuntimeException the work's failure, as it was thrown
   */
  R take() {
    checkNotInterrupted();
    if (lastTaken != null) {
      release(lastTaken, true);
      lastTaken = null;
    }
    Pending<R> next = pending.removeFirst();
    R result = await(next.result());
    lastTaken = next.ticket();
    return result;
  }

  /**
   * Lets the work still running finish (work waiting for the budget gives up) and stops the
   * threads; keeps an interrupt that arrives meanwhile for later.
   */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    stop(threads);
  }

  /**
   * Shuts the threads down and waits until the work they run has finished; keeps an interrupt that
   * arrives meanwhile for later.
   */
  static void stop(ExecutorService threads) {
    threads.shutdown();
    boolean interrupted = false;
    while (true) {
      try {
        if (threads.awaitTermination(1, TimeUnit.MINUTES)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The message text one piece of work holds, counted against {@link #TEXT_BUDGET} from when it is
   * read until the caller is done with the result.
   */
  static final class Ticket {
    private final Pipeline<?> pipeline;
    private final long sequence;
    private long chars;

    private Ticket(Pipeline<?> pipeline, long sequence) {
      this.pipeline = pipeline;
      this.sequence = sequence;
    }

    /**
     * Counts text the work now holds; first waits while it would not fit in the budget, unless this
     * is the oldest work not released, which always goes on.
     *
     * @throws CancellationException when the operation stopped meanwhile
     */
    void hold(long more) {
      pipeline.hold(this, more);
    }

    /** Forgets the text held so far: the work starts over (a read that lost a race). */
    void releaseHeld() {
      pipeline.release(this, false);
    }
  }

  private synchronized void hold(Ticket ticket, long more) {
    while (!closed && ticket.sequence != released && held + more > TEXT_BUDGET) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("Interrupted while waiting for memory");
      }
    }
    if (closed) {
      throw new CancellationException("The " + operation + " stopped");
    }
    ticket.chars += more;
    held += more;
  }

  /** Forgets what the ticket holds; once its result is taken and used, the next work is oldest. */
  private synchronized void release(Ticket ticket, boolean used) {
    held -= ticket.chars;
    ticket.chars = 0;
    if (used) {
      released = ticket.sequence + 1;
    }
    notifyAll();
  }

  private R await(Future<R> result) {
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw interrupted();
    } catch (ExecutionException e) {
      throw failureOf(e);
    }
  }

  /** The failure of a task, as it was thrown (an {@link Error} is thrown from here). */
  static RuntimeException failureOf(ExecutionException e) {
    if (e.getCause() instanceof Error err) {
      throw err;
    }
    return e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
  }

  private void checkNotInterrupted() {
    if (Thread.currentThread().isInterrupted()) {
      throw interrupted();
    }
  }

  private BackendUnavailableException interrupted() {
    return interrupted(operation);
  }

  /** What an interrupted caller of the operation gets. */
  static BackendUnavailableException interrupted(String operation) {
    return new BackendUnavailableException(
        "The " + operation + " was interrupted: it stopped after the sessions in flight");
  }
}
