package io.sessionstore;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.sessionstore.internal.ApiBridge;

/**
 * The core's package boundary: the API and the SPI stand on their own, the way Iceberg's {@code
 * api} jar and {@code trino-spi} do, so that what users and backend authors see is all they may
 * use. The other modules' classes are checked in the hardening module's {@code ModuleBoundaryTest}.
 */
@AnalyzeClasses(packages = "io.sessionstore", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String INTERNAL = "io.sessionstore.internal..";

  /**
   * The builder must create the implementation somewhere: {@link ApiBridge} is that one door, and
   * nothing else.
   */
  @ArchTest
  static final ArchRule apiAndSpiUseNothingInternalButTheBridge =
      noClasses()
          .that()
          .resideInAnyPackage(
              "io.sessionstore.api..", "io.sessionstore.spi..", "io.sessionstore.guice..")
          .should()
          .dependOnClassesThat(resideInAPackage(INTERNAL).and(not(type(ApiBridge.class))))
          .because(
              "the API and SPI are what users and backends see; the implementation goes through ApiBridge only");

  /**
   * Nothing about talking to Claude Code lives in the core: that is the {@code sessionstore-claude}
   * module, a client of the public API whose own boundary the hardening module's {@code
   * ModuleBoundaryTest} checks.
   */
  @ArchTest
  static final ArchRule noClaudeCodeInteropInTheCore =
      noClasses()
          .should()
          .resideInAPackage("io.sessionstore.claude..")
          .because("Claude Code interoperability is a module of its own (sessionstore-claude)");
}
