package io.sessionstore.spi;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * I/O failures as a person reads them: what is wrong with which file. For the reason in a "Cannot
 * X: reason" message when a backend translates an {@link IOException} into the API's exceptions.
 */
public final class IoErrors {
  private IoErrors() {}

  /** The reason, e.g. "permission denied on /data/x", without the exception's class name. */
  public static String describe(IOException e) {
    if (e instanceof AccessDeniedException a) {
      return "permission denied on " + a.getFile();
    }
    if (e instanceof FileAlreadyExistsException a) {
      return a.getFile() + " exists and is not a directory";
    }
    if (e instanceof NoSuchFileException a) {
      return a.getFile() + " does not exist";
    }
    if (e instanceof NotDirectoryException a) {
      return a.getFile() + " is not a directory";
    }
    if (e instanceof FileSystemException f) {
      return (f.getReason() == null ? "failed" : f.getReason()) + " (" + f.getFile() + ")";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
