package io.sessionstore.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** The file backend, each namespace a directory under one temporary folder. */
final class FileTarget implements Target {
  private final Path root;
  private final Path floorDir;
  private int namespaces;

  FileTarget(Path root) throws IOException {
    this.root = Files.createDirectories(root.resolve("file"));
    this.floorDir = Files.createDirectories(this.root.resolve("floor"));
  }

  @Override
  public String name() {
    return "file";
  }

  @Override
  public Map<String, String> freshConfig() {
    return Map.of(
        "sessionstore.backend",
        "file",
        "sessionstore.project",
        "bench",
        "sessionstore.file.dir",
        root.resolve("ns-" + ++namespaces).toString());
  }

  @Override
  public void release(Map<String, String> config) throws IOException {
    deleteTree(Path.of(config.get("sessionstore.file.dir")));
  }

  @Override
  public long storedBytes(Map<String, String> config) throws IOException {
    try (var files = Files.walk(Path.of(config.get("sessionstore.file.dir")))) {
      long total = 0;
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f)) {
          total += Files.size(f);
        }
      }
      return total;
    }
  }

  @Override
  public Floor floor() {
    return new Floor() {
      /** Write a temporary file, force it to disk, rename it into place. */
      @Override
      public void write(String name, byte[] data) throws IOException {
        Path tmp = floorDir.resolve(name + ".tmp");
        try (FileChannel ch =
            FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ByteBuffer buf = ByteBuffer.wrap(data);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          ch.force(true);
        }
        Files.move(tmp, floorDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
      }

      @Override
      public byte[] read(String name) throws IOException {
        return Files.readAllBytes(floorDir.resolve(name));
      }
    };
  }

  @Override
  public void close() throws IOException {
    deleteTree(root);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
