package io.sessionstore.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Makes the class-data sharing archive of the command when the jar is built (the {@code cli}
 * module's {@code package} phase runs it), for {@code ./sessionstore} to start the command with.
 *
 * <ol>
 *   <li>A JVM like this one runs {@link CdsTraining} and lists the classes it loads ({@code
 *       -XX:DumpLoadedClassList}).
 *   <li>Another one writes them, the JDK's included, into a static archive ({@code -Xshare:dump}).
 *       A static archive, not a dynamic one: picocli's classes are Java 5 class files, which a
 *       dynamic archive leaves out, and so are ours that implement its interfaces.
 *   <li>A third one runs {@code version} with the archive required ({@code -Xshare:on}): it must
 *       print exactly the version and nothing on standard error.
 *   <li>Only then are {@code ARCHIVE.jvm}, naming this JVM, and the archive moved into place, the
 *       archive in one atomic rename (a JVM given a truncated archive can crash).
 * </ol>
 *
 * <p>An archive is only usable by the JVM that made it; any other starts without class-data sharing
 * at all, slower than with none given. So the script uses it only when its {@code java} is the one
 * {@code ARCHIVE.jvm} names (its home and {@code JAVA_RUNTIME_VERSION}) and the jar is not newer
 * than the archive.
 *
 * <p>Exits 1 when a training command fails (a bug the build must show). A JVM that makes no usable
 * archive is not an error: the command works without it, it only starts slower; a line says so.
 *
 * <p>Usage: {@code CdsArchive JAR ARCHIVE WORK_DIR}.
 */
final class CdsArchive {
  private CdsArchive() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Path jar = Path.of(args[0]).toAbsolutePath();
    Path archive = Path.of(args[1]).toAbsolutePath();
    Path jvmFile = Path.of(archive + ".jvm");
    Path work = Path.of(args[2]).toAbsolutePath();
    Files.deleteIfExists(archive);
    Files.deleteIfExists(jvmFile);
    deleteTree(work);
    Files.createDirectories(work);
    Path log = work.resolve("cds.log");
    Files.createFile(log);
    String jvm = jvmIdentity();
    if (jvm == null) {
      skip("this JVM's home has no release file naming its version", log);
      return;
    }
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path classes = work.resolve("classes.lst");
    int code =
        run(
            log,
            java,
            "-XX:DumpLoadedClassList=" + classes,
            "-Djava.io.tmpdir=" + work,
            "-cp",
            jar.toString(),
            CdsTraining.class.getName(),
            work.toString());
    if (code != 0) {
      System.err.println(Files.readString(log, StandardCharsets.UTF_8));
      System.err.println(
          "sessionstore: the class-data archive's training run failed (exit " + code + ")");
      System.exit(1);
    }
    Path dumped = work.resolve(archive.getFileName());
    code =
        run(
            log,
            java,
            "-Xshare:dump",
            "-XX:SharedClassListFile=" + classes,
            "-XX:SharedArchiveFile=" + dumped,
            "-cp",
            jar.toString());
    if (code != 0 || !Files.isRegularFile(dumped)) {
      skip("this JVM wrote none", log);
      return;
    }
    Path out = work.resolve("check.out");
    Path err = work.resolve("check.err");
    ProcessBuilder check =
        new ProcessBuilder(
                java,
                "-Xshare:on",
                "-XX:SharedArchiveFile=" + dumped,
                "-jar",
                jar.toString(),
                "version")
            .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    code = waitFor(check.start());
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    String errors = Files.readString(err, StandardCharsets.UTF_8);
    if (code != 0
        || !printed.equals(VersionCommand.version() + System.lineSeparator())
        || !errors.isEmpty()) {
      skip("a command run with it printed: " + (printed + errors).strip(), out);
      return;
    }
    Files.writeString(jvmFile, jvm + "\n", StandardCharsets.UTF_8);
    Files.move(dumped, archive, StandardCopyOption.ATOMIC_MOVE);
    deleteTree(work);
  }

  /**
   * This JVM as the script tells JVMs apart: its home (symbolic links resolved) and the {@code
   * JAVA_RUNTIME_VERSION} line of the home's {@code release} file, as written there; null without
   * one.
   */
  static String jvmIdentity() throws IOException {
    Path home = Path.of(System.getProperty("java.home")).toRealPath();
    Path release = home.resolve("release");
    if (!Files.isRegularFile(release)) {
      return null;
    }
    for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
      if (line.startsWith("JAVA_RUNTIME_VERSION=")) {
        return home + " " + line.substring("JAVA_RUNTIME_VERSION=".length());
      }
    }
    return null;
  }

  /** Runs the command with its output and errors appended to the log; returns its exit code. */
  private static int run(Path log, String... command) throws IOException, InterruptedException {
    return waitFor(
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true)
            .start());
  }

  private static int waitFor(Process p) throws InterruptedException {
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor();
      return -1;
    }
    return p.exitValue();
  }

  private static File nullFile() {
    return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }

  private static void skip(String why, Path log) {
    System.out.println(
        "sessionstore: no class-data archive ("
            + why
            + "; see "
            + log
            + "): the command works without it, it only starts slower");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
