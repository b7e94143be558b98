package io.sessionstore.internal;

import io.sessionstore.api.Message;
import io.sessionstore.api.Session;
import io.sessionstore.api.SessionKey;
import io.sessionstore.spi.HeadCodec;
import io.sessionstore.spi.StoredHead;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ExpiryPolicyBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.spi.serialization.Serializer;

/**
 * Ehcache in front of the backend: heads (metadata) and whole loaded transcripts, each bounded by
 * entries on the heap, optionally with an off-heap tier, and expiring after a time-to-live so that
 * writes of other processes are seen within that bound. Every write through the store invalidates
 * or replaces the entries it changes. Values are immutable, as the heap tier stores them by
 * reference.
 */
final class CacheLayer implements AutoCloseable {
  private final CacheManager manager;
  private final Cache<SessionKey, StoredHead> heads;
  private final Cache<SessionKey, Session> sessions;

  private CacheLayer(
      CacheManager manager,
      Cache<SessionKey, StoredHead> heads,
      Cache<SessionKey, Session> sessions) {
    this.manager = manager;
    this.heads = heads;
    this.sessions = sessions;
  }

  static CacheLayer disabled() {
    return new CacheLayer(null, null, null);
  }

  static CacheLayer create(int heapEntries, Optional<Long> offheapBytes, Duration ttl) {
    ResourcePoolsBuilder pools = ResourcePoolsBuilder.heap(heapEntries);
    if (offheapBytes.isPresent()) {
      pools = pools.offheap(Math.max(1, offheapBytes.get() >> 20), MemoryUnit.MB);
    }
    CacheManager manager = CacheManagerBuilder.newCacheManagerBuilder().build(true);
    CacheConfigurationBuilder<SessionKey, StoredHead> headConfig =
        CacheConfigurationBuilder.newCacheConfigurationBuilder(
                SessionKey.class, StoredHead.class, pools)
            .withExpiry(ExpiryPolicyBuilder.timeToLiveExpiration(ttl));
    CacheConfigurationBuilder<SessionKey, Session> sessionConfig =
        CacheConfigurationBuilder.newCacheConfigurationBuilder(
                SessionKey.class, Session.class, pools)
            .withExpiry(ExpiryPolicyBuilder.timeToLiveExpiration(ttl));
    if (offheapBytes.isPresent()) {
      headConfig =
          headConfig
              .withKeySerializer(new KeySerializer())
              .withValueSerializer(new HeadSerializer());
      sessionConfig =
          sessionConfig
              .withKeySerializer(new KeySerializer())
              .withValueSerializer(new SessionSerializer());
    }
    return new CacheLayer(
        manager,
        manager.createCache("heads", headConfig),
        manager.createCache("sessions", sessionConfig));
  }

  Optional<StoredHead> head(SessionKey key) {
    return heads == null ? Optional.empty() : Optional.ofNullable(heads.get(key));
  }

  Optional<Session> session(SessionKey key) {
    return sessions == null ? Optional.empty() : Optional.ofNullable(sessions.get(key));
  }

  /** Records a head just read or written; a cached transcript of an older state is dropped. */
  void written(StoredHead head) {
    if (heads != null) {
      heads.put(head.key(), head);
      sessions.remove(head.key());
    }
  }

  void loaded(StoredHead head, Session session) {
    if (heads != null) {
      heads.put(head.key(), head);
      sessions.put(head.key(), session);
    }
  }

  void invalidate(SessionKey key) {
    if (heads != null) {
      heads.remove(key);
      sessions.remove(key);
    }
  }

  @Override
  public void close() {
    if (manager != null) {
      manager.close();
    }
  }

  private abstract static class TextSerializer<T> implements Serializer<T> {
    abstract void write(DataOutputStream out, T value) throws IOException;

    abstract T read(DataInputStream in) throws IOException;

    @Override
    public ByteBuffer serialize(T value) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        write(out, value);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return ByteBuffer.wrap(bytes.toByteArray());
    }

    @Override
    public T read(ByteBuffer binary) {
      byte[] bytes = new byte[binary.remaining()];
      binary.get(bytes);
      try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
        return read(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public boolean equals(T object, ByteBuffer binary) {
      return object.equals(read(binary));
    }

    static void writeText(DataOutputStream out, String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.writeInt(b.length);
      out.write(b);
    }

    static String readText(DataInputStream in) throws IOException {
      byte[] b = new byte[in.readInt()];
      in.readFully(b);
      return new String(b, StandardCharsets.UTF_8);
    }
  }

  private static final class KeySerializer extends TextSerializer<SessionKey> {
    @Override
    void write(DataOutputStream out, SessionKey key) throws IOException {
      writeText(out, key.project());
      writeText(out, key.sessionId());
      out.writeBoolean(key.subpath() != null);
      if (key.subpath() != null) {
        writeText(out, key.subpath());
      }
    }

    @Override
    SessionKey read(DataInputStream in) throws IOException {
      String project = readText(in);
      String id = readText(in);
      return new SessionKey(project, id, in.readBoolean() ? readText(in) : null);
    }
  }

  private static final class HeadSerializer extends TextSerializer<StoredHead> {
    @Override
    void write(DataOutputStream out, StoredHead head) throws IOException {
      writeText(out, HeadCodec.encode(head));
    }

    @Override
    StoredHead read(DataInputStream in) throws IOException {
      return HeadCodec.decode(readText(in));
    }
  }

  private static final class SessionSerializer extends TextSerializer<Session> {
    @Override
    void write(DataOutputStream out, Session session) throws IOException {
      writeText(
          out,
          HeadCodec.encode(new StoredHead(session.metadata().key(), session.metadata(), 0, "")));
      out.writeInt(session.messages().size());
      for (Message m : session.messages()) {
        writeText(out, m.json());
      }
    }

    @Override
    Session read(DataInputStream in) throws IOException {
      StoredHead head = HeadCodec.decode(readText(in));
      int n = in.readInt();
      List<Message> messages = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        messages.add(Message.of(readText(in)));
      }
      return new Session(head.metadata(), messages);
    }
  }
}
