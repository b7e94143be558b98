package io.sessionstore.api;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * What one model's tokens cost, in USD per token, as a {@link PriceTable} gives it. A 1-hour cache
 * write costs twice the input rate; the {@code …Above200k} rates, where present, apply to the part
 * of one message's tokens of that kind beyond 200,000.
 *
 * @param model the table's name for the model
 * @param input per input token
 * @param output per output token
 * @param cacheWrite5m per token written to the 5-minute cache
 * @param cacheRead per token read from the cache
 * @param inputAbove200k per input token beyond 200,000 in one message, or null (no tier)
 * @param outputAbove200k likewise for output, or null
 * @param cacheWrite5mAbove200k likewise for 5-minute cache writes, or null
 * @param cacheReadAbove200k likewise for cache reads, or null
 * @param fastMultiplier what a message in fast mode ({@code usage.speed == "fast"}) costs as a
 *     multiple of the same message at normal speed
 */
public record ModelPrice(
    String model,
    BigDecimal input,
    BigDecimal output,
    BigDecimal cacheWrite5m,
    BigDecimal cacheRead,
    BigDecimal inputAbove200k,
    BigDecimal outputAbove200k,
    BigDecimal cacheWrite5mAbove200k,
    BigDecimal cacheReadAbove200k,
    BigDecimal fastMultiplier) {

  /** Where the higher rates of a tiered model start: tokens of one kind in one message. */
  public static final long TIER_TOKENS = 200_000;

  private static final BigDecimal TWO = BigDecimal.valueOf(2);

  public ModelPrice {
    Objects.requireNonNull(model, "model is null");
    Objects.requireNonNull(input, "input is null");
    Objects.requireNonNull(output, "output is null");
    Objects.requireNonNull(cacheWrite5m, "cacheWrite5m is null");
    Objects.requireNonNull(cacheRead, "cacheRead is null");
    Objects.requireNonNull(fastMultiplier, "fastMultiplier is null");
  }

  /** Per token written to the 1-hour cache: twice the input rate. */
  public BigDecimal cacheWrite1h() {
    return input.multiply(TWO);
  }

  /** Per 1-hour cache write token beyond 200,000: twice the tiered input rate, or null. */
  public BigDecimal cacheWrite1hAbove200k() {
    return inputAbove200k == null ? null : inputAbove200k.multiply(TWO);
  }

  /** Whether any rate rises beyond {@link #TIER_TOKENS}. */
  public boolean tiered() {
    return inputAbove200k != null
        || outputAbove200k != null
        || cacheWrite5mAbove200k != null
        || cacheReadAbove200k != null;
  }

  /**
   * The cost of one API message's tokens, exact: each kind priced on its own, the part beyond
   * {@link #TIER_TOKENS} at the higher rate where the model has one, times {@link
   * #fastMultiplier()} in fast mode. (This is how ccusage prices a message; Anthropic bills a long
   * request at the higher rate whole.)
   */
  public BigDecimal cost(
      long inputTokens,
      long outputTokens,
      long cacheWrite5mTokens,
      long cacheWrite1hTokens,
      long cacheReadTokens,
      boolean fast) {
    BigDecimal c =
        tier(inputTokens, input, inputAbove200k)
            .add(tier(outputTokens, output, outputAbove200k))
            .add(tier(cacheWrite5mTokens, cacheWrite5m, cacheWrite5mAbove200k))
            .add(tier(cacheWrite1hTokens, cacheWrite1h(), cacheWrite1hAbove200k()))
            .add(tier(cacheReadTokens, cacheRead, cacheReadAbove200k));
    return fast ? c.multiply(fastMultiplier) : c;
  }

  private static BigDecimal tier(long tokens, BigDecimal base, BigDecimal above) {
    if (tokens <= TIER_TOKENS || above == null) {
      return base.multiply(BigDecimal.valueOf(tokens));
    }
    return base.multiply(BigDecimal.valueOf(TIER_TOKENS))
        .add(above.multiply(BigDecimal.valueOf(tokens - TIER_TOKENS)));
  }
}
