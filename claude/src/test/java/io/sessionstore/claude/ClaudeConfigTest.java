package io.sessionstore.claude;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.ConfigKey;
import io.sessionstore.spi.ConfigNamespace;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code sessionstore.claude.*} keys are this module's, and the core checks them once it is
 * installed.
 */
class ClaudeConfigTest {
  @TempDir Path tmp;

  @Test
  void theCoreFindsTheNamespaceWithItsKeysAndDefaults() {
    List<ConfigNamespace> found = ConfigNamespace.discover();
    ConfigNamespace claude =
        found.stream().filter(n -> n instanceof ClaudeConfig).findFirst().orElseThrow();
    assertEquals(ClaudeConfig.NAMESPACE, claude.name());
    List<String> names =
        claude.configKeys().stream()
            .map(k -> "sessionstore." + claude.name() + "." + k.name())
            .toList();
    assertEquals(
        List.of(ClaudeConfig.COMMAND, ClaudeConfig.CONFIG_DIR, ClaudeConfig.IMPORT_STATE), names);
    assertEquals(
        List.of(ClaudeConfig.DEFAULT_COMMAND),
        claude.configKeys().stream().map(ConfigKey::defaultValue).filter(v -> v != null).toList());
  }

  @Test
  void importsRememberInTheConfiguredFolderPerStoreOrNowhereWhenOff() throws Exception {
    Path projects = io.sessionstore.tck.Fixtures.writeClaudeProjects(tmp.resolve("projects"));
    SessionStoreConfig config =
        SessionStoreConfig.of(
            Map.of(
                "sessionstore.file.dir",
                tmp.resolve("store").toString(),
                ClaudeConfig.IMPORT_STATE,
                tmp.resolve("state").toString()));
    try (SessionStore store = SessionStore.builder().config(config).build()) {
      TranscriptImportResult first =
          ClaudeCode.of(store, config)
              .importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE);
      try (var files = java.nio.file.Files.list(tmp.resolve("state/import-claude"))) {
        assertEquals(1, files.count());
      }
      assertEquals(
          0,
          ClaudeCode.of(store, config)
              .importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE)
              .filesRead());
      assertEquals(
          first.files(),
          ClaudeCode.of(store, config.with(ClaudeConfig.IMPORT_STATE, ClaudeConfig.OFF))
              .importTranscripts(projects, io.sessionstore.api.ProgressListener.NONE)
              .filesRead());
    }
    // Stores are told apart by their backend's settings, with a leading ~ expanded.
    String a = ClaudeCode.storeName(config);
    String b =
        ClaudeCode.storeName(config.with("sessionstore.file.dir", tmp.resolve("b").toString()));
    assertTrue(!a.equals(b) && a.contains(tmp.resolve("store").toString()), a);
    assertTrue(
        ClaudeCode.storeName(SessionStoreConfig.of(Map.of()))
            .contains(io.sessionstore.spi.ConfigValues.home() + "/.sessionstore"),
        ClaudeCode.storeName(SessionStoreConfig.of(Map.of())));
  }

  @Test
  void anUnknownClaudeKeyIsStillAnErrorAndTheKnownOnesAreAccepted() {
    String dir = tmp.resolve("store").toString();
    try (SessionStore store =
        SessionStore.builder()
            .config(
                SessionStoreConfig.of(
                    Map.of(
                        "sessionstore.file.dir",
                        dir,
                        ClaudeConfig.COMMAND,
                        "claude --model x",
                        ClaudeConfig.CONFIG_DIR,
                        tmp.toString())))
            .build()) {
      assertEquals(
          tmp.toAbsolutePath().normalize(),
          ClaudeCode.of(
                  store, SessionStoreConfig.of(Map.of(ClaudeConfig.CONFIG_DIR, tmp.toString())))
              .configDir());
    }
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                SessionStore.builder()
                    .config(
                        SessionStoreConfig.of(
                            Map.of("sessionstore.file.dir", dir, "sessionstore.claude.cmd", "x")))
                    .build());
    assertTrue(
        e.getMessage().contains(ClaudeConfig.COMMAND)
            && e.getMessage().contains(ClaudeConfig.CONFIG_DIR),
        e.getMessage());
  }
}
