package io.sessionstore.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * A gzip stream that compresses on a thread of its own, so that an export reads and encodes its
 * sessions on one core while another compresses: compressing takes about as long as the rest of an
 * export, and one thread doing both takes their sum.
 *
 * <p>Bytes are handed over in chunks through a short queue, so memory stays a few megabytes. A
 * failure of the compression or of the target (a full disk) is thrown by the next write, or at the
 * latest by {@link #close()}, which also waits for the compressed stream to be complete and closed.
 */
final class BackgroundGzip extends OutputStream {
  private static final int CHUNK = 256 * 1024;
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(8);
  private final Thread compressor;
  private volatile Throwable failure;
  private byte[] chunk = new byte[CHUNK];
  private int filled;
  private boolean closed;

  BackgroundGzip(OutputStream target) {
    compressor = new Thread(() -> compress(target), "sessionstore-gzip");
    compressor.setDaemon(true);
    compressor.start();
  }

  private void compress(OutputStream target) {
    try (GZIPOutputStream gzip = new GZIPOutputStream(target, 64 * 1024)) {
      while (true) {
        byte[] next = chunks.take();
        if (next == END) {
          return;
        }
        gzip.write(next);
      }
    } catch (Throwable e) {
      failure = e;
      // The writer may be waiting for room: there is no more compressing to wait for.
      chunks.clear();
    }
  }

  @Override
  public void write(int b) throws IOException {
    checkOpen();
    if (filled == chunk.length) {
      handOver(chunk);
    }
    chunk[filled++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    checkOpen();
    while (len > 0) {
      if (filled == chunk.length) {
        handOver(chunk);
      }
      int n = Math.min(len, chunk.length - filled);
      System.arraycopy(b, off, chunk, filled, n);
      filled += n;
      off += n;
      len -= n;
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (filled > 0) {
      handOver(Arrays.copyOf(chunk, filled));
    }
    put(END);
    try {
      compressor.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while compressing");
    }
    checkFailure();
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException("The archive is closed");
    }
  }

  private void handOver(byte[] full) throws IOException {
    put(full);
    chunk = new byte[CHUNK];
    filled = 0;
  }

  private void put(byte[] c) throws IOException {
    try {
      while (!chunks.offer(c, 100, TimeUnit.MILLISECONDS)) {
        checkFailure();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while compressing");
    }
    checkFailure();
  }

  private void checkFailure() throws IOException {
    Throwable f = failure;
    if (f instanceof IOException io) {
      throw new IOException(io.getMessage(), io);
    }
    if (f != null) {
      throw new IOException("Compressing failed: " + f, f);
    }
  }
}
