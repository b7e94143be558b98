package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend of one's own, built here into a jar, plugged into the command with
 * SESSIONSTORE_CLASSPATH.
 */
class PluginsTest {
  private static final String PROVIDER =
      """
      package example.plugin;

      import io.sessionstore.backend.file.FileBackend;
      import io.sessionstore.spi.BackendConfig;
      import io.sessionstore.spi.ConfigKey;
      import io.sessionstore.spi.StorageBackend;
      import io.sessionstore.spi.StorageBackendProvider;
      import java.nio.file.Path;
      import java.util.List;

      public final class PluginProvider implements StorageBackendProvider {
        public String name() {
          return "plugin";
        }

        public List<ConfigKey> configKeys() {
          return List.of(ConfigKey.of("dir", null, "where the sessions go"));
        }

        public StorageBackend create(BackendConfig config) {
          return new FileBackend(Path.of(config.require("dir")));
        }
      }
      """;

  @TempDir Path tmp;

  @Test
  void aBackendJarOnTheClasspathVariableIsFoundAndUsed() throws Exception {
    Path jar = buildPluginJar();
    Path dir = tmp.resolve("plugin-store");
    String plugin = jar.toString();

    Result backends = run(plugin, "", "backends");
    assertEquals(0, backends.code, backends.err);
    assertTrue(backends.out.contains("plugin"), backends.out);

    String[] use = {"-D", "sessionstore.backend=plugin", "-D", "sessionstore.plugin.dir=" + dir};
    Result saved = run(plugin, "{\"type\":\"user\",\"uuid\":\"p1\"}\n", concat(use, "save", "s"));
    assertEquals(0, saved.code, saved.err);
    Result shown = run(tmp.toString() + "/*", "", concat(use, "show", "s"));
    assertEquals(0, shown.code, shown.err + " (a folder's jars, named dir/*)");
    assertEquals("{\"type\":\"user\",\"uuid\":\"p1\"}\n", shown.out);

    Result without = run(null, "", concat(use, "list"));
    assertEquals(2, without.code);
    assertTrue(without.err.contains("Available backends"), without.err);
    Result missing = run(tmp.resolve("nope.jar").toString(), "", "backends");
    assertEquals(2, missing.code);
    assertEquals(
        "sessionstore: SESSIONSTORE_CLASSPATH: no such file or folder " + tmp.resolve("nope.jar"),
        missing.err.strip());
  }

  private Path buildPluginJar() throws IOException {
    Path src =
        Files.createDirectories(tmp.resolve("src/example/plugin")).resolve("PluginProvider.java");
    Files.writeString(src, PROVIDER);
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc =
        javac.run(
            null,
            null,
            null,
            "-d",
            classes.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            src.toString());
    assertEquals(0, rc, "the plugin compiles");
    Path jar = tmp.resolve("plugin.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("example/plugin/PluginProvider.class"));
      out.write(Files.readAllBytes(classes.resolve("example/plugin/PluginProvider.class")));
      out.putNextEntry(
          new JarEntry("META-INF/services/io.sessionstore.spi.StorageBackendProvider"));
      out.write("example.plugin.PluginProvider\n".getBytes(StandardCharsets.UTF_8));
    }
    return jar;
  }

  private record Result(int code, String out, String err) {}

  /**
   * The command as its own process, as `./sessionstore` runs it, with the plugin variable set (or
   * not).
   */
  private static Result run(String pluginPath, String stdin, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove(Plugins.VARIABLE);
    if (pluginPath != null) {
      builder.environment().put(Plugins.VARIABLE, pluginPath);
    }
    Process p = builder.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out, err);
  }

  private static String[] concat(String[] first, String... rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }
}
