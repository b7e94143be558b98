package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sessionstore.cli.CliRun.Result;
import io.sessionstore.tck.Fixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built command as {@code ./sessionstore} runs it, after {@code package}: the class-data
 * archive the build made beside the jar is used when it fits and left alone when it does not, and
 * either way a command prints exactly what it prints in this process, with nothing from the JVM on
 * standard error. A short command starts no cache layer (even configured) and no object mapper.
 * Start-up times are measured, never asserted (README).
 */
class ScriptIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final Path JAR = TARGET.resolve("sessionstore.jar");
  private static final Path ARCHIVE = TARGET.resolve("sessionstore.jsa");
  private static final Path ARCHIVE_JVM = TARGET.resolve("sessionstore.jsa.jvm");

  @TempDir static Path tmp;

  /** The session the commands read, from real Claude Code output. */
  private static String session;

  @BeforeAll
  static void storeOneSession() {
    session =
        Fixtures.text(
            Fixtures.jsonLinesFiles().stream()
                .filter(f -> f.startsWith("stream-json/"))
                .findFirst()
                .orElseThrow());
    Result saved = cli().input(session, "save", "s1", "--tag", "x", "--summary", "one");
    assertEquals(0, saved.code(), saved.err());
  }

  private static CliRun cli() {
    return new CliRun(tmp.resolve("store"));
  }

  /**
   * A copy of the repository as far as the script looks: the script, and the built jar and archive
   * (links to them, unless {@code copyJar}). Its folder holds no sources, so it never builds.
   */
  private static Path repository(String name, boolean copyJar, String archiveJvm)
      throws IOException {
    Path root = tmp.resolve(name);
    Path target = Files.createDirectories(root.resolve("cli/target"));
    Path script = root.resolve("sessionstore");
    Files.copy(Path.of("..", "sessionstore"), script);
    if (copyJar) {
      Files.copy(JAR, target.resolve(JAR.getFileName()));
    } else {
      Files.createSymbolicLink(target.resolve(JAR.getFileName()), JAR);
    }
    Files.createSymbolicLink(target.resolve(ARCHIVE.getFileName()), ARCHIVE);
    Files.writeString(target.resolve(ARCHIVE_JVM.getFileName()), archiveJvm);
    return root;
  }

  /** What {@code ./sessionstore ARGS} printed, and which classes its JVM loaded from where. */
  private record Run(Result result, String classes) {}

  private static Run script(Path root, String stdin, String... args)
      throws IOException, InterruptedException {
    return scriptWith(Map.of(), root, stdin, args);
  }

  /**
   * The same with these environment variables, {@code SESSIONSTORE_JAVA_OPTS} among them added to
   * the options the test gives.
   */
  private static Run scriptWith(Map<String, String> vars, Path root, String stdin, String... args)
      throws IOException, InterruptedException {
    Path classes = Files.createTempFile(tmp, "classes", ".log");
    List<String> command =
        new ArrayList<>(
            List.of(
                "bash",
                root.resolve("sessionstore").toString(),
                "-D",
                "sessionstore.file.dir=" + tmp.resolve("store"),
                // configured, and still not started by a short command
                "-D",
                "sessionstore.cache.enabled=true",
                "-D",
                "sessionstore.cleanup.max-age=3650d"));
    command.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(command);
    Map<String, String> env = b.environment();
    // The java that made the archive, so that the script finds it fitting.
    env.put("PATH", archiveJavaHome().resolve("bin") + ":" + env.get("PATH"));
    env.remove("SESSIONSTORE_CONFIG");
    env.remove(Plugins.VARIABLE);
    env.putAll(vars);
    env.put(
        "SESSIONSTORE_JAVA_OPTS",
        vars.getOrDefault("SESSIONSTORE_JAVA_OPTS", "") + " -Xlog:class+load:file=" + classes);
    Process p = b.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(new Result(p.waitFor(), out, err), Files.readString(classes));
  }

  private static Path archiveJavaHome() throws IOException {
    String jvm = Files.readString(ARCHIVE_JVM, StandardCharsets.UTF_8);
    return Path.of(jvm.substring(0, jvm.indexOf(" \"")));
  }

  private static boolean fromArchive(Run run, Class<?> c) {
    return run.classes().contains(" " + c.getName() + " source: shared objects file");
  }

  private static void assumeAnArchive() {
    // Any HotSpot JVM makes one; a JVM that cannot leaves none and the command starts without it.
    assumeTrue(
        !System.getProperty("java.vm.name").contains("OpenJ9"),
        "this JVM makes no class-data archive");
  }

  @Test
  void theBuildLeavesTheArchiveAndTheJvmThatMadeItBesideTheJar() throws Exception {
    assumeAnArchive();
    assertTrue(Files.isRegularFile(ARCHIVE), ARCHIVE + " is missing");
    assertFalse(
        Files.getLastModifiedTime(JAR).compareTo(Files.getLastModifiedTime(ARCHIVE)) > 0,
        "the archive is older than the jar");
    assertTrue(Files.isRegularFile(archiveJavaHome().resolve("release")), archiveJavaHome() + "");
    assertFalse(Files.exists(TARGET.resolve("cds-training")), "the training's files are left");
    // Whole and made for this jar: a JVM that requires it starts with it.
    Path out = Files.createTempFile(tmp, "version", ".out");
    Process p =
        new ProcessBuilder(
                archiveJavaHome().resolve("bin/java").toString(),
                "-Xshare:on",
                "-XX:SharedArchiveFile=" + ARCHIVE,
                "-jar",
                JAR.toString(),
                "version")
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertEquals(0, p.waitFor(), Files.readString(out));
    assertEquals(VersionCommand.version() + System.lineSeparator(), Files.readString(out));
  }

  @Test
  void shortCommandsRunWithTheArchiveAndPrintWhatTheyPrintInProcess() throws Exception {
    assumeAnArchive();
    Path root = repository("fits", false, Files.readString(ARCHIVE_JVM));
    for (String[] args :
        List.of(
            new String[] {"list"},
            new String[] {"search", "--tag", "x", "--json"},
            new String[] {"info", "s1"},
            new String[] {"info", "s1", "--json"},
            new String[] {"show", "s1"},
            new String[] {"version"})) {
      Run run = script(root, "", args);
      Result expected = cli().run(args);
      assertEquals(expected, run.result(), String.join(" ", args));
      assertEquals("", run.result().err(), String.join(" ", args));
      assertTrue(fromArchive(run, Main.class), "not from the archive: " + String.join(" ", args));
      assertFalse(run.classes().contains(" org.ehcache.core."), "the cache layer started");
      assertFalse(
          run.classes().contains(" com.fasterxml.jackson.databind.ObjectMapper "),
          "the object mapper started for " + String.join(" ", args));
    }
    // A write through the script, read back in process.
    Run saved = script(root, session, "save", "s2", "--tag", "y");
    assertEquals(0, saved.result().code(), saved.result().err());
    assertEquals("", saved.result().err());
    assertEquals(session.lines().toList(), cli().run("show", "s2").lines());
  }

  @Test
  void shortCommandsRunOnTheSerialCollectorUnlessTheOptionsMayPickOne() throws Exception {
    assumeTrue(
        !System.getProperty("java.vm.name").contains("OpenJ9"), "the collectors are HotSpot's");
    Path root = repository("collector", false, Files.readString(ARCHIVE_JVM));
    Path log = tmp.resolve("gc.log");
    // As on any machine the JVM takes for a server (where its own choice is G1), so that only the
    // script makes it serial.
    String server = "-XX:+AlwaysActAsServerClassMachine -Xlog:gc:file=" + log;
    record Case(Map<String, String> vars, String[] args, String collector) {}
    for (Case c :
        List.of(
            new Case(
                Map.of("SESSIONSTORE_JAVA_OPTS", server), new String[] {"info", "s1"}, "Serial"),
            new Case(
                Map.of("SESSIONSTORE_JAVA_OPTS", "-XX:+UseParallelGC " + server),
                new String[] {"info", "s1"},
                "Parallel"),
            new Case(
                Map.of("SESSIONSTORE_JAVA_OPTS", "-XX:+AggressiveHeap " + server),
                new String[] {"info", "s1"},
                "Parallel"),
            // read by the JVM itself, not named on the script's command line
            new Case(
                Map.of("SESSIONSTORE_JAVA_OPTS", server, "_JAVA_OPTIONS", "-XX:+UseG1GC"),
                new String[] {"info", "s1"},
                "G1"),
            // long-running: the JVM's own choice
            new Case(
                Map.of("SESSIONSTORE_JAVA_OPTS", server),
                new String[] {"record", "--help"},
                "G1"))) {
      Run run = scriptWith(c.vars(), root, "", c.args());
      String what = c.vars() + " " + String.join(" ", c.args());
      assertEquals(0, run.result().code(), what + ": " + run.result().err());
      if (!c.vars().containsKey("_JAVA_OPTIONS")) {
        // (the JVM says on standard error that it picked that variable up)
        assertEquals(cli().run(c.args()), run.result(), what);
      }
      assertTrue(
          Files.readString(log).contains("Using " + c.collector()),
          what + ": " + Files.readString(log));
    }
  }

  @Test
  void anArchiveOfAnotherJvmOrOlderThanTheJarIsNotUsed() throws Exception {
    assumeAnArchive();
    Path otherJvm = repository("other-jvm", false, "/opt/other-jdk \"17.0.1+12\"\n");
    Path olderThanJar = repository("stale", true, Files.readString(ARCHIVE_JVM));
    Files.setLastModifiedTime(
        olderThanJar.resolve("cli/target/sessionstore.jar"),
        FileTime.from(Instant.now().plusSeconds(1)));
    for (Path root : List.of(otherJvm, olderThanJar)) {
      Run run = script(root, "", "info", "s1");
      assertEquals(cli().run("info", "s1"), run.result(), root.toString());
      assertEquals("", run.result().err());
      assertFalse(fromArchive(run, Main.class), root + ": used the archive");
      // Left out by the script, not refused by the JVM (which would then share no class at all):
      // the JDK's own archive is in use.
      assertTrue(fromArchive(run, Object.class), root + ": no class-data sharing at all");
    }
  }
}
