package io.sessionstore.cli;

import io.sessionstore.spi.BackendRegistry;
import io.sessionstore.spi.StorageBackendProvider;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "backends",
    description = "List the storage backends found, with their configuration keys.")
final class BackendsCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Override
  public Integer call() {
    for (StorageBackendProvider p : BackendRegistry.discover().providers()) {
      String keys =
          p.configKeys().stream()
              .map(
                  k ->
                      "sessionstore."
                          + p.name()
                          + "."
                          + k.name()
                          + (k.defaultValue() == null ? "" : "=" + k.defaultValue()))
              .collect(Collectors.joining(" "));
      root.out.println(p.name() + "\t" + p.getClass().getPackageName() + "\t" + keys);
    }
    return Main.OK;
  }
}
