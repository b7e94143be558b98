package io.sessionstore.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadCodecTest {
  @Test
  void aHeadWithTheLargestValuesTheCoreDerivesRoundTrips() {
    SessionKey key = SessionKey.of("p", "s", "runs/1");
    SessionMetadata m =
        SessionMetadata.of(key, SessionMetadata.MIN_TIME)
            .withUpdatedAt(SessionMetadata.MAX_TIME)
            .withCounts(
                Long.MAX_VALUE,
                new BigDecimal("1e9")
                    .multiply(BigDecimal.valueOf(Long.MAX_VALUE))
                    .add(new BigDecimal("1e-100")),
                Long.MAX_VALUE)
            .withTags(List.of("t"))
            .withSummary("s")
            .withAttributes(Map.of("k", "v"))
            .withVersion(Long.MAX_VALUE);
    StoredHead head = new StoredHead(key, m, Long.MAX_VALUE, "{}");
    assertEquals(head, HeadCodec.decode(HeadCodec.encode(head)));
  }

  @Test
  void damagedStorageIsTheBackendsProblemNotBadInput() {
    for (String damaged :
        List.of(
            "",
            "not json",
            "[1]",
            "{\"metadata\":1}",
            "{\"project\":\"../x\",\"sessionId\":\"s\",\"metadata\":{}}",
            "{\"project\":\"p\",\"sessionId\":\"s\",\"metadata\":{\"totalCostUsd\":"
                + "1".repeat(1001)
                + "}}")) {
      BackendUnavailableException e =
          assertThrows(BackendUnavailableException.class, () -> HeadCodec.decode(damaged), damaged);
      assertTrue(e.getMessage().startsWith("Damaged stored head: "), e.getMessage());
    }
  }

  @Test
  void timesOutsideFourDigitYearsAreNoMetadata() {
    assertThrows(
        io.sessionstore.api.InvalidInputException.class,
        () -> SessionMetadata.of(SessionKey.of("p", "s"), Instant.parse("+10000-01-01T00:00:00Z")));
  }
}
