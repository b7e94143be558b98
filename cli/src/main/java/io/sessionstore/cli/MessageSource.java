package io.sessionstore.cli;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.Messages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Messages from {@code --file F} (JSON Lines or one JSON array), {@code -} or no file meaning
 * standard input.
 */
final class MessageSource {
  private MessageSource() {}

  static List<Message> read(String file, InputStream stdin) {
    if (file == null || file.equals("-")) {
      return Messages.read(stdin);
    }
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      return Messages.read(in);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException("Cannot read " + file + ": no such file");
    } catch (InvalidInputException e) {
      throw new InvalidInputException(file + ": " + e.getMessage());
    } catch (IOException e) {
      throw new BackendUnavailableException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
