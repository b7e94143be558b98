package io.sessionstore.api;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The tokens a session used, in total and per model, as the data reports them ({@code
 * message.usage} of assistant lines, {@code usage}/{@code modelUsage} of stream-json results), each
 * API message counted once. Tokens of lines that name no model (or {@code <synthetic>}) count in
 * the totals but in no model's row.
 *
 * @param inputTokens input tokens
 * @param outputTokens output tokens
 * @param cacheCreationTokens tokens written to the prompt cache (5-minute and 1-hour writes)
 * @param cacheReadTokens tokens read from the prompt cache
 * @param models one row per model, by model name ({@code <model>-fast} for fast mode)
 * @param costSource where the session's cost comes from
 */
public record Usage(
    long inputTokens,
    long outputTokens,
    long cacheCreationTokens,
    long cacheReadTokens,
    List<ModelUsage> models,
    CostSource costSource) {

  /** No usage, no cost. */
  public static final Usage NONE = new Usage(0, 0, 0, 0, List.of(), CostSource.NONE);

  public Usage {
    Objects.requireNonNull(costSource, "costSource is null");
    if (costSource == CostSource.UNKNOWN) {
      throw new IllegalArgumentException("Usage that is not known is null, not UNKNOWN");
    }
    models = models.stream().sorted(Comparator.comparing(ModelUsage::model)).toList();
  }

  /** The four counts added up. */
  public long totalTokens() {
    return inputTokens + outputTokens + cacheCreationTokens + cacheReadTokens;
  }

  /**
   * One model's usage and what it cost.
   *
   * @param model the model as the data names it ({@code <model>-fast} for fast mode)
   * @param inputTokens input tokens
   * @param outputTokens output tokens
   * @param cacheCreationTokens cache writes, 5-minute and 1-hour
   * @param cacheReadTokens cache reads
   * @param costUsd what it cost: reported where the data says, else estimated; only what is priced
   * @param costSource where the cost comes from ({@link CostSource#INCOMPLETE}: the table has no
   *     price for some of it)
   */
  public record ModelUsage(
      String model,
      long inputTokens,
      long outputTokens,
      long cacheCreationTokens,
      long cacheReadTokens,
      BigDecimal costUsd,
      CostSource costSource) {
    public ModelUsage {
      Objects.requireNonNull(model, "model is null");
      Objects.requireNonNull(costUsd, "costUsd is null");
      Objects.requireNonNull(costSource, "costSource is null");
    }

    /** The four counts added up. */
    public long totalTokens() {
      return inputTokens + outputTokens + cacheCreationTokens + cacheReadTokens;
    }
  }
}
