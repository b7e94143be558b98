package io.sessionstore.internal;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.BackendRegistry;
import io.sessionstore.spi.StorageBackend;
import io.sessionstore.spi.StorageBackendProvider;
import io.sessionstore.spi.StoredHead;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one way from the public packages into the implementation: {@code io.sessionstore.api} and
 * {@code io.sessionstore.spi} call this class and nothing else of {@code internal} (the build's
 * architecture test enforces it). The api has to create the implementation somewhere, and the spi's
 * head derivation is the core's own; each method here is the body of the public method its javadoc
 * names, so this class adds no API; {@link #connectMessages} is the hook through which {@link
 * io.sessionstore.api.Message} hands the store what it parsed (called by Message alone, once).
 */
public final class ApiBridge {
  private ApiBridge() {}

  /**
   * {@link io.sessionstore.api.SessionStoreBuilder#build()}: checks the configuration, creates
   * (unless given) and starts the backend, and returns the store.
   *
   * @param providers the providers to choose from, or null for those {@link
   *     java.util.ServiceLoader} finds
   * @param backend the backend to use instead of the configured one, or null
   * @param shortLived without the cache layer and the scheduled cleanup, whatever the configuration
   *     says
   */
  public static SessionStore build(
      SessionStoreConfig config,
      List<StorageBackendProvider> providers,
      StorageBackend backend,
      Clock clock,
      boolean shortLived) {
    BackendRegistry registry =
        providers != null ? BackendRegistry.of(providers) : BackendRegistry.discover();
    CoreConfig checked = CoreConfig.check(config, registry);
    CoreConfig settings = shortLived ? checked.withoutBackgroundWork() : checked;
    // A bad price file fails here, before a backend is created or connected; the bundled table is
    // read when a write first needs it.
    java.util.function.Supplier<io.sessionstore.api.PriceTable> prices =
        settings
            .pricingFile()
            .map(io.sessionstore.api.PriceTable::load)
            .<java.util.function.Supplier<io.sessionstore.api.PriceTable>>map(t -> () -> t)
            .orElse(io.sessionstore.api.PriceTable::bundled);
    StorageBackend chosen = backend;
    // A backend given as an instance may be anything: its full-text index lives in memory unless
    // it or the configuration names a folder.
    java.util.function.Supplier<java.nio.file.Path> textIndexCache =
        backend == null
            ? () ->
                io.sessionstore.internal.fulltext.TextIndex.cacheFolder(settings.storeIdentity())
            : null;
    if (chosen == null) {
      StorageBackendProvider provider = registry.provider(settings.backend());
      chosen = provider.create(settings.backendConfig(provider));
    }
    try {
      chosen.start();
    } catch (RuntimeException e) {
      chosen.close();
      throw e;
    }
    return new DefaultSessionStore(chosen, settings, clock, prices, textIndexCache);
  }

  /** {@link SessionStoreConfig#load(Path, Map)}: the configuration values from every source. */
  public static Map<String, String> loadConfig(Path file, Map<String, String> overrides) {
    return ConfigLoader.system().load(file, overrides);
  }

  /** {@link StoredHead#derive}: the head of a transcript another tool wrote. */
  public static StoredHead deriveHead(
      SessionKey key,
      List<String> messages,
      Instant createdAt,
      Instant updatedAt,
      Map<String, String> attributes) {
    List<MessageFacts> facts = MessageFacts.ofTexts(messages);
    Instant updated = updatedAt.isBefore(createdAt) ? createdAt : updatedAt;
    Derivation d = Derivation.EMPTY.plus(facts, updated);
    SessionMetadata m =
        SessionMetadata.of(key, createdAt)
            .withUpdatedAt(updated)
            .withLastActivityAt(MessageFacts.activity(facts, updated))
            .withCounts(messages.size(), d.totalCost(), d.turns())
            .withUsage(d.total().toUsage())
            .withAttributes(attributes)
            .withVersion(1);
    return new StoredHead(
        key, m, ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE), d.encode());
  }

  /** {@link StoredHead#extend}: the head after messages another tool appended. */
  public static StoredHead extendHead(StoredHead head, List<String> messages, Instant updatedAt) {
    List<MessageFacts> facts = MessageFacts.ofTexts(messages);
    Derivation d = Derivation.decode(head.derivation()).plus(facts, updatedAt);
    SessionMetadata o = head.metadata();
    Instant active = MessageFacts.activity(facts, updatedAt);
    SessionMetadata m =
        o.withUpdatedAt(updatedAt.isAfter(o.updatedAt()) ? updatedAt : o.updatedAt())
            .withLastActivityAt(active.isAfter(o.lastActivityAt()) ? active : o.lastActivityAt())
            .withCounts(o.messageCount() + messages.size(), d.totalCost(), d.turns())
            .withUsage(d.total().toUsage())
            .withVersion(o.version() + 1);
    return new StoredHead(head.key(), m, head.generation(), d.encode());
  }

  /**
   * {@link io.sessionstore.api.Message#parse(String, java.util.function.Function)}: the text
   * validated as the store validates what it writes, and its facts, which the message keeps for the
   * store; then its tree goes to {@code alsoRead}, unless that is null (then no whole tree is
   * made).
   */
  public static Object parseMessage(
      String json,
      java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> alsoRead) {
    return MessageFacts.of(json, "message", alsoRead);
  }

  /**
   * As {@link #parseMessage}, for a text decoded from strict UTF-8, which is not scanned for
   * unpaired surrogates; errors name it {@code what}.
   */
  public static Object parseDecodedMessage(String decoded, String what) {
    return MessageFacts.ofDecoded(decoded, what);
  }

  /**
   * As {@link #parseMessage}, for a message's UTF-8 bytes, valid UTF-8, which its facts may keep
   * (the caller never changes them).
   */
  public static Object parseMessageBytes(
      byte[] utf8,
      java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> alsoRead) {
    return MessageFacts.ofUtf8(utf8, "message", alsoRead);
  }

  /** {@link io.sessionstore.api.Message#type()}, from what {@link #parseMessage} returned. */
  public static String messageType(Object facts) {
    return ((MessageFacts) facts).type();
  }

  /** {@link io.sessionstore.api.Message#uuid()}, from what {@link #parseMessage} returned. */
  public static String messageUuid(Object facts) {
    return ((MessageFacts) facts).uuid();
  }

  /**
   * Called once, by {@link io.sessionstore.api.Message} as its class is initialised (before any
   * message exists): how the store reads the facts a message keeps (null until it was parsed).
   */
  public static void connectMessages(
      java.util.function.Function<io.sessionstore.api.Message, Object> reader) {
    MessageFacts.connect(reader);
  }
}
