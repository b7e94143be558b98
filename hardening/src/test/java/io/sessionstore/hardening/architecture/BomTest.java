package io.sessionstore.hardening.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The BOM manages every artifact a user depends on, and nothing else, so it cannot drift from the
 * build.
 */
class BomTest {
  /**
   * Modules nobody depends on: the command, runnable programs, benchmarks, this suite, the BOM
   * itself.
   */
  private static final Set<String> NOT_LIBRARIES =
      Set.of("cli", "examples", "bench", "hardening", "bom");

  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern ARTIFACT =
      Pattern.compile("<artifactId>(sessionstore-[^<]+)</artifactId>");

  @Test
  void theBomManagesEveryLibraryModule() throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    Set<String> libraries = new TreeSet<>();
    Matcher modules = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
    while (modules.find()) {
      if (!NOT_LIBRARIES.contains(modules.group(1))) {
        Matcher own =
            ARTIFACT.matcher(Files.readString(root.resolve(modules.group(1)).resolve("pom.xml")));
        // The first sessionstore artifact of a module's POM is its parent; the second is the module
        // itself.
        own.find();
        own.find();
        libraries.add(own.group(1));
      }
    }
    Set<String> managed = new TreeSet<>();
    Matcher bom = ARTIFACT.matcher(Files.readString(root.resolve("bom/pom.xml")));
    while (bom.find()) {
      managed.add(bom.group(1));
    }
    managed.remove("sessionstore-bom");
    assertEquals(libraries, managed);
  }
}
