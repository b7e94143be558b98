package io.sessionstore.cli;

import io.sessionstore.api.ProgressListener;
import java.io.PrintStream;

/**
 * Progress of a long operation on standard error, shown only when a person is watching a terminal.
 */
final class TerminalProgress implements ProgressListener, AutoCloseable {
  private final PrintStream err;
  private final String label;
  private final boolean enabled = System.console() != null;
  private long lastPrinted;
  private boolean printed;

  TerminalProgress(PrintStream err, String label) {
    this.err = err;
    this.label = label;
  }

  @Override
  public void progress(long done, long total) {
    long now = System.nanoTime();
    if (!enabled || now - lastPrinted < 100_000_000L) {
      return;
    }
    lastPrinted = now;
    printed = true;
    err.print("\r" + label + ": " + done + (total >= 0 ? " of " + total : ""));
    err.flush();
  }

  @Override
  public void close() {
    if (printed) {
      err.print("\r\033[K");
      err.flush();
    }
  }
}
