package io.sessionstore.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.ConfigurationException;
import io.sessionstore.api.Message;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.spi.StoredHead;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The format marker: written in a new store, upgraded from version 1, refused when foreign. */
class S3FormatTest {
  private final Map<String, String> config = S3TestServer.freshStorage();

  @Test
  void aNewStoreIsVersionThreeAndAVersionOneStoreIsUpgradedAndStillReads() {
    open().close();
    assertEquals("{\"layout\":\"sessionstore-s3\",\"version\":3}\n", format());

    // A store that version 1 made: a session whose marker carries its messages, and whose writer
    // died before the part.
    SessionKey key = SessionKey.of("p", "old");
    List<String> lines = List.of("{\"type\":\"user\",\"n\":1}", "{\"type\":\"user\",\"n\":2}");
    Instant at = Instant.parse("2026-01-02T03:04:05Z");
    String part = S3Layout.partName(at.toEpochMilli());
    Marker v1 =
        Marker.of(
                "APPEND",
                0,
                1,
                null,
                part,
                at.toEpochMilli(),
                part,
                StoredHead.derive(key, lines, at, at, Map.of()),
                lines,
                0)
            .inlined();
    put(".sessionstore/log/p/old/.sessionstore/000000000001", v1.encode());
    putFormat("{\"layout\":\"sessionstore-s3\",\"version\":1}");
    try (SessionStore s = open()) {
      assertEquals(
          lines, s.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList());
    }
    assertEquals("{\"layout\":\"sessionstore-s3\",\"version\":3}\n", format());
    assertEquals(
        String.join("\n", lines) + "\n", read("p/old/" + part), "its part written from it");
  }

  @Test
  void indexObjectsAreCompressedAndAVersionTwoStoreWithPlainOnesStillReads() {
    String snapshot = "P 1 {\"project\":\"p\",\"sessionId\":\"s\"}\n".repeat(200);
    byte[] packed = S3Index.compressed(snapshot);
    assertTrue(packed.length * 10 < snapshot.length(), packed.length + " bytes");
    assertEquals(snapshot, S3Index.text(packed));
    assertEquals(
        snapshot, S3Index.text(snapshot.getBytes(java.nio.charset.StandardCharsets.UTF_8)));

    open().close();
    putFormat("{\"layout\":\"sessionstore-s3\",\"version\":2}");
    open().close();
    assertEquals("{\"layout\":\"sessionstore-s3\",\"version\":3}\n", format());
  }

  @Test
  void aNewerVersionOrAForeignMarkerIsRefusedAtStartUp() {
    open().close();
    putFormat("{\"version\":3,  \"layout\":\"sessionstore-s3\"}");
    open().close();
    putFormat("{\"layout\":\"sessionstore-s3\",\"version\":4}");
    ConfigurationException newer = assertThrows(ConfigurationException.class, this::open);
    assertTrue(newer.getMessage().contains("newer sessionstore"), newer.getMessage());
    putFormat(
        "{\"layout\":\"something-else\",\"note\":\"\\\"layout\\\":\\\"sessionstore-s3\\\"\"}");
    ConfigurationException foreign = assertThrows(ConfigurationException.class, this::open);
    assertTrue(foreign.getMessage().contains("not one sessionstore wrote"), foreign.getMessage());
  }

  private SessionStore open() {
    return SessionStore.builder()
        .config(SessionStoreConfig.of(config).with("sessionstore.cache.enabled", "false"))
        .build();
  }

  private String format() {
    return read(".sessionstore/format");
  }

  private void putFormat(String json) {
    put(".sessionstore/format", json.getBytes(StandardCharsets.UTF_8));
  }

  private String read(String key) {
    try (S3Client raw = S3TestServer.rawClient(config)) {
      return raw.getObjectAsBytes(b -> b.bucket(bucket()).key(prefix() + key))
          .asString(StandardCharsets.UTF_8);
    }
  }

  private void put(String key, byte[] body) {
    try (S3Client raw = S3TestServer.rawClient(config)) {
      raw.putObject(b -> b.bucket(bucket()).key(prefix() + key), RequestBody.fromBytes(body));
    }
  }

  private String prefix() {
    return S3Settings.normalisePrefix(config.getOrDefault("sessionstore.s3.prefix", ""));
  }

  private String bucket() {
    return config.get("sessionstore.s3.bucket");
  }
}
