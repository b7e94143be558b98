package io.sessionstore.spi;

import io.sessionstore.api.ConfigurationException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend providers by name. Fails fast: two providers with one name are an error, a provider
 * that cannot be loaded is reported (and named when nothing else matches), an unknown name lists
 * the available ones. A value of {@code sessionstore.backend} that is a class name loads that
 * provider class directly. The store's builder chooses its backend through it; a tool may use it to
 * list the backends available. Immutable and thread-safe.
 */
public final class BackendRegistry {
  /** The configuration key that names the backend. */
  public static final String BACKEND_KEY = "sessionstore.backend";

  /**
   * The core's own configuration namespaces ({@code sessionstore.<name>.*}), which no backend may
   * take as name.
   */
  public static final Set<String> RESERVED_NAMES =
      Set.of("backend", "project", "cache", "cleanup", "claude", "pricing", "search");

  private static final Logger LOG = LoggerFactory.getLogger(BackendRegistry.class);

  private final Map<String, StorageBackendProvider> providers = new TreeMap<>();
  private final List<String> loadFailures;

  private BackendRegistry(Collection<StorageBackendProvider> providers, List<String> loadFailures) {
    for (StorageBackendProvider p : providers) {
      checkName(p);
      StorageBackendProvider previous = this.providers.putIfAbsent(p.name(), p);
      if (previous != null && previous.getClass() != p.getClass()) {
        throw new ConfigurationException(
            "Backend '"
                + p.name()
                + "' is provided twice, by "
                + previous.getClass().getName()
                + " and "
                + p.getClass().getName()
                + ": remove one of them from the class path");
      }
    }
    this.loadFailures = List.copyOf(loadFailures);
  }

  /** The given providers only, for tests and applications that wire backends by hand. */
  public static BackendRegistry of(Collection<StorageBackendProvider> providers) {
    return new BackendRegistry(providers, List.of());
  }

  /**
   * The providers {@link ServiceLoader} finds with the context class loader (else this class's).
   */
  public static BackendRegistry discover() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return discover(loader != null ? loader : BackendRegistry.class.getClassLoader());
  }

  /**
   * The providers {@link ServiceLoader} finds with this class loader; one that cannot be loaded is
   * logged and kept as a failure to report, not fatal.
   *
   * @throws ConfigurationException when two providers have one name, or a name is invalid
   */
  public static BackendRegistry discover(ClassLoader loader) {
    List<StorageBackendProvider> found = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Iterator<StorageBackendProvider> it =
        ServiceLoader.load(StorageBackendProvider.class, loader).iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        found.add(it.next());
      } catch (ServiceConfigurationError e) {
        LOG.warn("A storage backend provider could not be loaded: {}", e.getMessage());
        failures.add(e.getMessage());
      }
    }
    return new BackendRegistry(found, failures);
  }

  /** The providers, ordered by name. */
  public Collection<StorageBackendProvider> providers() {
    return providers.values();
  }

  /** The providers' names, in order. */
  public List<String> names() {
    return List.copyOf(providers.keySet());
  }

  /** The provider of this name, if there is one (no class-name loading). */
  public Optional<StorageBackendProvider> find(String name) {
    return Optional.ofNullable(providers.get(name));
  }

  /**
   * The provider of that name, or of that class name.
   *
   * @throws ConfigurationException naming the available backends when there is none
   */
  public StorageBackendProvider provider(String name) {
    StorageBackendProvider p = providers.get(name);
    if (p != null) {
      return p;
    }
    if (name.contains(".")) {
      return instantiate(name);
    }
    StringBuilder msg =
        new StringBuilder("Unknown backend '")
            .append(name)
            .append("' (")
            .append(BACKEND_KEY)
            .append("). Available backends: ")
            .append(
                providers.isEmpty()
                    ? "none (add a backend module to the class path)"
                    : String.join(", ", names()));
    if (!loadFailures.isEmpty()) {
      msg.append(". Providers that failed to load: ").append(String.join("; ", loadFailures));
    }
    throw new ConfigurationException(msg.toString());
  }

  private static StorageBackendProvider instantiate(String className) {
    try {
      Class<?> type =
          Class.forName(className, true, Thread.currentThread().getContextClassLoader());
      if (!StorageBackendProvider.class.isAssignableFrom(type)) {
        throw new ConfigurationException(
            "Cannot use backend class "
                + className
                + ": it does not implement "
                + StorageBackendProvider.class.getName());
      }
      StorageBackendProvider p =
          (StorageBackendProvider) type.getDeclaredConstructor().newInstance();
      checkName(p);
      return p;
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new ConfigurationException("Cannot load backend class " + className + ": " + e, e);
    }
  }

  private static void checkName(StorageBackendProvider p) {
    String name = p.name();
    if (name == null || !name.matches("[a-z][a-z0-9-]*")) {
      throw new ConfigurationException(
          "Backend provider "
              + p.getClass().getName()
              + " has an invalid name '"
              + name
              + "': use lower-case letters, digits and '-', starting with a letter");
    }
    if (RESERVED_NAMES.contains(name)) {
      throw new ConfigurationException(
          "Backend provider " + p.getClass().getName() + " uses the reserved name '" + name + "'");
    }
  }

  /**
   * The store a configuration opens, as far as caches on this machine (an import state, a full-text
   * index) need to tell stores apart: the backend's name and its settings (defaults included, a
   * leading {@code ~} expanded), secrets left out; one {@code key=value} per line.
   */
  public static String storeIdentity(io.sessionstore.api.SessionStoreConfig config) {
    String backend = config.get(BACKEND_KEY).orElse("file");
    StringBuilder name = new StringBuilder("backend=").append(backend);
    Optional<StorageBackendProvider> provider = discover().find(backend);
    if (provider.isPresent()) {
      List<ConfigKey> keys = new ArrayList<>(provider.get().configKeys());
      keys.sort(java.util.Comparator.comparing(ConfigKey::name));
      for (ConfigKey k : keys) {
        String v = config.get("sessionstore." + backend + "." + k.name()).orElse(k.defaultValue());
        if (k.secret()) {
          // A secret says where the store is only when it is an address (a MongoDB URI): its
          // servers and database tell stores apart, its credentials never leave it.
          v = v == null ? null : serverOf(v);
        }
        if (v != null) {
          name.append('\n')
              .append(k.name())
              .append('=')
              .append(
                  v.equals("~") || v.startsWith("~/") ? ConfigValues.home() + v.substring(1) : v);
        }
      }
    }
    return name.toString();
  }

  private static final java.util.regex.Pattern ADDRESS =
      java.util.regex.Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)(?:[^@/?#]*@)?([^?#]*)");

  /** An address without its credentials and options, or null when the value is no address. */
  private static String serverOf(String secret) {
    java.util.regex.Matcher m = ADDRESS.matcher(secret.strip());
    return m.find() ? m.group(1) + m.group(2) : null;
  }
}
