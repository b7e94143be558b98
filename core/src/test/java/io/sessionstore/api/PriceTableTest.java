package io.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bundled table prices every name as ccusage 20.0.24 does: the figures are what that version
 * charged (USD per million tokens) in probes of one message of 100,000 tokens of one kind, and of
 * 1,000,000 input or output tokens for the rate beyond 200,000.
 */
class PriceTableTest {
  private static final PriceTable TABLE = PriceTable.bundled();
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  @ParameterizedTest
  @CsvSource({
    "claude-haiku-4-5-20251001, 1, 5, 1.25, 2, 0.1, 1, 5",
    "claude-haiku-4-5, 1, 5, 1.25, 2, 0.1, 1, 5",
    "claude-3-5-haiku-latest, 0.8, 4, 1, 1.6, 0.08, 0.8, 4",
    "claude-3-5-haiku-20241022, 0.8, 4, 1, 1.6, 0.08, 0.8, 4",
    "claude-opus-4-5-20251101, 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-opus-4-5, 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-sonnet-4-5-20250929, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "claude-sonnet-4-5, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "claude-opus-4-1, 15, 75, 18.75, 30, 1.5, 15, 75",
    "claude-opus-4-1-20250805, 15, 75, 18.75, 30, 1.5, 15, 75",
    "claude-opus-4-20250514, 15, 75, 18.75, 30, 1.5, 15, 75",
    "claude-opus-4, 15, 75, 18.75, 30, 1.5, 15, 75",
    "claude-opus-4-6, 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-opus-4-7, 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-opus-4-8, 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-opus-5, 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-sonnet-4-20250514, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "claude-sonnet-4, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "claude-sonnet-4-6, 3, 15, 3.75, 6, 0.3, 3, 15",
    "claude-sonnet-5, 2, 10, 2.5, 4, 0.2, 2, 10",
    "claude-3-5-sonnet-20241022, 3, 15, 3.75, 6, 0.3, 3, 15",
    "claude-3-5-sonnet-20240620, 3, 15, 3.75, 6, 0.3, 3, 15",
    "claude-3-7-sonnet-20250219, 3, 15, 3.75, 6, 0.3, 3, 15",
    "claude-3-haiku-20240307, 0.25, 1.25, 0.3, 0.5, 0.03, 0.25, 1.25",
    "claude-3-opus-20240229, 15, 75, 18.75, 30, 1.5, 15, 75",
    "claude-fable-5, 10, 50, 12.5, 20, 1, 10, 50",
    "claude-mythos-5, 10, 50, 12.5, 20, 1, 10, 50",
    "anthropic/claude-sonnet-4-5, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "anthropic/claude-sonnet-4-5-20250929, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "anthropic.claude-sonnet-4-5-20250929-v1:0, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0, 3.3, 16.5, 4.125, 6.6, 0.33, 6.6, 24.75",
    "claude-sonnet-4-5-20991231, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "claude-opus-4-5-20991231, 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-haiku-4-5-20991231, 1, 5, 1.25, 2, 0.1, 1, 5",
    "claude-sonnet-4.5, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "claude-sonnet-4-5-thinking, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "claude-sonnet-4-5[1m], 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "claude-opus-4-5-20251101[1m], 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-sonnet-4-5-v1:0, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "sonnet-4-5, 3, 15, 3.75, 6, 0.3, 6, 22.5",
    "claude-opus-4-6-20260205, 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-opus-4-7-20260416, 5, 25, 6.25, 10, 0.5, 5, 25",
    "claude-sonnet-4-6-20260101, 3, 15, 3.75, 6, 0.3, 3, 15",
  })
  void pricesAsCcusage(
      String model,
      BigDecimal input,
      BigDecimal output,
      BigDecimal cacheWrite5m,
      BigDecimal cacheWrite1h,
      BigDecimal cacheRead,
      BigDecimal inputAbove,
      BigDecimal outputAbove) {
    ModelPrice p = TABLE.find(model).orElseThrow(() -> new AssertionError(model + " has no price"));
    assertPerMillion(input, p.cost(1_000_000, 0, 0, 0, 0, false), inputAbove, model + " input");
    assertPerMillion(output, p.cost(0, 1_000_000, 0, 0, 0, false), outputAbove, model + " output");
    assertPerMillion(
        cacheWrite5m,
        p.cost(0, 0, 100_000, 0, 0, false).multiply(BigDecimal.TEN),
        null,
        model + " 5m");
    assertPerMillion(
        cacheWrite1h,
        p.cost(0, 0, 0, 100_000, 0, false).multiply(BigDecimal.TEN),
        null,
        model + " 1h");
    assertPerMillion(
        cacheRead,
        p.cost(0, 0, 0, 0, 100_000, false).multiply(BigDecimal.TEN),
        null,
        model + " read");
  }

