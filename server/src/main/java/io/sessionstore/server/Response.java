package io.sessionstore.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a handler answers: a status, a content type, extra headers, and a body given whole or
 * written as it is read (downloads of long sessions).
 */
final class Response {
  /** Writes a body to the client. */
  @FunctionalInterface
  interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  static final String HTML = "text/html; charset=utf-8";
  static final String JSON = "application/json; charset=utf-8";
  static final String TEXT = "text/plain; charset=utf-8";

  final int status;
  final String type;
  final byte[] bytes;
  final Body stream;
  final Map<String, String> headers = new LinkedHashMap<>();

  private Response(int status, String type, byte[] bytes, Body stream) {
    this.status = status;
    this.type = type;
    this.bytes = bytes;
    this.stream = stream;
  }

  static Response html(int status, String html) {
    return new Response(status, HTML, html.getBytes(StandardCharsets.UTF_8), null);
  }

  static Response json(int status, String json) {
    return new Response(status, JSON, json.getBytes(StandardCharsets.UTF_8), null);
  }

  static Response bytes(int status, String type, byte[] bytes) {
    return new Response(status, type, bytes, null);
  }

  static Response stream(String type, Body body) {
    return new Response(200, type, null, body);
  }

  /** A 303 to a path of this server (never a full address: no redirect leads elsewhere). */
  static Response seeOther(String path) {
    if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) {
      throw new IllegalArgumentException("Not a local path: " + path);
    }
    return new Response(303, TEXT, new byte[0], null).header("Location", path);
  }

  Response header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  /** Served as a file to save, under a name made of safe characters only. */
  Response attachment(String fileName) {
    String safe = fileName.replaceAll("[^A-Za-z0-9._-]", "_");
    return header("Content-Disposition", "attachment; filename=\"" + safe + "\"");
  }
}
