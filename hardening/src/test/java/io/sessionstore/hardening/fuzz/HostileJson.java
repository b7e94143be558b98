package io.sessionstore.hardening.fuzz;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of message lines, written as text (never through a JSON library, so that every byte is
 * what the generator chose): valid objects with hostile content, invalid JSON, JSON that is not an
 * object.
 */
final class HostileJson {
  private HostileJson() {}

  /** The nesting limit of the store's parser; lines are generated just under, at and beyond it. */
  static final int DEPTH_LIMIT = 5_000;

  /** A line of one of three kinds, tagged with the kind. */
  record Line(Kind kind, String text) {
    @Override
    public String toString() {
      return kind + ":" + Fuzz.show(text);
    }
  }

  enum Kind {
    /** A JSON object of ordinary content: must be accepted. */
    PLAIN,
    /**
     * A JSON object with hostile content (odd numbers, deep nesting, odd unicode): accepted or
     * refused cleanly.
     */
    HOSTILE,
    /** Not valid JSON, or JSON that is not an object: must be refused. */
    INVALID
  }

  static Arbitrary<Line> lines() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, plain().map(t -> new Line(Kind.PLAIN, t))),
        Tuple.of(5, hostile().map(t -> new Line(Kind.HOSTILE, t))),
        Tuple.of(3, invalid().map(t -> new Line(Kind.INVALID, t))));
  }

  /** Ordinary messages in the shapes the store derives metadata from. */
  static Arbitrary<String> plain() {
    Arbitrary<String> word =
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12);
    Arbitrary<String> uuid = Arbitraries.strings().withCharRange('0', '9').ofLength(8);
    return Combinators.combine(
            Arbitraries.of("user", "assistant", "result", "system", "summary", "x-unknown"),
            word,
            uuid,
            Arbitraries.integers().between(0, 50),
            Arbitraries.of("1.5", "0.25", "1e2", "2", "0.000001"))
        .as(
            (type, text, id, turns, cost) ->
                switch (type) {
                  case "assistant" ->
                      "{\"type\":\"assistant\",\"uuid\":\""
                          + id
                          + "\",\"costUSD\":"
                          + cost
                          + ",\"message\":{\"id\":\"msg_"
                          + id
                          + "\",\"content\":[{\"type\":\"text\",\"text\":\""
                          + text
                          + "\"}]}}";
                  case "result" ->
                      "{\"type\":\"result\",\"total_cost_usd\":"
                          + cost
                          + ",\"num_turns\":"
                          + turns
                          + "}";
                  case "summary" -> "{\"type\":\"summary\",\"summary\":\"" + text + "\"}";
                  default ->
                      "{\"type\":\""
                          + type
                          + "\",\"uuid\":\""
                          + id
                          + "\",\"message\":{\"role\":\"user\",\"content\":\""
                          + text
                          + "\"},\"timestamp\":\"2026-11-0"
                          + (1 + turns % 9)
                          + "T10:00:00Z\"}";
                });
  }

  /** Numbers valid in JSON that no double or long holds, plus negative zero and friends. */
  static final List<String> ODD_NUMBERS =
      List.of(
          "1e1000",
          "1e99999999999999999999",
          "-0",
          "-0.0",
          "-0e0",
          "1E-99999",
          "-1e-400",
          "4.9e-325",
          "1.7976931348623157e309",
          "123456789012345678901234567890",
          "9223372036854775808",
          "-9223372036854775809",
          "0.1e+5",
          "1e2",
          "1.50",
          "1E+2147483648",
          "1e-2147483649",
          "0.0000000000000000000000000000000000000000000000001",
          "2147483648",
          "100000000000000000000e-20");

  /** String contents, as they appear between the quotes, valid in JSON. */
  static final List<String> ODD_STRINGS =
      List.of(
          "\\ud800",
          "\\udc00x",
          "\\ud83c\\udf89",
          "\\u0000",
          "\\u001b[31m",
          "\u2028",
          "\u2029",
          "\\u2028",
          "\ufeff",
          "\\ufeff",
          "\u0085",
          "\u0080\u009f",
          "caf\u00e9 \\/ 日本 🎉",
          "\\\\",
          "\\\"",
          "\u200b\u200e\u202e",
          "%00%2F..%2e%2e",
          "<command-name>",
          "\uffff\ufffe",
          "\\b\\f\\n\\r\\t");

  static final List<String> ODD_TIMES =
      List.of(
          "+1000000000-01-01T00:00:00Z",
          "-999999999-01-01T00:00:00Z",
          "+999999999-12-31T23:59:59.999999999Z",
          "0000-01-01T00:00:00Z",
          "2026-13-45T99:99:99Z",
          "1e1000",
          "",
          "2026-11-01T10:00:00+14:00",
          "2026-11-01");

  /**
   * The families of hostile content, each fuzzed by its own property so that one defect does not
   * hide another.
   */
  enum Family {
    NUMBERS,
    STRINGS,
    TIMES,
    DEPTH,
    SPACING
  }

  /** Valid JSON objects whose content is hostile, in the places metadata derivation reads. */
  static Arbitrary<String> hostile() {
    return Arbitraries.oneOf(
        java.util.Arrays.stream(Family.values()).map(HostileJson::hostile).toList());
  }

  /** Ordinary, hostile of one family, and invalid lines, tagged. */
  static Arbitrary<Line> lines(Family family) {
    return Arbitraries.frequencyOf(
        Tuple.of(2, plain().map(t -> new Line(Kind.PLAIN, t))),
        Tuple.of(6, hostile(family).map(t -> new Line(Kind.HOSTILE, t))),
        Tuple.of(1, invalid().map(t -> new Line(Kind.INVALID, t))));
  }

  static Arbitrary<String> hostile(Family family) {
    return switch (family) {
      case NUMBERS -> {
        Arbitrary<String> number =
            Arbitraries.oneOf(
                Arbitraries.of(ODD_NUMBERS),
                Arbitraries.strings()
                    .withCharRange('0', '9')
                    .ofMinLength(1)
                    .ofMaxLength(3000)
                    .map(d -> d.length() > 1 && d.charAt(0) == '0' ? "1" + d : d));
        yield number.flatMap(
            n ->
                Arbitraries.of(
                    "{\"type\":\"result\",\"total_cost_usd\":" + n + ",\"num_turns\":" + n + "}",
                    "{\"type\":\"result\",\"cost_usd\":" + n + ",\"num_turns\":1}",
                    "{\"type\":\"assistant\",\"costUSD\":"
                        + n
                        + ",\"message\":{\"id\":"
                        + n
                        + ",\"usage\":{\"input_tokens\":"
                        + n
                        + ",\"output_tokens\":"
                        + n
                        + "}}}",
                    "{\"type\":\"user\",\"timestamp\":" + n + ",\"n\":[" + n + "," + n + "]}"));
      }
      case STRINGS -> {
        Arbitrary<String> string =
            Arbitraries.oneOf(
                Arbitraries.of(ODD_STRINGS),
                Arbitraries.integers().between(1, 200_000).map(n -> "x".repeat(n)),
                Arbitraries.strings().all().ofMaxLength(40).map(HostileJson::escape));
        yield string.flatMap(
            s ->
                Arbitraries.of(
                    "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"" + s + "\"}}",
                    "{\"type\":\"summary\",\"summary\":\"" + s + "\"}",
                    "{\"" + s + "\":\"" + s + "\",\"uuid\":\"" + s + "\"}",
                    "{\"type\":\"assistant\",\"message\":{\"id\":\""
                        + s
                        + "\",\"model\":\""
                        + s
                        + "\"}}",
                    "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\""
                        + s
                        + "\",\"cwd\":\""
                        + s
                        + "\"}"));
      }
      case TIMES ->
          Arbitraries.of(ODD_TIMES)
              .flatMap(
                  t ->
                      Arbitraries.of(
                          "{\"type\":\"user\",\"timestamp\":\""
                              + t
                              + "\",\"message\":{\"content\":\"t\"}}",
                          "{\"type\":\"assistant\",\"timestamp\":\""
                              + t
                              + "\",\"message\":{\"id\":\"m\"}}"));
      case DEPTH ->
          Arbitraries.oneOf(
                  Arbitraries.integers().between(DEPTH_LIMIT - 5, DEPTH_LIMIT + 5),
                  Arbitraries.integers().between(1, 3000),
                  Arbitraries.of(100_000))
              .map(HostileJson::nested);
      case SPACING ->
          Arbitraries.of(
              " {\"a\":1} ",
              "{ }",
              "{}",
              "{\t\"a\" : [ ] }",
              "{\"a\":1,\"a\":2}",
              "{\"\":null}",
              "{\"type\":\"user\",\"uuid\":\"\"}",
              "{\"type\":null,\"uuid\":7}");
    };
  }

  /**
   * An object holding arrays nested so that the deepest value sits at nesting depth {@code depth}.
   */
  static String nested(int depth) {
    int arrays = Math.max(0, depth - 1);
    return "{\"type\":\"user\",\"deep\":" + "[".repeat(arrays) + "]".repeat(arrays) + "}";
  }

  /** Lines that are not one JSON object. */
  static Arbitrary<String> invalid() {
    Arbitrary<String> fixed =
        Arbitraries.of(
            "{\"type\":\"user\", broken",
            "{\"a\":1} trailing",
            "{\"a\":1}{\"b\":2}",
            "{\"a\":NaN}",
            "{\"a\":Infinity}",
            "{'a':1}",
            "{\"a\":01}",
            "{\"a\":1,}",
            "{",
            "}",
            "{\"a\":\"raw\u0001ctl\"}",
            "{\"a\":\"raw\ttab\"}",
            "{\"a\":.5}",
            "{\"a\":1.}",
            "{\"a\":-}",
            "{\"a\":+1}",
            "{\"a\":\"\\x41\"}",
            "{\"a\":\"\\u12\"}",
            "{a:1}",
            "[]",
            "[{\"a\":1}]",
            "1",
            "\"text\"",
            "null",
            "true",
            "1e1000",
            "{} {}",
            "{\"a\":1}\u0000",
            "/* c */ {}",
            "{\"a\":\"" + "\\".repeat(3) + "\"}",
            "{\"a\":[" + "1,".repeat(5) + "]}");
    Arbitrary<String> unclosed =
        Arbitraries.integers().between(1, 200_000).map(n -> "{\"a\":" + "[".repeat(n));
    return Arbitraries.frequencyOf(Tuple.of(6, fixed), Tuple.of(1, unclosed));
  }

  /**
   * A Java string as JSON string content: quotes, backslashes and control characters escaped, the
   * rest raw.
   */
  static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || Character.isSurrogate(c)) {
        // lone surrogates have no UTF-8 form: write every surrogate escaped
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
