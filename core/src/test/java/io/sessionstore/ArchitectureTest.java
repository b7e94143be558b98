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
import io.sessionstore.internal.ArchiveWriter;

/**
 * The core's package boundary: the API and the SPI stand on their own, the way Iceberg's {@code api} jar and
 * {@code trino-spi} do, so that what users and backend authors see is all they may use. The other modules'
 * classes are checked in the hardening module's {@code ModuleBoundaryTest}.
 */
@AnalyzeClasses(packages = "io.sessionstore", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String INTERNAL = "io.sessionstore.internal..";

  /** The builder must create the implementation somewhere: {@link ApiBridge} is that one door, and nothing else. */
  @ArchTest
  static final ArchRule apiAndSpiUseNothingInternalButTheBridge = noClasses()
      .that().resideInAnyPackage("io.sessionstore.api..", "io.sessionstore.spi..", "io.sessionstore.guice..")
      .should().dependOnClassesThat(resideInAPackage(INTERNAL).and(not(type(ApiBridge.class))))
      .because("the API and SPI are what users and backends see; the implementation goes through ApiBridge only");

  /**
   * Claude Code interoperability uses the public API, except for building one session's archive, which has no
   * public form yet; the listed exception goes when the package moves to its own module.
   */
  @ArchTest
  static final ArchRule claudeUsesThePublicApi = noClasses()
      .that().resideInAPackage("io.sessionstore.claude..")
      .should().dependOnClassesThat(resideInAPackage(INTERNAL).and(not(type(ArchiveWriter.class))))
      .because("Claude Code interoperability is a client of the store like any other");
}
