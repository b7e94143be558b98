package io.sessionstore.hardening.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;

/**
 * No module but the core touches {@code io.sessionstore.internal}: the backends, the conformance
 * kit, Claude Code interoperability ({@code sessionstore-claude}), the session browser ({@code
 * sessionstore-server}), the command and the examples use the API and the SPI only, as a
 * third-party backend or application must. It runs here because this test-only module has every one
 * of those modules on its class path (their main classes only).
 */
@AnalyzeClasses(packages = "io.sessionstore", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleBoundaryTest {
  @ArchTest
  static final ArchRule modulesUseOnlyTheApiAndSpi =
      noClasses()
          .that()
          .resideInAnyPackage(
              "io.sessionstore.backend..",
              "io.sessionstore.tck..",
              "io.sessionstore.cli..",
              "io.sessionstore.claude..",
              "io.sessionstore.server..",
              "io.sessionstore.examples..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.sessionstore.internal..")
          .because(
              "what a backend or application needs is documented API or SPI; internal may change in any release");

  /** A module missing from the class path would pass the rule unchecked. */
  @ArchTest
  static void everyModuleIsChecked(JavaClasses classes) {
    for (String module :
        List.of(
            "backend.file",
            "backend.s3",
            "backend.mongo",
            "tck",
            "claude",
            "server",
            "cli",
            "examples")) {
      String pkg = "io.sessionstore." + module;
      assertTrue(
          classes.stream().anyMatch(c -> c.getPackageName().startsWith(pkg)),
          "no classes in " + pkg);
    }
  }
}
