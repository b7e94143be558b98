package io.sessionstore.api;

import java.util.Locale;

/** Where a cost comes from (its JSON name is the constant's name in lower case). */
public enum CostSource {
  /**
   * All of it came with the data ({@code costUSD} of a line, {@code total_cost_usd} of a result).
   */
  REPORTED,
  /** All of it is estimated from the price table. */
  ESTIMATED,
  /** Some reported, some estimated. */
  MIXED,
  /** Some usage has no price (a model the table does not know): the cost counts only the rest. */
  INCOMPLETE,
  /** No usage and no cost. */
  NONE,
  /**
   * Not derived yet: the session was stored before usage was accounted for ({@code sessionstore
   * reindex} derives it).
   */
  UNKNOWN;

  /** The name in JSON and on the command line: {@code reported}, {@code estimated}, … */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The source of a cost made of parts with these sources.
   *
   * @param reported whether any part was reported
   * @param estimated whether any part was estimated
   * @param unpriced whether any usage could be neither
   */
  public static CostSource of(boolean reported, boolean estimated, boolean unpriced) {
    if (unpriced) {
      return INCOMPLETE;
    }
    if (reported && estimated) {
      return MIXED;
    }
    return reported ? REPORTED : estimated ? ESTIMATED : NONE;
  }

  /**
   * The constant of a {@link #jsonName()}.
   *
   * @throws InvalidInputException for any other text
   */
  public static CostSource ofJsonName(String name) {
    for (CostSource s : values()) {
      if (s.jsonName().equals(name)) {
        return s;
      }
    }
    throw new InvalidInputException(
        "Invalid cost source '"
            + name
            + "': expected reported, estimated, mixed, incomplete, none or unknown");
  }

  /** The source of two costs added together. */
  public CostSource plus(CostSource other) {
    if (this == UNKNOWN || other == UNKNOWN) {
      return UNKNOWN;
    }
    if (this == NONE) {
      return other;
    }
    if (other == NONE || other == this) {
      return this;
    }
    if (this == INCOMPLETE || other == INCOMPLETE) {
      return INCOMPLETE;
    }
    return MIXED;
  }
}
