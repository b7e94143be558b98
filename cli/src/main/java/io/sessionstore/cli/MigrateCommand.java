package io.sessionstore.cli;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.MigrationResult;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "migrate",
    description =
        "Copy sessions to another store (configured by FILE alone), skipping what it"
            + " already holds, and verify each copy by message count and SHA-256. Safe to run again after an interruption.",
    footer = {"", "Example: sessionstore migrate --all-projects --to team-s3.properties"})
final class MigrateCommand implements Callable<Integer>, LongRunning {
  @ParentCommand SessionstoreCommand root;

  @Mixin Filters filters;

  @Option(
      names = "--to",
      paramLabel = "FILE",
      required = true,
      description =
          "The target store's configuration "
              + "(properties); environment variables and -D do not apply to it.")
  Path to;

  @Override
  public Integer call() {
    MigrationResult r;
    try (SessionStore target = SessionStore.builder().config(targetConfig()).build();
        TerminalProgress progress = new TerminalProgress(root.err, "sessions")) {
      r = root.store().migrateTo(target, filters.query(root).build(), progress);
    }
    for (SessionKey k : r.diverged()) {
      root.err.println("diverged: " + k + " differs in the target; left unchanged");
    }
    for (MigrationResult.Failure f : r.failed()) {
      root.err.println("failed: " + f.key() + ": " + f.reason());
    }
    root.out.println(
        "migrated to "
            + to
            + ": "
            + r.copied()
            + " copied, "
            + r.skipped()
            + " skipped (already "
            + "there), "
            + r.diverged().size()
            + " diverged, "
            + r.failed().size()
            + " failed; "
            + r.messages()
            + " messages stored");
    return r.failed().isEmpty() && r.diverged().isEmpty() ? Main.OK : Main.NOT_FOUND;
  }

  /**
   * The file's values and nothing else, so the source's environment cannot leak into the target.
   */
  private SessionStoreConfig targetConfig() {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(to, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      throw new ConfigurationException(
          "Cannot read the target configuration " + to + ": no such file");
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigurationException(
          "Cannot read the target configuration " + to + ": " + e.getMessage());
    }
    TreeMap<String, String> values = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k).strip()));
    values.putIfAbsent("sessionstore.cache.enabled", "false");
    return SessionStoreConfig.of(values);
  }
}
