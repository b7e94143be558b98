package io.sessionstore.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The README's "Writing a custom backend" followed from scratch: the template project
 * (examples/backend-template), copied elsewhere, is built by the plain Maven on the PATH against
 * sessionstore's artifacts installed in a fresh local repository, and its backend passes the
 * conformance kit. Everything else comes from this build's own local repository, read through a
 * file:// mirror: no network, and nothing is written there.
 */
class TemplateProjectTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  /**
   * The modules the template depends on; the parent POM they name and the BOM are installed beside
   * them.
   */
  private static final List<String> MODULES_WITH_JARS = List.of("core", "tck");

  private static final XPath XPATH = XPathFactory.newInstance().newXPath();

  @TempDir Path tmp;

  @Test
  void theTemplateBuildsWithPlainMavenAndPassesTheKit() throws Exception {
    Path root = projectRoot();
    String version = text(xml(root.resolve("pom.xml")), "/project/version");
    Path work = root.resolve("hardening/target/template-project");
    if (Files.exists(work)) {
      deleteTree(work);
    }
    Path repo = work.resolve("repository");
    install(repo, "sessionstore-parent", version, root.resolve("pom.xml"), null);
    install(repo, "sessionstore-bom", version, root.resolve("bom/pom.xml"), null);
    for (String module : MODULES_WITH_JARS) {
      String artifact = "sessionstore-" + module;
      Path jar = root.resolve(module).resolve("target").resolve(artifact + "-" + version + ".jar");
      if (!Files.isRegularFile(jar)) {
        fail(
            root.relativize(jar)
                + " is missing: this test builds against the packaged jars, so run it with "
                + "mvn verify (mvn test stops before the package phase)");
      }
      install(repo, artifact, version, root.resolve(module).resolve("pom.xml"), jar);
    }
    Path settings = work.resolve("settings.xml");
    Files.writeString(settings, settings(userRepository()));
    Path project = tmp.resolve("my-sessionstore-backend");
    copyTemplate(root.resolve("examples/backend-template"), project);

    Path log = work.resolve("build.log");
    long start = System.nanoTime();
    Process mvn =
        new ProcessBuilder(
                mvn(),
                "-B",
                "-V",
                "-s",
                settings.toString(),
                "-Dmaven.repo.local=" + repo,
                "verify")
            .directory(project.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      if (!mvn.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        fail(
            "mvn verify of the template did not finish in "
                + TIMEOUT.toMinutes()
                + " minutes; its output is in "
                + log);
      }
    } finally {
      // Maven forks a JVM for the tests: stop it too when the build is stopped.
      mvn.descendants().forEach(ProcessHandle::destroyForcibly);
      mvn.destroyForcibly();
    }
    long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
    String output = Files.readString(log);
    assertEquals(
        0,
        mvn.exitValue(),
        "mvn verify of the template failed (all of it in " + log + "):\n" + tail(output, 60));

    Matcher maven = Pattern.compile("Apache Maven (\\S+)").matcher(output);
    Counts counts = surefireCounts(project.resolve("target/surefire-reports"));
    System.out.println(
        "template project: Maven "
            + (maven.find() ? maven.group(1) : "?")
            + ", "
            + counts.tests()
            + " tests, "
            + counts.failures()
            + " failures, "
            + counts.errors()
            + " errors, "
            + counts.skipped()
            + " skipped, "
            + seconds
            + " s");
    assertTrue(counts.tests() > 50, "The kit did not run: " + counts.tests() + " tests");
    assertEquals(0, counts.failures(), "failures");
    assertEquals(0, counts.errors(), "errors");
  }

  /**
   * The template asks for this build's versions: sessionstore's own, JUnit's and the plugins'. Its
   * build reads third-party artifacts from this build's repository only, and a user gets what the
   * kit was tested with.
   */
  @Test
  void theTemplateAsksForTheVersionsOfThisBuild() throws Exception {
    Path root = projectRoot();
    Document build = xml(root.resolve("pom.xml"));
    Document template = xml(root.resolve("examples/backend-template/pom.xml"));
    assertEquals(
        text(build, "/project/version"),
        text(template, "/project/properties/sessionstore.version"),
        "sessionstore.version in examples/backend-template/pom.xml");
    assertEquals(
        text(build, "/project/properties/junit.version"),
        text(template, "/project/properties/junit.version"),
        "junit.version in examples/backend-template/pom.xml");
    NodeList plugins =
        (NodeList)
            XPATH.evaluate(
                "/project/build/pluginManagement/plugins/plugin", template, XPathConstants.NODESET);
    assertTrue(plugins.getLength() > 0, "the template pins no plugins");
    for (int i = 0; i < plugins.getLength(); i++) {
      String plugin = text(plugins.item(i), "artifactId");
      assertEquals(
          text(
              build,
              "/project/build/pluginManagement/plugins/plugin[artifactId='"
                  + plugin
                  + "']/version"),
          text(plugins.item(i), "version"),
          plugin + " in examples/backend-template/pom.xml");
    }
  }

  /**
   * The repository's root, found from the working directory (this module's, under Maven) upwards.
   */
  private static Path projectRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml"))
          && Files.isDirectory(dir.resolve("examples/backend-template"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "No sessionstore checkout above " + Path.of("").toAbsolutePath());
  }

  /** As {@code mvn install} lays an artifact out in a local repository. */
  private static void install(Path repo, String artifact, String version, Path pom, Path jar)
      throws IOException {
    Path dir = repo.resolve("io/sessionstore").resolve(artifact).resolve(version);
    Files.createDirectories(dir);
    Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"));
    if (jar != null) {
      Files.copy(jar, dir.resolve(artifact + "-" + version + ".jar"));
    }
  }

  /**
   * This build's local repository: where -Dmaven.repo.local or settings.xml put it (the POM passes
   * it on).
   */
  private static Path userRepository() {
    String configured = System.getProperty("maven.repo.local");
    Path repo =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : Path.of(System.getProperty("user.home"), ".m2", "repository");
    assertTrue(Files.isDirectory(repo), "No local Maven repository at " + repo);
    return repo;
  }

  /**
   * Every repository mirrored to the user's local one, read as a remote repository over file://:
   * Maven never writes to a remote repository when it builds, and needs no network for this one.
   * Central is redefined only to ignore checksums (a local repository keeps none, and every file
   * would warn) and to look for no snapshots there: ours come from the fresh repository alone.
   */
  private static String settings(Path userRepository) {
    return """
        <settings>
          <mirrors>
            <mirror>
              <id>this-build</id>
              <mirrorOf>*</mirrorOf>
              <url>%1$s</url>
            </mirror>
          </mirrors>
          <profiles>
            <profile>
              <id>this-build</id>
              <repositories>
                <repository>
                  <id>central</id>
                  <url>%1$s</url>
                  <releases><checksumPolicy>ignore</checksumPolicy></releases>
                  <snapshots><enabled>false</enabled></snapshots>
                </repository>
              </repositories>
              <pluginRepositories>
                <pluginRepository>
                  <id>central</id>
                  <url>%1$s</url>
                  <releases><checksumPolicy>ignore</checksumPolicy></releases>
                  <snapshots><enabled>false</enabled></snapshots>
                </pluginRepository>
              </pluginRepositories>
            </profile>
          </profiles>
          <activeProfiles>
            <activeProfile>this-build</activeProfile>
          </activeProfiles>
        </settings>
        """
        .formatted(userRepository.toUri().toString().replace("&", "&amp;"));
  }

  private static String mvn() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "mvn");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return fail("No mvn on the PATH");
  }

  /** The template as a user copies it: without what building it in place left behind. */
  private static void copyTemplate(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.filter(p -> !from.relativize(p).startsWith("target")).toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private record Counts(int tests, int failures, int errors, int skipped) {}

  /** The sums over every report. */
  private static Counts surefireCounts(Path reports) throws Exception {
    List<Path> files;
    try (Stream<Path> list = Files.list(reports)) {
      files = list.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).toList();
    }
    assertFalse(files.isEmpty(), "No test reports in " + reports);
    Counts sum = new Counts(0, 0, 0, 0);
    for (Path file : files) {
      Element suite = xml(file).getDocumentElement();
      sum =
          new Counts(
              sum.tests() + count(suite, "tests"),
              sum.failures() + count(suite, "failures"),
              sum.errors() + count(suite, "errors"),
              sum.skipped() + count(suite, "skipped"));
    }
    return sum;
  }

  private static int count(Element suite, String attribute) {
    return Integer.parseInt(suite.getAttribute(attribute));
  }

  /** Not namespace-aware, so that paths in a POM need no namespace prefix. */
  private static Document xml(Path file) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
  }

  private static String text(Object node, String path) throws Exception {
    return XPATH.evaluate(path, node).strip();
  }

  private static String tail(String output, int lines) {
    List<String> all = output.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
