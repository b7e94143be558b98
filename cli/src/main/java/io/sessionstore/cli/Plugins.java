package io.sessionstore.cli;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Backends of one's own for the command: {@code SESSIONSTORE_CLASSPATH} names jars and class
 * folders (separated as in a class path; {@code dir/*} means every jar in {@code dir}) whose {@code
 * StorageBackendProvider}s are found beside the bundled ones. {@code java -jar} ignores {@code
 * -cp}, so the command adds them itself.
 */
final class Plugins {
  static final String VARIABLE = "SESSIONSTORE_CLASSPATH";

  private Plugins() {}

  /**
   * A class loader over the entries of {@code path} with {@code parent} behind it; {@code parent}
   * itself when the path is unset or blank.
   *
   * @throws Main.UsageException when an entry does not exist
   */
  static ClassLoader loader(String path, ClassLoader parent) {
    if (path == null || path.isBlank()) {
      return parent;
    }
    List<URL> urls = new ArrayList<>();
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      if (entry.endsWith("/*") || entry.endsWith(File.separator + "*")) {
        Path dir = Path.of(entry.substring(0, entry.length() - 2));
        try (Stream<Path> jars = Files.list(dir)) {
          for (Path jar :
              jars.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList()) {
            urls.add(url(jar));
          }
        } catch (IOException e) {
          throw new Main.UsageException(
              VARIABLE + ": cannot list " + dir + " (" + e.getMessage() + ")");
        }
      } else {
        Path p = Path.of(entry);
        if (!Files.exists(p)) {
          throw new Main.UsageException(VARIABLE + ": no such file or folder " + p);
        }
        urls.add(url(p));
      }
    }
    return new URLClassLoader("sessionstore-plugins", urls.toArray(URL[]::new), parent);
  }

  private static URL url(Path p) {
    try {
      return p.toAbsolutePath().toUri().toURL();
    } catch (MalformedURLException e) {
      throw new Main.UsageException(VARIABLE + ": not a usable path " + p);
    }
  }
}
