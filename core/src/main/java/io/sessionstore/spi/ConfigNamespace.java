package io.sessionstore.spi;

import io.sessionstore.api.ConfigurationException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * The configuration keys of a module of sessionstore other than a backend (the {@code
 * sessionstore-claude} module's {@code sessionstore.claude.*}), so that the core checks them and
 * reads their environment variables as it does its own: found with {@link ServiceLoader} ({@code
 * META-INF/services/io.sessionstore.spi.ConfigNamespace}). Only the namespaces in {@link
 * #MODULE_NAMES}, reserved for sessionstore's own modules, may be declared. A key in such a
 * namespace that its module does not declare is an error when the module is on the class path;
 * without the module, the namespace's keys are ignored, as those of a backend that is not
 * installed. Implementations are immutable and have a public no-argument constructor.
 */
public interface ConfigNamespace {
  /**
   * The namespaces reserved for sessionstore's own modules (a subset of {@link
   * BackendRegistry#RESERVED_NAMES}): the core leaves their keys to the module that declares them.
   */
  Set<String> MODULE_NAMES = Set.of("claude");

  /** The namespace: keys are {@code sessionstore.<name>.<key>}; one of {@link #MODULE_NAMES}. */
  String name();

  /** The keys of the namespace, with their defaults. */
  List<ConfigKey> configKeys();

  /**
   * The namespaces {@link ServiceLoader} finds with the context class loader (else this
   * interface's); one that cannot be loaded is logged and left out.
   *
   * @throws ConfigurationException when one declares a name not in {@link #MODULE_NAMES}, or two
   *     declare one name
   */
  static List<ConfigNamespace> discover() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    Iterator<ConfigNamespace> it =
        ServiceLoader.load(
                ConfigNamespace.class,
                loader != null ? loader : ConfigNamespace.class.getClassLoader())
            .iterator();
    List<ConfigNamespace> found = new ArrayList<>();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        ConfigNamespace n = it.next();
        if (!MODULE_NAMES.contains(n.name())) {
          throw new ConfigurationException(
              "Configuration namespace "
                  + n.getClass().getName()
                  + " declares '"
                  + n.name()
                  + "', which is not one of "
                  + new java.util.TreeSet<>(MODULE_NAMES));
        }
        for (ConfigNamespace other : found) {
          if (other.name().equals(n.name()) && other.getClass() != n.getClass()) {
            throw new ConfigurationException(
                "Configuration namespace '"
                    + n.name()
                    + "' is declared twice, by "
                    + other.getClass().getName()
                    + " and "
                    + n.getClass().getName());
          }
        }
        if (found.stream().noneMatch(o -> o.getClass() == n.getClass())) {
          found.add(n);
        }
      } catch (ServiceConfigurationError e) {
        LoggerFactory.getLogger(ConfigNamespace.class)
            .warn("A configuration namespace could not be loaded: {}", e.getMessage());
      }
    }
    return List.copyOf(found);
  }
}
