package io.sessionstore.internal;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.spi.BackendRegistry;
import io.sessionstore.spi.ConfigValues;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/** Reads configuration sources in order, later winning; the environment is injectable for tests. */
public final class ConfigLoader {
  public static final String CONFIG_FILE_VARIABLE = "SESSIONSTORE_CONFIG";
  static final String CLASSPATH_RESOURCE = "sessionstore.properties";

  private final Map<String, String> env;
  private final Properties systemProperties;
  private final Set<String> declaredKeys;

  public ConfigLoader(
      Map<String, String> env, Properties systemProperties, Set<String> declaredKeys) {
    this.env = env;
    this.systemProperties = systemProperties;
    this.declaredKeys = declaredKeys;
  }

  /**
   * A loader of this process's environment and system properties, for the keys of every provider
   * found.
   */
  public static ConfigLoader system() {
    return new ConfigLoader(
        System.getenv(),
        System.getProperties(),
        CoreConfig.declaredKeys(BackendRegistry.discover()));
  }

  /** The environment variable of a key: upper-case, '.' and '-' become '_'. */
  public static String environmentName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public Map<String, String> load(Path file, Map<String, String> overrides) {
    Map<String, String> values = new TreeMap<>();
    URL resource =
        Thread.currentThread().getContextClassLoader() == null
            ? null
            : Thread.currentThread().getContextClassLoader().getResource(CLASSPATH_RESOURCE);
    if (resource != null) {
      try (InputStream in = resource.openStream()) {
        values.putAll(read(in, resource.toString()));
      } catch (IOException e) {
        throw new ConfigurationException(
            "Cannot read configuration " + resource + ": " + e.getMessage(), e);
      }
    }
    Path configFile = file;
    if (configFile == null
        && env.get(CONFIG_FILE_VARIABLE) != null
        && !env.get(CONFIG_FILE_VARIABLE).isBlank()) {
      configFile = ConfigValues.path(CONFIG_FILE_VARIABLE, env.get(CONFIG_FILE_VARIABLE));
    }
    if (configFile != null) {
      try (InputStream in = Files.newInputStream(configFile)) {
        values.putAll(read(in, configFile.toString()));
      } catch (NoSuchFileException e) {
        throw new ConfigurationException(
            "Cannot read configuration file " + configFile + ": it does not exist");
      } catch (IOException e) {
        throw new ConfigurationException(
            "Cannot read configuration file " + configFile + ": " + e.getMessage(), e);
      }
    }
    for (String key : declaredKeys) {
      String value = env.get(environmentName(key));
      if (value != null) {
        values.put(key, value);
      }
    }
    for (String name : systemProperties.stringPropertyNames()) {
      if (name.startsWith(CoreConfig.PREFIX)) {
        values.put(name, systemProperties.getProperty(name));
      }
    }
    values.putAll(overrides);
    return values;
  }

  private static Map<String, String> read(InputStream in, String source) throws IOException {
    Properties p = new Properties();
    try (Reader r = new java.io.InputStreamReader(in, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          "Cannot read configuration " + source + ": " + e.getMessage());
    }
    Map<String, String> out = new TreeMap<>();
    for (String name : p.stringPropertyNames()) {
      out.put(name.strip(), p.getProperty(name).strip());
    }
    return out;
  }
}
