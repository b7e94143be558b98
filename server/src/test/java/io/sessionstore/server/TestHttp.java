package io.sessionstore.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The JDK's HttpClient against a running browser, without following redirects. */
final class TestHttp {
  final URI base;
  final HttpClient client =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  TestHttp(URI base) {
    this.base = base;
  }

  HttpResponse<String> get(String path, String... headers) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET(), headers);
  }

  HttpResponse<byte[]> bytes(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> post(String path, String form, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .header("Content-Type", "application/x-www-form-urlencoded");
    return send(b, headers);
  }

  private HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
    if (headers.length > 0) {
      b.headers(headers);
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The status line of a raw HTTP/1.1 request with the given Host header (HttpClient sets its own).
   */
  String statusWithHost(String path, String host) throws IOException {
    String response = raw(path, host);
    return response.substring(0, response.indexOf("\r\n"));
  }

  /** The whole response to a raw HTTP/1.1 GET of {@code path} as it is given. */
  String raw(String path, String host) throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