  /** {@code cost} of a million tokens: 200k at the base rate, the rest at the rate beyond. */
  private static void assertPerMillion(
      BigDecimal base, BigDecimal cost, BigDecimal above, String what) {
    BigDecimal expected =
        above == null
            ? base
            : base.multiply(new BigDecimal("0.2")).add(above.multiply(new BigDecimal("0.8")));
    assertEquals(0, expected.compareTo(cost), what + ": expected " + expected + ", got " + cost);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "claude-opus-4-0",
        "claude-sonnet-4-0",
        "claude-3-5-sonnet-latest",
        "CLAUDE-SONNET-4-5-20250929",
        "claude-foo",
        "claude-nonexistent-9",
        "<synthetic>",
        "claude-haiku-4",
        "claude-opus-4-9",
        "claude-sonnet-4-7"
      })
  void unknownNamesHaveNoPrice(String model) {
    assertTrue(TABLE.find(model).isEmpty(), model);
  }

  @Test
  void tiersApplyPerKindOnlyAbove200k() {
    ModelPrice sonnet = TABLE.find("claude-sonnet-4-5").orElseThrow();
    // 200k x 3 + 100k x 6 (input) + 100k x 15 (output) per million
    assertEquals(
        0, new BigDecimal("2.70").compareTo(sonnet.cost(300_000, 100_000, 0, 0, 0, false)));
    // below the tier in each kind: no tier although the sum passes it
    assertEquals(
        0, new BigDecimal("0.495").compareTo(sonnet.cost(150_000, 0, 0, 0, 150_000, false)));
    // 5-minute and 1-hour writes are tiered apart
    assertEquals(
        0, new BigDecimal("2.925").compareTo(sonnet.cost(0, 0, 250_000, 250_000, 0, false)));
  }

  @Test
  void cacheOneHourIsTwiceInput() {
    // the acceptance's cache1h case: 5m 1000, 1h 4000, in 3, out 10 on sonnet 4.5
    ModelPrice sonnet = TABLE.find("claude-sonnet-4-5-20250929").orElseThrow();
    assertEquals(0, new BigDecimal("0.027909").compareTo(sonnet.cost(3, 10, 1000, 4000, 0, false)));
  }

  @Test
  void fastModeMultipliesTheWholeMessage() {
    Map<String, String> multipliers =
        Map.of(
            "claude-opus-4-6", "6",
            "claude-opus-4-7", "6",
            "claude-opus-4-8", "2",
            "claude-opus-5", "2",
            "claude-sonnet-4-5", "1",
            "claude-haiku-4-5", "1",
            "claude-opus-4-5", "1",
            "us.anthropic.claude-opus-4-6-v1", "6");
    multipliers.forEach(
        (model, m) -> {
          ModelPrice p = TABLE.find(model).orElseThrow();
          BigDecimal normal = p.cost(1000, 1000, 1000, 1000, 1000, false);
          assertEquals(
              0,
              normal
                  .multiply(new BigDecimal(m))
                  .compareTo(p.cost(1000, 1000, 1000, 1000, 1000, true)),
              model);
        });
  }

  @Test
  void longestNameWinsAndMatchesAreCached() {
    assertEquals(
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        TABLE.find("sonnet-4-5").orElseThrow().model());
    assertEquals("claude-3-5-haiku", TABLE.find("claude-3-5-haiku-latest").orElseThrow().model());
    assertTrue(TABLE.find("claude-opus-4-9").isEmpty());
    assertTrue(TABLE.find("").isEmpty());
    assertTrue(TABLE.find(null).isEmpty());
  }

  @Test
  void aFileIsLaidOverTheBundledTable(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("prices.json");
    Files.writeString(
        file,
        "{\"sample_spec\": \"ignored\", \"my-model\": {\"input_cost_per_token\": 1e-06, "
            + "\"output_cost_per_token\": 2e-06}, \"claude-haiku-4-5\": {\"input_cost_per_token\": "
            + "2e-06, \"output_cost_per_token\": 1e-05, \"cache_read_input_token_cost\": 3e-07}}");
    PriceTable t = PriceTable.load(file);
    ModelPrice mine = t.find("my-model-20260101").orElseThrow();
    assertEquals(0, new BigDecimal("1.25e-06").compareTo(mine.cacheWrite5m()));
    assertEquals(0, new BigDecimal("1e-07").compareTo(mine.cacheRead()));
    ModelPrice haiku = t.find("claude-haiku-4-5-20251001").orElseThrow();
    assertEquals("claude-haiku-4-5-20251001", haiku.model(), "the bundled dated entry still wins");
    assertEquals(
        0, new BigDecimal("2e-06").compareTo(t.find("claude-haiku-4-5").orElseThrow().input()));
    assertTrue(t.source().contains(file.toAbsolutePath().toString()));
    assertFalse(t.find("claude-sonnet-4-5").isEmpty(), "bundled entries stay");
  }

  @Test
  void aBadFileIsAConfigurationError(@TempDir Path dir) throws IOException {
    Path missing = dir.resolve("missing.json");
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> PriceTable.load(missing));
    assertTrue(e.getMessage().contains(PriceTable.FILE_KEY), e.getMessage());
    Path notJson = Files.writeString(dir.resolve("bad.json"), "{ not json");
    assertThrows(ConfigurationException.class, () -> PriceTable.load(notJson));
    Path array = Files.writeString(dir.resolve("array.json"), "[1, 2]");
    assertThrows(ConfigurationException.class, () -> PriceTable.load(array));
    Path empty =
        Files.writeString(dir.resolve("empty.json"), "{\"m\": {\"input_cost_per_token\": 1}}");
    ConfigurationException none =
        assertThrows(ConfigurationException.class, () -> PriceTable.load(empty));
    assertTrue(none.getMessage().contains("output_cost_per_token"), none.getMessage());
  }

  @Test
  void theBundledTableSaysWhereItComesFrom() {
    assertEquals("2026-09-22", TABLE.date());
    assertTrue(TABLE.source().contains("ccusage 20.0.24"));
    assertEquals(132, TABLE.entries().size());
  }
}
