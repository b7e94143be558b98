package io.sessionstore.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionStore;
import io.sessionstore.tck.Fixtures;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The browser's journeys in a real headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}) on the kit's real Claude Code projects: the list, a search, a session with its
 * prompt, hostile markup that stays text, a long session that loads as it is read, and the usage
 * chart. Each page's screenshot goes to {@code target/screenshots}, and to the folder that {@code
 * -Dsessionstore.screenshots=DIR} names (the README's come from {@code docs/}).
 *
 * <p>Never skipped: without Chromium the tests fail and say how to install it ({@code .ci/run}
 * does). {@code -Dsessionstore.chromium} and {@code -Dsessionstore.chromedriver} point elsewhere.
 */
class ServeBrowserTest {
  static final Path CHROMIUM =
      Path.of(System.getProperty("sessionstore.chromium", "/usr/bin/chromium"));
  static final Path DRIVER =
      Path.of(System.getProperty("sessionstore.chromedriver", "/usr/bin/chromedriver"));

  @TempDir static Path tmp;
  static SessionStore store;
  static SessionBrowser browser;
  static URI base;
  static ChromeDriver chrome;

  @BeforeAll
  static void start() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
      fail(
          "The browser tests need Chromium and its driver at "
              + CHROMIUM
              + " and "
              + DRIVER
              + ": install them (Debian: apt-get install -y chromium chromium-driver; .ci/run does),"
              + " or point -Dsessionstore.chromium and -Dsessionstore.chromedriver at them");
    }
    store = TestArchive.open(tmp);
    browser = new SessionBrowser(store, BrowserOptions.defaults().withPort(0));
    base = browser.start();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--hide-scrollbars");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
    chrome = new ChromeDriver(service, options);
    chrome.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (chrome != null) {
      chrome.quit();
    }
    if (browser != null) {
      browser.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void listSearchOpenASessionAndReadItsPrompt() throws Exception {
    chrome.get(base.toString());
    waitForText(b -> b.contains("hostile markup"), "the list shows the sessions");
    screenshot("serve-list.png");
    String transcript = TestArchive.WITH_SUBAGENTS;
    String[] parts = transcript.split("/");
    SessionKey key =
        SessionKey.of(parts[1], parts[2].substring(0, parts[2].length() - ".jsonl".length()));
    String prompt = firstPrompt(transcript);
    List<String> words =
        java.util.regex.Pattern.compile("[A-Za-z]{4,}")
            .matcher(prompt)
            .results()
            .map(java.util.regex.MatchResult::group)
            .limit(3)
            .toList();
    WebElement box = chrome.findElement(By.cssSelector("input[type=search]"));
    box.sendKeys("\"" + String.join(" ", words) + "\"", Keys.ENTER);
    waitForText(b -> b.contains(key.sessionId().substring(0, 8)), "the search lists " + key);
    assertTrue(chrome.findElement(By.tagName("mark")).isDisplayed(), "the words are marked");
    screenshot("serve-search.png");
    WebElement link =
        chrome.findElements(By.tagName("a")).stream()
            .filter(a -> String.valueOf(a.getAttribute("href")).contains(key.sessionId()))
            .findFirst()
            .orElseThrow();
    link.click();
    waitForText(b -> b.contains(prompt.substring(0, Math.min(40, prompt.length()))), "the prompt");
    assertTrue(chrome.findElement(By.cssSelector("section.subagents")).isDisplayed());
  }

  @Test
  void aSessionWithToolCallsReadsWellAndFoldsThem() throws Exception {
    String withTools =
        Fixtures.jsonLinesFiles().stream()
            .filter(f -> f.startsWith("claude-projects/") && !f.contains("/subagents/"))
            .filter(f -> Fixtures.text(f).contains("\"tool_use\""))
            .max(java.util.Comparator.comparingInt(f -> Fixtures.lines(f).size()))
            .orElseThrow();
    String[] parts = withTools.split("/");
    SessionKey key = SessionKey.of(parts[1], parts[2].substring(0, parts[2].length() - 6));
    chrome.get(base.resolve(Urls.session(key)).toString());
    waitForText(b -> b.contains("Transcript"), "the session page");
    WebElement call = chrome.findElement(By.cssSelector("details.tool-use"));
    assertFalse(call.getAttribute("open") != null, "folded");
    call.findElement(By.tagName("summary")).click();
    assertTrue(call.findElement(By.tagName("pre")).isDisplayed(), "unfolds on a click");
    screenshot("serve-session.png");
  }

  @Test
  void hostileMarkupIsShownAsTextAndNeverRuns() throws Exception {
    chrome.get(base.toString());
    waitForText(b -> b.contains("hostile markup"), "the list");
    String title = chrome.getTitle();
    chrome.findElements(By.tagName("a")).stream()
        .filter(a -> String.valueOf(a.getAttribute("href")).contains("hostile-1"))
        .findFirst()
        .orElseThrow()
        .click();
    waitForText(b -> b.contains("onerror"), "the hostile prompt as text");
    Thread.sleep(500);
    assertFalse(chrome.getTitle().contains("pwned"));
    assertFalse(
        String.valueOf(((JavascriptExecutor) chrome).executeScript("return document.title"))
            .contains("pwned"));
    assertTrue(chrome.findElements(By.cssSelector("main img")).isEmpty(), "no img element made");
    String body = chrome.findElement(By.tagName("body")).getText();
    assertTrue(body.contains("<script>document.title='pwned'</script>"));
    assertTrue(body.contains("⟨U+202E⟩"), "bidi controls shown");
    assertTrue(title.endsWith("sessionstore"));
    screenshot("serve-hostile.png");
  }

  @Test
  void aLongSessionLoadsMoreAsItIsRead() throws Exception {
    chrome.get(base.resolve(Urls.session(TestArchive.LONG)).toString());
    waitForText(b -> b.contains("answer number 199"), "the first 200 messages");
    assertFalse(chrome.findElement(By.tagName("body")).getText().contains("question number 400"));
    for (int i = 0; i < 10; i++) {
      ((JavascriptExecutor) chrome).executeScript("window.scrollTo(0, document.body.scrollHeight)");
      if (chrome.findElement(By.tagName("body")).getText().contains("answer number 449")) {
        break;
      }
      sleep(400);
    }
    waitForText(b -> b.contains("answer number 449"), "all 450 messages after scrolling");
    assertEquals(TestArchive.LONG_COUNT, chrome.findElements(By.cssSelector("article.msg")).size());
    // Every turn's tokens and cost, once, and the session's at the end.
    assertEquals(
        TestArchive.LONG_COUNT / 2,
        chrome.findElements(By.cssSelector("p.turn:not(.total)")).size());
    assertTrue(
        chrome
            .findElement(By.cssSelector("p.turn.total"))
            .getText()
            .startsWith("Total: 2,700 tokens"));
  }

  @Test
  void theUsagePageLinkedFromEveryPageDrawsACostChart() throws Exception {
    chrome.get(base.toString());
    waitForText(b -> b.contains("hostile markup"), "the list");
    chrome.findElement(By.linkText("Usage & cost")).click();
    waitForText(b -> b.contains("By model"), "the usage page");
    List<WebElement> charts = chrome.findElements(By.cssSelector("svg.chart"));
    assertEquals(2, charts.size());
    assertFalse(chrome.findElements(By.cssSelector("svg.chart.cost rect.bar")).isEmpty());
    screenshot("serve-usage.png");
  }

  private static String firstPrompt(String transcript) throws IOException {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : Fixtures.lines(transcript)) {
      var n = mapper.readTree(line);
      var c = n.path("message").path("content");
      if (n.path("type").asText().equals("user")
          && c.isTextual()
          && !n.path("isMeta").asBoolean()
          && !c.asText().startsWith("<")) {
        return c.asText();
      }
    }
    throw new IllegalStateException("no prompt in " + transcript);
  }

  private static void waitForText(Predicate<String> ok, String what) {
    long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    String body = "";
    while (System.nanoTime() < end) {
      try {
        body = chrome.findElement(By.tagName("body")).getText();
        if (ok.test(body)) {
          return;
        }
      } catch (org.openqa.selenium.StaleElementReferenceException
          | org.openqa.selenium.NoSuchElementException e) {
        // The page is being replaced: look again.
      } catch (org.openqa.selenium.WebDriverException e) {
        // The same race, as this ChromeDriver sometimes reports it: the body found was replaced
        // before its text was read.
        if (e.getMessage() == null || !e.getMessage().contains("does not belong to the document")) {
          throw e;
        }
      }
      sleep(200);
    }
    fail(what + " did not show; the page says: " + body);
  }

  private static void screenshot(String name) throws IOException {
    File shot = chrome.getScreenshotAs(OutputType.FILE);
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    Files.copy(shot.toPath(), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    String docs = System.getProperty("sessionstore.screenshots");
    if (docs != null && !docs.isBlank()) {
      Path d = Path.of(docs);
      Files.createDirectories(d);
      Files.copy(shot.toPath(), d.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
