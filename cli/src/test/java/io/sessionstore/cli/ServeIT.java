package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} as the built jar runs it: the URL first, then pages until it is stopped. */
class ServeIT {
  private static final Path JAR = Path.of("target", "sessionstore.jar");

  @TempDir Path tmp;

  @Test
  void printsItsUrlFirstAndServesUntilStopped() throws Exception {
    Process p =
        new ProcessBuilder(
                List.of(
                    "java",
                    "-jar",
                    JAR.toString(),
                    "-D",
                    "sessionstore.file.dir=" + tmp.resolve("store"),
                    "serve",
                    "--port",
                    "0",
                    "--token",
                    "it-token"))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      assertTrue(
          first != null && first.matches("http://127\\.0\\.0\\.1:\\d+/\\?token=it-token"), first);
      URI url = URI.create(first);
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> page =
          client.send(
              HttpRequest.newBuilder(url.resolve("/"))
                  .header("Authorization", "Bearer it-token")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("input type=\"search\""));
      assertEquals(
          401,
          client
              .send(
                  HttpRequest.newBuilder(url.resolve("/")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
    } finally {
      p.destroy();
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "serve stops when told to");
    }
  }
}
