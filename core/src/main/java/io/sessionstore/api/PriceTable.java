package io.sessionstore.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.sessionstore.spi.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model prices, for estimating what usage cost where the data reports no cost. Built from a map in
 * the form of LiteLLM's {@code model_prices_and_context_window.json} (model name → {@code
 * input_cost_per_token}, {@code output_cost_per_token}, {@code cache_creation_input_token_cost},
 * {@code cache_read_input_token_cost}, their {@code …_above_200k_tokens} variants and {@code
 * provider_specific_entry.fast}, USD per token). An entry without both an input and an output price
 * is ignored; a missing cache write price is 1.25 × input, a missing cache read price 0.1 × input.
 *
 * <p>The {@link #bundled()} table is the one ccusage 20.0.24 prices Claude Code usage with (its
 * LiteLLM snapshot's Claude entries and its own built-in Claude prices), so that figures match that
 * tool's. A file given as {@code sessionstore.pricing.file} ({@link #load(Path)}) is laid over it:
 * its entries replace the bundled ones of the same name and add to them, so LiteLLM's whole file
 * works as it is, and so does a file with one model.
 *
 * <p>{@link #find(String)} matches a model name as ccusage does: the exact name; else the longest
 * entry name that the model name contains, or that contains it, at word boundaries (also with
 * {@code .} and {@code @} read as {@code -}), where a name ending in a version number does not
 * match a longer version ({@code claude-opus-4} is not {@code claude-opus-4-1}) but does match a
 * dated one ({@code claude-sonnet-4-5-20991231} is {@code claude-sonnet-4-5}). Names are
 * case-sensitive. Immutable and thread-safe.
 */
public final class PriceTable {
  /** The configuration key of a price file to lay over the bundled table. */
  public static final String FILE_KEY = "sessionstore.pricing.file";

  /** The class-path resource of the bundled table. */
  static final String BUNDLED_RESOURCE = "/io/sessionstore/pricing/claude-prices.json";

  /** Where the bundled table comes from. */
  static final String BUNDLED_SOURCE =
      "bundled: the Claude prices of ccusage 20.0.24 (LiteLLM's price list as ccusage ships it,"
          + " with ccusage's built-in Claude prices)";

  /** The bundled table's date: the release of ccusage 20.0.24. */
  static final String BUNDLED_DATE = "2026-09-22";

  /**
   * Fast-mode multipliers for models whose entry does not give one, as ccusage applies them: an
   * entry whose name (with {@code .} and {@code @} read as {@code -}) has a {@code /}- or {@code
   * :}-separated part ending in one of these names, or in one of them followed by {@code -…}.
   */
  private static final Map<String, BigDecimal> FAST_MULTIPLIERS =
      Map.of(
          "claude-opus-4-6", BigDecimal.valueOf(6),
          "claude-opus-4-7", BigDecimal.valueOf(6),
          "claude-opus-4-8", BigDecimal.valueOf(2));

  /** Model names remembered by {@link #find(String)}; beyond this many, lookups are not cached. */
  private static final int MAX_CACHED_NAMES = 10_000;

  private static volatile PriceTable bundled;

  private final String source;
  private final String date;
  private final Map<String, ModelPrice> entries;
  private final Map<String, Optional<ModelPrice>> found = new ConcurrentHashMap<>();

  private PriceTable(String source, String date, Map<String, ModelPrice> entries) {
    this.source = source;
    this.date = date;
    this.entries = entries;
  }

  /** The table sessionstore ships (see the class documentation). */
  public static PriceTable bundled() {
    PriceTable t = bundled;
    if (t == null) {
      try (InputStream in = PriceTable.class.getResourceAsStream(BUNDLED_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              "The bundled price table " + BUNDLED_RESOURCE + " is missing");
        }
        String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        t = new PriceTable(BUNDLED_SOURCE, BUNDLED_DATE, parse(json, "the bundled price table"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      bundled = t;
    }
    return t;
  }

  /**
   * The bundled table with a price file laid over it (see the class documentation); its date is the
   * file's last change.
   *
   * @throws ConfigurationException when the file cannot be read, is not a JSON object of model
   *     prices, or holds no entry with an input and an output price
   */
  public static PriceTable load(Path file) {
    String json;
    String date;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
      date =
          Files.getLastModifiedTime(file)
              .toInstant()
              .atOffset(ZoneOffset.UTC)
              .toLocalDate()
              .toString();
    } catch (NoSuchFileException e) {
      throw new ConfigurationException(
          "Invalid " + FILE_KEY + " '" + file + "': no such file (a JSON price list is expected)");
    } catch (IOException | UncheckedIOException e) {
      throw new ConfigurationException(
          "Invalid " + FILE_KEY + " '" + file + "': it cannot be read (" + e.getMessage() + ")");
    }
    Map<String, ModelPrice> own;
    try {
      own = parse(json, FILE_KEY + " '" + file + "'");
    } catch (InvalidInputException e) {
      throw new ConfigurationException(e.getMessage());
    }
    if (own.isEmpty()) {
      throw new ConfigurationException(
          "Invalid "
              + FILE_KEY
              + " '"
              + file
              + "': it holds no model with both input_cost_per_token and output_cost_per_token"
              + " (expected LiteLLM's model_prices_and_context_window.json form)");
    }
    Map<String, ModelPrice> all = new TreeMap<>(bundled().entries);
    all.putAll(own);
    return new PriceTable(
        "file "
            + file.toAbsolutePath()
            + " ("
            + own.size()
            + " entries) over the "
            + BUNDLED_SOURCE,
        date,
        all);
  }

  /**
   * The table a configuration asks for: {@link #load(Path)} of {@value #FILE_KEY} when it is set,
   * else {@link #bundled()}.
   */
  public static PriceTable of(SessionStoreConfig config) {
    return config
        .get(FILE_KEY)
        .map(String::strip)
        .filter(v -> !v.isEmpty())
        .map(v -> load(Path.of(v)))
        .orElseGet(PriceTable::bundled);
  }

  /** Where the prices come from, for people. */
  public String source() {
    return source;
  }

  /** The date of the prices ({@code YYYY-MM-DD}). */
  public String date() {
    return date;
  }

  /** Every entry, by name. */
  public List<ModelPrice> entries() {
    return List.copyOf(entries.values());
  }

  /**
   * The price of a model as it is named in the data (see the class documentation for how names
   * match), or empty when the table has none.
   */
  public Optional<ModelPrice> find(String model) {
    if (model == null || model.isEmpty()) {
      return Optional.empty();
    }
    Optional<ModelPrice> cached = found.get(model);
    if (cached != null) {
      return cached;
    }
    Optional<ModelPrice> price = Optional.ofNullable(lookup(model));
    if (found.size() < MAX_CACHED_NAMES) {
      found.put(model, price);
    }
    return price;
  }

  private ModelPrice lookup(String model) {
    ModelPrice exact = entries.get(model);
    if (exact != null) {
      return exact;
    }
    String normalized = normalized(model);
    String best = null;
    for (String key : entries.keySet()) {
      if (best != null && key.length() < best.length()) {
        continue;
      }
      if (!matches(key, model, normalized)) {
        continue;
      }
      // The longest name wins; of two as long, the one that sorts first (keys come sorted).
      if (best == null || key.length() > best.length()) {
        best = key;
      }
    }
    return best == null ? null : entries.get(best);
  }

  private static boolean matches(String key, String model, String normalizedModel) {
    if (containsName(model, key) || containsName(key, model)) {
      return true;
    }
    String normalizedKey = normalized(key);
    return containsName(normalizedModel, normalizedKey)
        || containsName(normalizedKey, normalizedModel);
  }

  /**
   * Whether {@code name} occurs in {@code value} starting at a word boundary and followed by the
   * end or a non-alphanumeric character, and not by a longer version number (a date of 8 digits is
   * fine).
   */
  static boolean containsName(String value, String name) {
    for (int i = value.indexOf(name); i >= 0; i = value.indexOf(name, i + 1)) {
      if ((i == 0 || !alphanumeric(value.charAt(i - 1)))
          && suffixAllows(name, value.substring(i + name.length()))) {
        return true;
      }
    }
    return false;
  }

  private static boolean suffixAllows(String name, String suffix) {
    if (suffix.isEmpty()) {
      return true;
    }
    char first = suffix.charAt(0);
    if (alphanumeric(first)) {
      return false;
    }
    if (!digit(name.charAt(name.length() - 1)) || (first != '-' && first != '.')) {
      return true;
    }
    int digits = 0;
    while (1 + digits < suffix.length() && digit(suffix.charAt(1 + digits))) {
      digits++;
    }
    if (digits == 0) {
      return true;
    }
    // A version number of its own (claude-opus-4 in claude-opus-4-1) is another model; a date is
    // not.
    int after = 1 + digits;
    return digits == 8 && (after == suffix.length() || !alphanumeric(suffix.charAt(after)));
  }

  private static String normalized(String name) {
    return name.replace('.', '-').replace('@', '-');
  }

  private static boolean alphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit(c);
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  /**
   * The entries of a LiteLLM-style map.
   *
   * @throws InvalidInputException when the text is not a JSON object
   */
  static Map<String, ModelPrice> parse(String json, String what) {
    JsonNode root;
    // Streamed: a short-lived command must not pay for starting the object mapper.
    try (com.fasterxml.jackson.core.JsonParser p = io.sessionstore.spi.JsonStreams.parser(json)) {
      root = io.sessionstore.spi.JsonStreams.readTree(p);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(
          "Invalid " + what + ": not valid JSON (" + Json.describe(e) + ")");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot read a string", e);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidInputException(
          "Invalid " + what + ": expected a JSON object of model names to prices");
    }
    Map<String, ModelPrice> out = new TreeMap<>();
    root.properties()
        .forEach(
            e -> {
              ModelPrice p = price(e.getKey(), e.getValue());
              if (p != null) {
                out.put(e.getKey(), p);
              }
            });
    return out;
  }

  private static ModelPrice price(String model, JsonNode n) {
    if (!n.isObject()) {
      return null;
    }
    BigDecimal input = rate(n, "input_cost_per_token");
    BigDecimal output = rate(n, "output_cost_per_token");
    if (input == null || output == null) {
      return null;
    }
    BigDecimal cacheWrite = rate(n, "cache_creation_input_token_cost");
    BigDecimal cacheRead = rate(n, "cache_read_input_token_cost");
    BigDecimal fast = rate(n.path("provider_specific_entry"), "fast");
    return new ModelPrice(
        model,
        input,
        output,
        cacheWrite != null ? cacheWrite : input.multiply(new BigDecimal("1.25")),
        cacheRead != null ? cacheRead : input.multiply(new BigDecimal("0.1")),
        rate(n, "input_cost_per_token_above_200k_tokens"),
        rate(n, "output_cost_per_token_above_200k_tokens"),
        rate(n, "cache_creation_input_token_cost_above_200k_tokens"),
        rate(n, "cache_read_input_token_cost_above_200k_tokens"),
        fast != null ? fast : fastMultiplierOf(model));
  }

  private static BigDecimal rate(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isNumber() || v.decimalValue().signum() < 0) {
      return null;
    }
    return v.decimalValue();
  }

  private static BigDecimal fastMultiplierOf(String model) {
    for (String part : normalized(model).split("[/:]")) {
      for (Map.Entry<String, BigDecimal> f : FAST_MULTIPLIERS.entrySet()) {
        int i = part.lastIndexOf(f.getKey());
        if (i >= 0) {
          String rest = part.substring(i + f.getKey().length());
          if (rest.isEmpty() || rest.charAt(0) == '-') {
            return f.getValue();
          }
        }
      }
    }
    return BigDecimal.ONE;
  }

  @Override
  public String toString() {
    return "PriceTable[" + source + ", " + date + ", " + entries.size() + " entries]";
  }
}
