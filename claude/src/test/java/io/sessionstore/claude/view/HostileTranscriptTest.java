package io.sessionstore.claude.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.Message;
import io.sessionstore.api.MetadataUpdate;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transcript written to attack whoever reads it: markup, script URLs, event handlers, terminal
 * escapes, bidirectional-text controls and a 1 MB line, in every place a transcript string can
 * reach (names, prompts, answers, tool names, inputs and results, the summary).
 */
class HostileTranscriptTest {
  /** The elements the HTML page is made of; nothing from a transcript may add another. */
  static final Set<String> OUR_ELEMENTS =
      Set.of(
          "html", "head", "meta", "title", "style", "body", "article", "header", "h1", "h2", "p",
          "code", "div", "details", "summary", "pre", "span", "time");

  static final String SCRIPT = "<script>alert(1)</script>";
  static final String IMG = "<img src=x onerror=alert(1)>";
  static final String LINK = "[click](javascript:alert(1)) <a href=\"javascript:alert(1)\">x</a>";
  static final String BIDI = "\u202Egnp.exe\u202C \u2066isolate\u2069";
  static final String ESCAPES = "\u001b[2J\u001b]0;pwned\u0007\u009b31m";

  @TempDir Path tmp;
  SessionStore store;
  SessionKey key;

  @BeforeEach
  void store() {
    store =
        SessionStore.builder()
            .config(SessionStoreConfig.of(Map.of("sessionstore.file.dir", tmp.toString())))
            .build();
    key = SessionKey.of("p\"onload=\"alert(1)", "s<img src=x onerror=alert(1)>");
    String big = "x".repeat(1024 * 1024);
    store.saveSession(
        key,
        List.of(
            line("user", "{\"role\":\"user\",\"content\":" + json(SCRIPT + BIDI + ESCAPES) + "}"),
            line(
                "assistant",
                "{\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\",\"content\":["
                    + "{\"type\":\"text\",\"text\":"
                    + json(IMG + LINK + ESCAPES)
                    + "},{\"type\":\"thinking\",\"thinking\":"
                    + json(SCRIPT + BIDI)
                    + "},{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":"
                    + json("<b onmouseover=alert(1)>Bash</b>")
                    + ",\"input\":{\"command\":"
                    + json("\"><script>alert(2)</script>``` " + ESCAPES)
                    + "}},{\"type\":"
                    + json("<iframe src=javascript:alert(1)>")
                    + "}]}"),
            line(
                "user",
                "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
                    + "\"is_error\":true,\"content\":"
                    + json(big + "\n" + SCRIPT + "\n" + BIDI + "\n" + ESCAPES)
                    + "}]}"),
            Message.of("{\"type\":" + json("<svg onload=alert(1)>") + "}")));
    store.updateMetadata(key, MetadataUpdate.summary(SCRIPT + BIDI));
  }

  @AfterEach
  void close() {
    store.close();
  }

  static Message line(String type, String message) {
    return Message.of("{\"type\":\"" + type + "\",\"message\":" + message + "}");
  }

  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  String render(String format) {
    StringBuilder out = new StringBuilder();
    TranscriptRenderer r =
        switch (format) {
          case "text" -> TranscriptRenderer.text(out, ZoneOffset.UTC, false, true);
          case "color" -> TranscriptRenderer.text(out, ZoneOffset.UTC, true, true);
          case "markdown" -> TranscriptRenderer.markdown(out, ZoneOffset.UTC, true);
          default -> TranscriptRenderer.html(out, ZoneOffset.UTC, true);
        };
    r.begin(key.sessionId() + SCRIPT);
    try (Stream<ViewEntry> entries = TranscriptView.of(store).entries(key)) {
      r.session(key, store.getMetadata(key).orElseThrow(), entries);
    }
    r.end();
    return out.toString();
  }

  @Test
  void htmlHasNoMarkupButOurOwn() {
    String html = render("html");
    Set<String> elements = new TreeSet<>();
    Matcher m = Pattern.compile("<\\s*/?\\s*([a-zA-Z][a-zA-Z0-9-]*)").matcher(html);
    while (m.find()) {
      elements.add(m.group(1).toLowerCase());
    }
    assertTrue(OUR_ELEMENTS.containsAll(elements), elements.toString());
    assertFalse(html.toLowerCase().contains("<script"));
    assertFalse(
        Pattern.compile("<[^>]*\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find());
    // Every '<' of the page opens one of its own elements: the transcript's are escaped.
    assertFalse(Pattern.compile("<[^>]*\\s(href|src)=").matcher(html).find());
    // The page forbids scripts even if something slipped through.
    assertTrue(html.contains("default-src 'none'"));
    // Attribute values hold none of the transcript's quotes.
    Matcher attributes =
        Pattern.compile("<[a-z0-9]+((?:\\s+[a-z-]+=\"[^\"]*\")*)\\s*>").matcher(html);
    while (attributes.find()) {
      assertFalse(attributes.group(1).contains("alert"), attributes.group());
    }
    assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  }

  @Test
  void noFormatPassesOnControlsOrBidiCharacters() {
    for (String format : List.of("text", "color", "markdown", "html")) {
      String out = render(format);
      assertFalse(out.contains("\u202E"), format);
      assertFalse(out.contains("\u2066"), format);
      assertFalse(out.contains("\u009b"), format);
      assertFalse(out.contains("\u0007"), format);
      assertTrue(out.contains("U+202E"), format);
      assertTrue(out.contains("\u241b[2J"), format);
      if (!format.equals("color")) {
        assertFalse(out.contains("\u001b"), format);
      }
    }
    // The colours are the renderer's own escapes only.
    String colored = render("color").replaceAll("\u001b\\[[0-9;]*m", "");
    assertFalse(colored.contains("\u001b"));
  }

  @Test
  void aMegabyteLineIsCutWithHowMuchWasLeftOut() {
    String text = render("text");
    assertTrue(text.length() < 100_000, "length " + text.length());
    ViewEntry.ToolResult result =
        TranscriptView.of(store)
            .entries(key)
            .filter(e -> e instanceof ViewEntry.ToolResult)
            .map(e -> (ViewEntry.ToolResult) e)
            .findFirst()
            .orElseThrow();
    assertEquals(TranscriptView.MAX_LINE_CHARS, result.lines().get(0).length());
    assertEquals(1024 * 1024 - TranscriptView.MAX_LINE_CHARS + 1, result.omittedChars());
    assertTrue(result.error());
    assertTrue(text.contains("… 1,047,577 characters cut"), text.replace("x".repeat(999), "x…"));
  }

  @Test
  void markdownCodeCannotBeClosedFromInside() {
    String md = render("markdown");
    // The command holds ``` and a quote: its inline code is fenced by more backticks than that.
    assertTrue(md.contains("````"), md.substring(0, 2000));
  }
}
