package io.sessionstore.examples;

import io.sessionstore.api.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** The bundled sample data: real Claude Code sessions (see {@code samples/README.md}). */
final class Samples {
  private Samples() {}

  /** The messages of a bundled JSON Lines file, one per line, exactly as in the file. */
  static List<Message> messages(String name) {
    try (InputStream in = Samples.class.getResourceAsStream("/samples/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("No sample " + name);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return Arrays.stream(text.split("\n")).filter(l -> !l.isBlank()).map(Message::of).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
