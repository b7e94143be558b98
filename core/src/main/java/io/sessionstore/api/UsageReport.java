package io.sessionstore.api;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Usage and cost of the sessions a query matches, grouped ({@link UsageGrouping}), with their
 * total. Made from the sessions' heads alone.
 *
 * @param grouping how the rows group the sessions
 * @param rows one per group
 * @param total all the sessions once (a session in several rows, by tag, counts once here)
 */
public record UsageReport(UsageGrouping grouping, List<Row> rows, Row total) {
  public UsageReport {
    Objects.requireNonNull(grouping, "grouping is null");
    rows = List.copyOf(rows);
    Objects.requireNonNull(total, "total is null");
  }

  /**
   * One group's figures.
   *
   * @param key the group's key fields, in order (e.g. {@code project} and {@code sessionId}); a
   *     value is null where the sessions have none (no tag, no branch); empty for the total
   * @param inputTokens input tokens
   * @param outputTokens output tokens
   * @param cacheCreationTokens cache writes
   * @param cacheReadTokens cache reads
   * @param costUsd what it cost (only what is priced, where {@link #costSource()} is incomplete)
   * @param costSource where the cost comes from
   * @param sessions how many sessions count in the row
   */
  public record Row(
      Map<String, String> key,
      long inputTokens,
      long outputTokens,
      long cacheCreationTokens,
      long cacheReadTokens,
      BigDecimal costUsd,
      CostSource costSource,
      long sessions) {
    public Row {
      key = Collections.unmodifiableMap(new LinkedHashMap<>(key));
      Objects.requireNonNull(costUsd, "costUsd is null");
      Objects.requireNonNull(costSource, "costSource is null");
    }

    /** The four counts added up. */
    public long totalTokens() {
      return inputTokens + outputTokens + cacheCreationTokens + cacheReadTokens;
    }

    /**
     * The row as one JSON object (CONTRACTS §15): its key fields, then {@code inputTokens}, {@code
     * outputTokens}, {@code cacheCreationTokens}, {@code cacheReadTokens}, {@code totalTokens},
     * {@code costUsd}, {@code costSource} and {@code sessions}.
     */
    public String toJson() {
      java.io.StringWriter out = new java.io.StringWriter();
      try (com.fasterxml.jackson.core.JsonGenerator g =
          io.sessionstore.spi.JsonStreams.generator(out)) {
        g.writeStartObject();
        for (Map.Entry<String, String> k : key.entrySet()) {
          g.writeStringField(k.getKey(), k.getValue());
        }
        g.writeNumberField("inputTokens", inputTokens);
        g.writeNumberField("outputTokens", outputTokens);
        g.writeNumberField("cacheCreationTokens", cacheCreationTokens);
        g.writeNumberField("cacheReadTokens", cacheReadTokens);
        g.writeNumberField("totalTokens", totalTokens());
        g.writeFieldName("costUsd");
        g.writeNumber(costUsd.toPlainString());
        g.writeStringField("costSource", costSource.jsonName());
        g.writeNumberField("sessions", sessions);
        g.writeEndObject();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return out.toString();
    }
  }
}
