package io.sessionstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The first API message's key, which usage reports group resumed and forked sessions by. */
class DerivationFirstKeyTest {
  private static MessageFacts assistant(String id, String requestId) {
    String request = requestId == null ? "" : ",\"requestId\":\"" + requestId + "\"";
    return MessageFacts.of(
        "{\"type\":\"assistant\",\"uuid\":\"u-"
            + id
            + "\",\"timestamp\":\"2026-03-01T10:00:00Z\""
            + request
            + ",\"message\":{\"id\":\""
            + id
            + "\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5-20251001\",\"content\":[],"
            + "\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}",
        "test line");
  }

  private static MessageFacts prompt() {
    return MessageFacts.of(
        "{\"type\":\"user\",\"uuid\":\"u-p\",\"message\":{\"role\":\"user\",\"content\":\"hi\"}}",
        "test line");
  }

  @Test
  void isTheFirstMessageWithARequestIdAndSurvivesAppendsAndEncoding() {
    Derivation d = Derivation.EMPTY.plus(List.of(prompt()));
    assertNull(Derivation.firstKeyOf(d.encode()), "no API message yet");
    d = Derivation.decode(d.encode()).plus(List.of(assistant("m0", null)));
    assertNull(Derivation.firstKeyOf(d.encode()), "without a request id it never counts once");
    d = Derivation.EMPTY.plus(List.of(prompt(), assistant("m1", "r1")));
    String first = Derivation.firstKeyOf(d.encode());
    assertEquals(Derivation.key("m1", "r1"), first);
    d = Derivation.decode(d.encode()).plus(List.of(assistant("m2", "r2")));
    assertEquals(first, Derivation.firstKeyOf(d.encode()));
    assertEquals(first, Derivation.decode(d.encode()).firstKey());
  }

  @Test
  void aStateStoredBeforeFirstKeysNeverTakesALaterMessageForTheFirst() {
    // A head written before first keys were kept, that counted an API message already.
    Derivation old = Derivation.EMPTY.plus(List.of(assistant("m1", "r1")));
    String withoutFirstKey = old.encode().replaceFirst(",\"f\":\"[^\"]*\"", "");
    Derivation appended = Derivation.decode(withoutFirstKey).plus(List.of(assistant("m2", "r2")));
    assertNull(Derivation.firstKeyOf(appended.encode()));
    assertNull(Derivation.firstKeyOf("{\"ownCost\":0}"), "stored before usage accounting");
  }

  @Test
  void aKeyIsItsIdsHashesInFixedWidthHexAsStoredHeadsHoldThem() {
    // Stored derivations hold these keys: they must stay what String.format wrote.
    for (String id : List.of("", "a", "msg_01ABC", "r-1", "\u00e9t\u00e9", "polygenelubricants")) {
      assertEquals(String.format("%08x", id.hashCode()), Derivation.idHash(id), id);
      assertEquals(
          String.format("%08x.%04x", id.hashCode(), "req".hashCode() & 0xffff),
          Derivation.key(id, "req"),
          id);
      assertEquals(
          String.format("%08x.%04x", "m".hashCode(), id.hashCode() & 0xffff),
          Derivation.key("m", id),
          id);
    }
    assertEquals(String.format("%08x", "a".hashCode()) + ".-", Derivation.key("a", null));
  }
}
