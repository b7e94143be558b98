package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final Set<String> DECLARED =
      Set.of(
          "sessionstore.backend",
          "sessionstore.file.dir",
          "sessionstore.s3.path-style",
          "sessionstore.cache.ttl");

  @TempDir Path dir;

  @Test
  void environmentNamesAreUpperCaseWithUnderscores() {
    assertEquals(
        "SESSIONSTORE_S3_PATH_STYLE", ConfigLoader.environmentName("sessionstore.s3.path-style"));
    assertEquals("SESSIONSTORE_FILE_DIR", ConfigLoader.environmentName("sessionstore.file.dir"));
  }

  @Test
  void laterSourcesWin() throws IOException {
    Path file = dir.resolve("c.properties");
    Files.writeString(
        file,
        "sessionstore.backend=from-file\nsessionstore.file.dir=/file\n"
            + "sessionstore.cache.ttl=1s\nsessionstore.s3.path-style=false\n");
    Properties sys = new Properties();
    sys.setProperty("sessionstore.file.dir", "/sysprop");
    sys.setProperty("sessionstore.cache.ttl", "3s");
    sys.setProperty("unrelated.key", "x");
    Map<String, String> env =
        Map.of(
            "SESSIONSTORE_CONFIG",
            file.toString(),
            "SESSIONSTORE_FILE_DIR",
            "/env",
            "SESSIONSTORE_CACHE_TTL",
            "2s",
            "SESSIONSTORE_S3_PATH_STYLE",
            "true");
    Map<String, String> values =
        new ConfigLoader(env, sys, DECLARED).load(null, Map.of("sessionstore.cache.ttl", "4s"));
    assertEquals("from-file", values.get("sessionstore.backend"));
    assertEquals("true", values.get("sessionstore.s3.path-style"), "environment over file");
    assertEquals(
        "/sysprop", values.get("sessionstore.file.dir"), "system property over environment");
    assertEquals("4s", values.get("sessionstore.cache.ttl"), "-D over everything");
    assertFalse(values.containsKey("unrelated.key"));
  }

  @Test
  void anExplicitFileReplacesTheVariable() throws IOException {
    Path a = dir.resolve("a.properties");
    Path b = dir.resolve("b.properties");
    Files.writeString(a, "sessionstore.backend=a\n");
    Files.writeString(b, "sessionstore.backend=b\n");
    Map<String, String> values =
        new ConfigLoader(Map.of("SESSIONSTORE_CONFIG", a.toString()), new Properties(), DECLARED)
            .load(b, Map.of());
    assertEquals("b", values.get("sessionstore.backend"));
  }

  @Test
  void onlyVariablesOfDeclaredKeysAreRead() {
    Map<String, String> values =
        new ConfigLoader(
                Map.of("SESSIONSTORE_UNKNOWN_THING", "x", "SESSIONSTORE_BACKEND", "file"),
                new Properties(),
                DECLARED)
            .load(null, Map.of());
    assertEquals(Map.of("sessionstore.backend", "file"), values);
  }

  @Test
  void variablesOfAModulesKeysAreRead() {
    Set<String> declared =
        CoreConfig.declaredKeys(
            io.sessionstore.spi.BackendRegistry.of(java.util.List.of()),
            java.util.List.of(new CoreConfigTest.Module()));
    Map<String, String> values =
        new ConfigLoader(
                Map.of(
                    "SESSIONSTORE_CLAUDE_COMMAND",
                    "/opt/claude",
                    "SESSIONSTORE_CLAUDE_CONFIG_DIR",
                    "/cfg",
                    "SESSIONSTORE_CLAUDE_CMD",
                    "x"),
                new Properties(),
                declared)
            .load(null, Map.of());
    assertEquals(
        Map.of(
            "sessionstore.claude.command", "/opt/claude", "sessionstore.claude.config-dir", "/cfg"),
        values);
  }

  @Test
  void aMissingConfigurationFileIsAConfigurationError() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                new ConfigLoader(Map.of(), new Properties(), DECLARED)
                    .load(dir.resolve("nope.properties"), Map.of()));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }
}
