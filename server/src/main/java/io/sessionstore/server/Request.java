package io.sessionstore.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One request, parsed: its method, its path as decoded segments, its query parameters (and, for a
 * form post, the form's).
 */
final class Request {
  /** The largest form body read (edits are a summary and some tags). */
  static final int MAX_FORM_BYTES = 64 * 1024;

  final HttpExchange exchange;
  final String method;
  final String rawPath;
  final List<String> segments;
  final Map<String, List<String>> params;

  private Request(
      HttpExchange exchange,
      String method,
      String rawPath,
      List<String> segments,
      Map<String, List<String>> params) {
    this.exchange = exchange;
    this.method = method;
    this.rawPath = rawPath;
    this.segments = segments;
    this.params = params;
  }

  static Request of(HttpExchange exchange) {
    String rawPath = exchange.getRequestURI().getRawPath();
    if (rawPath == null || rawPath.isEmpty()) {
      rawPath = "/";
    }
    List<String> segments = new ArrayList<>();
    for (String s : rawPath.split("/")) {
      if (!s.isEmpty()) {
        segments.add(Urls.decode(s, false));
      }
    }
    return new Request(
        exchange,
        exchange.getRequestMethod(),
        rawPath,
        List.copyOf(segments),
        Urls.query(exchange.getRequestURI().getRawQuery()));
  }

  /** The parameters of an {@code application/x-www-form-urlencoded} body, added to the query's. */
  void readForm() throws IOException {
    String type = header("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      return;
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_FORM_BYTES + 1);
      if (body.length > MAX_FORM_BYTES) {
        throw new io.sessionstore.api.InvalidInputException(
            "Cannot read the form: it is larger than " + MAX_FORM_BYTES + " bytes");
      }
      Urls.query(new String(body, StandardCharsets.UTF_8))
          .forEach((k, v) -> params.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
    }
  }

  /** The first value of a parameter, stripped, or null when absent or blank. */
  String param(String name) {
    List<String> values = params.get(name);
    if (values == null || values.isEmpty()) {
      return null;
    }
    String v = values.get(0).strip();
    return v.isEmpty() ? null : v;
  }

  String header(String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  /** The value of a cookie, or null. */
  String cookie(String name) {
    List<String> headers = exchange.getRequestHeaders().get("Cookie");
    if (headers == null) {
      return null;
    }
    for (String h : headers) {
      for (String part : h.split(";")) {
        int eq = part.indexOf('=');
        if (eq > 0 && part.substring(0, eq).strip().equals(name)) {
          return part.substring(eq + 1).strip();
        }
      }
    }
    return null;
  }

  /** The segment at {@code i}, or null. */
  String segment(int i) {
    return i < segments.size() ? segments.get(i) : null;
  }
}
