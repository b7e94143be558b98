package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class BackgroundGzipTest {
  @Test
  void whatIsWrittenInAnyPiecesDecompressesToTheSameBytes() throws IOException {
    Random random = new Random(7);
    byte[] data = new byte[3_000_000];
    for (int i = 0; i < data.length; i++) {
      // compressible, like JSON, with some noise
      data[i] = (byte) (i % 97 == 0 ? random.nextInt() : 'a' + i % 13);
    }
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (OutputStream gz = new BackgroundGzip(compressed)) {
      int at = 0;
      while (at < data.length) {
        int n = Math.min(data.length - at, random.nextInt(400_000));
        if (n == 1 || random.nextInt(10) == 0) {
          gz.write(data[at]);
          n = 1;
        } else {
          gz.write(data, at, n);
        }
        at += n;
      }
    }
    try (GZIPInputStream in =
        new GZIPInputStream(new ByteArrayInputStream(compressed.toByteArray()))) {
      assertArrayEquals(data, in.readAllBytes());
    }
  }

  @Test
  void aFailingTargetFailsTheWritesOrTheClose() {
    OutputStream full =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("No space left on device");
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("No space left on device");
          }
        };
    IOException e =
        assertThrows(
            IOException.class,
            () -> {
              try (OutputStream gz = new BackgroundGzip(full)) {
                byte[] chunk = new byte[1 << 20];
                for (int i = 0; i < 64; i++) {
                  gz.write(chunk);
                }
              }
            });
    assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
  }
}
