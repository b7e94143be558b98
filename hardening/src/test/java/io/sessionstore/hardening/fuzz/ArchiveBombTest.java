package io.sessionstore.hardening.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gzip bombs: small archives that expand to one line of several GB, or to hundreds of millions of
 * short invalid lines. Each is imported by the CLI in a child JVM limited to 256 MB of heap, killed
 * after a generous bound: the import must end with exit 2 (the archive is bad input), not run out
 * of memory, not hang, and say so in a bounded amount of text. The bombs are written streaming,
 * block by block, never held in memory.
 */
class ArchiveBombTest {
  private static final long HEAP_MB = 256;
  private static final AtomicLong INPUTS = new AtomicLong();
  private static final AtomicLong FAILURES = new AtomicLong();

  @TempDir Path tmp;

  @AfterAll
  static void summary() {
    System.out.println(
        "hardening fuzz archive bombs: "
            + INPUTS.get()
            + " inputs, "
            + FAILURES.get()
            + " failures"
            + " (level "
            + (Level.Run.isLong() ? "long" : "quick")
            + ", child JVM -Xmx"
            + HEAP_MB
            + "m)");
  }

  /**
   * Writes a gzip file whose content is {@code head}, then {@code repeats} times {@code block},
   * then {@code tail}. The repeated block is deflated once after a full flush, which makes its
   * compressed form independent of what came before, and that form is written {@code repeats}
   * times: a multi-GB content costs a few MB and seconds.
   */
  static void gzipBomb(Path file, byte[] head, byte[] block, long repeats, byte[] tail)
      throws IOException {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
    CRC32 crc = new CRC32();
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      out.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
      out.write(deflate(d, head, Deflater.FULL_FLUSH));
      crc.update(head);
      byte[] first = deflate(d, block, Deflater.FULL_FLUSH);
      byte[] second = deflate(d, block, Deflater.FULL_FLUSH);
      byte[] third = deflate(d, block, Deflater.FULL_FLUSH);
      assertArrayEquals(second, third, "a full-flushed block does not deflate the same twice");
      out.write(first);
      out.write(second);
      out.write(third);
      for (int i = 0; i < 3; i++) {
        crc.update(block);
      }
      for (long i = 3; i < repeats; i++) {
        out.write(third);
        crc.update(block);
      }
      d.setInput(tail);
      d.finish();
      byte[] buf = new byte[1 << 16];
      while (!d.finished()) {
        out.write(buf, 0, d.deflate(buf));
      }
      crc.update(tail);
      long size = head.length + block.length * repeats + tail.length;
      writeIntLe(out, crc.getValue());
      writeIntLe(out, size & 0xffffffffL);
    } finally {
      d.end();
    }
  }

  private static byte[] deflate(Deflater d, byte[] input, int flush) {
    d.setInput(input);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    int n;
    do {
      n = d.deflate(buf, 0, buf.length, flush);
      o.write(buf, 0, n);
    } while (n == buf.length || !d.needsInput());
    return o.toByteArray();
  }

  private static void writeIntLe(OutputStream out, long v) throws IOException {
    for (int i = 0; i < 4; i++) {
      out.write((int) (v >>> (8 * i)) & 0xff);
    }
  }

  /**
   * A child JVM's exit code, the first 8 KB of its output (stdout and stderr) and its size, whether
   * it was killed.
   */
  record Child(int code, String errHead, long errBytes, boolean killed, long millis) {}

  /** Runs the CLI in a child JVM with a small heap, killing it after {@code seconds}. */
  static Child runCli(long seconds, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + HEAP_MB + "m",
                "-XX:+UseParallelGC",
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                "io.sessionstore.cli.Main"));
    cmd.addAll(Arrays.asList(args));
    long start = System.nanoTime();
    // standard output and error together: the JVM reports an OutOfMemoryError exit on standard
    // output
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    AtomicLong total = new AtomicLong();
    Thread drain =
        new Thread(
            () -> {
              byte[] buf = new byte[1 << 16];
              try (InputStream err = p.getInputStream()) {
                int n;
                while ((n = err.read(buf)) > 0) {
                  synchronized (head) {
                    if (head.size() < 8192) {
                      head.write(buf, 0, Math.min(n, 8192 - head.size()));
                    }
                  }
                  total.addAndGet(n);
                }
              } catch (IOException e) {
                // the child was killed
              }
            });
    drain.setDaemon(true);
    drain.start();
    boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    drain.join(10_000);
    synchronized (head) {
      return new Child(
          done ? p.exitValue() : -1,
          head.toString(StandardCharsets.UTF_8),
          total.get(),
          !done,
          (System.nanoTime() - start) / 1_000_000);
    }
  }

  private void importBomb(String what, Path bomb, long seconds) throws Exception {
    INPUTS.incrementAndGet();
    try {
      Path store = tmp.resolve("store");
      Child c = runCli(seconds, "-D", "sessionstore.file.dir=" + store, "import", bomb.toString());
      String said =
          what
              + " ("
              + Files.size(bomb)
              + " bytes of gzip, "
              + c.millis()
              + " ms): exit "
              + c.code()
              + ", "
              + c.errBytes()
              + " bytes of output, starting: "
              + Fuzz.clip(c.errHead());
      assertFalse(c.killed(), "still running after " + seconds + " s, killed: " + said);
      // -XX:+ExitOnOutOfMemoryError ends the child at the first OutOfMemoryError instead of letting
      // it thrash
      assertFalse(c.errHead().contains("OutOfMemoryError"), "ran out of memory: " + said);
      assertEquals(2, c.code(), said);
      assertTrue(c.errBytes() <= 64 * 1024, "an unbounded report: " + said);
      assertFalse(c.errHead().contains("\tat "), "a stack trace: " + said);
      assertEquals("", Fuzz.snapshot(store), "a bomb stored something: " + said);
    } catch (Throwable e) {
      FAILURES.incrementAndGet();
      throw e;
    }
  }

  private static byte[] header() {
    return Fuzz.utf8("{\"format\":\"sessionstore-archive\",\"version\":1}\n");
  }

  @Test
  void aSmallGzipExpandingToOneLineOfThreeGigabytes() throws Exception {
    Path bomb = tmp.resolve("one-line.gz");
    byte[] block = new byte[1 << 20];
    Arrays.fill(block, (byte) 'x');
    long mb = 3L * 1024; // 3 GiB of one unterminated string
    gzipBomb(
        bomb,
        Fuzz.utf8(
            new String(header(), StandardCharsets.UTF_8)
                + "{\"project\":\"p\",\"sessionId\":\"s\",\"createdAt\":\"2026-11-01T00:00:00Z\",\"updatedAt\":"
                + "\"2026-11-01T00:00:00Z\",\"tags\":[],\"messages\":[{\"a\":\""),
        block,
        mb,
        Fuzz.utf8("\"}]}\n"));
    assertTrue(
        Files.size(bomb) < 16L * 1024 * 1024,
        "the bomb itself should be small: " + Files.size(bomb));
    importBomb("one 3 GiB line", bomb, Level.Run.pick(300, 900));
  }

  @Test
  void aSmallGzipExpandingToManyShortInvalidLines() throws Exception {
    Path bomb = tmp.resolve("many-lines.gz");
    byte[] block = Fuzz.utf8("x\n".repeat(1 << 15)); // 32,768 invalid lines of 2 bytes each
    long blocks = Level.Run.pick(100, 30_518); // quick: 3.3 million lines; long: a billion
    gzipBomb(bomb, header(), block, blocks, new byte[0]);
    importBomb(blocks * (1 << 15) + " invalid lines", bomb, Level.Run.pick(300, 3600));
  }

  @Test
  void theBombWriterMakesAValidGzip() throws Exception {
    Path small = tmp.resolve("small.gz");
    gzipBomb(small, Fuzz.utf8("head\n"), Fuzz.utf8("ab\n"), 5, Fuzz.utf8("tail"));
    try (InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(small))) {
      assertEquals(
          "head\n" + "ab\n".repeat(5) + "tail",
          new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertTrue(new File(System.getProperty("java.home"), "bin").isDirectory());
  }
}
