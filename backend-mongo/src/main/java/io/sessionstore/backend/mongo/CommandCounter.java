package io.sessionstore.backend.mongo;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the commands the driver sends, by name (the driver's own monitoring connections are not
 * reported).
 */
final class CommandCounter implements CommandListener {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  @Override
  public void commandStarted(CommandStartedEvent event) {
    counts.computeIfAbsent(event.getCommandName(), n -> new LongAdder()).increment();
  }

  Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((name, n) -> out.put(name, n.sum()));
    return out;
  }
}
