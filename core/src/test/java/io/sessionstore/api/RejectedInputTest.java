package io.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.internal.MemoryBackend;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Input the core refuses before it calls the backend at all: invalid names, tags, attributes and
 * messages, and archives without a valid header or line. No backend can change the outcome, so
 * these run once, here, rather than for every backend in the conformance kit ({@code
 * StorageBackendContractTest}), which keeps what a backend can get wrong.
 */
class RejectedInputTest {
  private final SessionStore store =
      SessionStore.builder()
          .backend(new MemoryBackend())
          .config(SessionStoreConfig.of(Map.of("sessionstore.cache.enabled", "false")))
          .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
          .build();

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** An archive's first line. */
  private static final String HEADER = "{\"format\":\"sessionstore-archive\",\"version\":1}\n";

  /** An archived session's times, as JSON fields. */
  private static final String TIMES =
      "\"createdAt\":\"2020-01-01T00:00:00Z\",\"updatedAt\":\"2020-01-01T00:00:00Z\"";

  private static SessionKey key(String id) {
    return SessionKey.of("tck", id);
  }

  private static Message user(String uuid, String text) {
    return Message.of(
        "{\"type\":\"user\",\"uuid\":\""
            + uuid
            + "\",\"message\":{\"role\":\"user\",\"content\":\""
            + text
            + "\"}}");
  }

  private static List<Message> users(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> user(prefix + "-" + i, prefix + " " + i)).toList();
  }

  private List<String> texts(SessionKey key) {
    return store
        .loadSession(key)
        .orElseThrow(() -> new AssertionError("no session " + key))
        .messages()
        .stream()
        .map(Message::json)
        .toList();
  }

  private static List<String> texts(List<Message> messages) {
    return messages.stream().map(Message::json).toList();
  }

  private ImportResult importBytes(byte[] archive) {
    return store.importSessions(new ByteArrayInputStream(archive), ImportOptions.DEFAULTS);
  }

  @Test
  void invalidNamesAreRejectedAndNothingIsStored() {
    List<String> bad =
        List.of(
            "",
            ".",
            "..",
            "../../etc/x",
            "/abs",
            "a/b",
            "a\\b",
            "nul\u0000x",
            "tab\tx",
            "del\u007fx",
            " lead",
            "trail ",
            ".sessionstore-x",
            "x".repeat(256),
            "é".repeat(128),
            // C1 controls and the Unicode line separators: some readers end a line there (XML 1.1,
            // JavaScript)
            "nel\u0085x",
            "c1\u0080",
            "\u009fc1",
            "ls\u2028x",
            "ps\u2029x");
    for (String id : bad) {
      assertThrows(
          InvalidInputException.class,
          () -> store.appendMessages(SessionKey.of("tck", id), users("m", 1)),
          "id '" + id + "'");
      assertThrows(
          InvalidInputException.class, () -> SessionKey.of(id, "ok"), "project '" + id + "'");
    }
    List<String> badSubpaths =
        List.of("", "a//b", "/a", "a/", "../x", "a/./b", "1/2/3/4/5/6/7/8/9");
    for (String sub : badSubpaths) {
      assertThrows(
          InvalidInputException.class, () -> key("ok").withSubpath(sub), "subpath '" + sub + "'");
    }
    assertThrows(
        InvalidInputException.class,
        () ->
            SessionKey.of(
                "p".repeat(255), "s".repeat(255), "a".repeat(255) + "/" + "b".repeat(200)),
        "more than 900 bytes in all");
    assertTrue(store.search(SearchQuery.in(Scope.allProjects()).build()).items().isEmpty());
  }

  @Test
  void badTagsAndReservedAttributesAreRejected() {
    store.appendMessages(key("s"), users("m", 1));
    assertThrows(
        InvalidInputException.class, () -> store.updateTags(key("s"), Set.of(""), Set.of()));
    assertThrows(
        InvalidInputException.class, () -> store.updateTags(key("s"), Set.of("a\nb"), Set.of()));
    assertThrows(
        InvalidInputException.class,
        () -> store.updateTags(key("s"), Set.of("t".repeat(129)), Set.of()));
    assertThrows(
        InvalidInputException.class,
        () ->
            store.updateMetadata(
                key("s"), MetadataUpdate.attributes(Map.of("sessionstore.x", "v"), Set.of())));
    assertEquals(1, store.getMetadata(key("s")).orElseThrow().version());
  }

  @Test
  void aCallWithOneBadMessageStoresNothingOfIt() {
    store.appendMessages(key("s"), users("m", 2));
    List<List<Message>> bad =
        List.of(
            List.of(user("ok", "x"), Message.of("{\"type\":\"user\", broken")),
            List.of(user("ok", "x"), Message.of("[1,2]")),
            List.of(Message.of("\"a string\"")),
            List.of(Message.of("{} {}")),
            List.of(Message.of("")),
            // JSON, but numbers no reader of the store could hold
            List.of(user("ok", "x"), Message.of("{\"a\":1e99999999999999999999}")),
            List.of(Message.of("{\"a\":" + "9".repeat(1001) + "}")),
            // a Java string with half a surrogate pair has no UTF-8 form
            List.of(Message.of("{\"a\":\"\ud800\"}")));
    for (List<Message> call : bad) {
      assertThrows(InvalidInputException.class, () -> store.appendMessages(key("s"), call));
      assertThrows(InvalidInputException.class, () -> store.saveSession(key("s"), call));
      assertThrows(InvalidInputException.class, () -> store.saveSession(key("new"), call));
    }
    assertEquals(texts(users("m", 2)), texts(key("s")));
    assertEquals(1, store.getMetadata(key("s")).orElseThrow().version());
    assertTrue(store.loadSession(key("new")).isEmpty());
  }

  @Test
  void anArchiveOfANewerVersionOrNoArchiveIsRefused() {
    for (String text :
        List.of(
            "{\"format\":\"sessionstore-archive\",\"version\":2}\n",
            "",
            "{\"a\":1}\n",
            "not json\n")) {
      InvalidInputException e =
          assertThrows(
              InvalidInputException.class,
              () -> importBytes(text.getBytes(StandardCharsets.UTF_8)));
      assertNotNull(e.getMessage());
    }
  }

  @Test
  void archiveFieldsOfTheWrongTypeAreRejectedLines() {
    String rest = TIMES + ",\"messages\":[]}\n";
    String archive =
        HEADER
            + "{\"project\":1e1000,\"sessionId\":\"a\","
            + rest
            + "{\"project\":\"tck\",\"sessionId\":\"b\",\"summary\":7,"
            + rest
            + "{\"project\":\"tck\",\"sessionId\":\"c\",\"tags\":[1],"
            + rest;
    ImportResult r = importBytes(archive.getBytes(StandardCharsets.UTF_8));
    assertEquals(
        List.of(2L, 3L, 4L), r.rejected().stream().map(ImportResult.Rejection::line).toList());
    assertEquals(List.of(), store.search(SearchQuery.in(Scope.allProjects()).build()).items());
  }

  /**
   * Archive lines are split as bytes and decoded on the import's threads: a line that is not UTF-8
   * (its key readable or not) and a blank one are reported or skipped in place, the lines around
   * them imported.
   */
  @Test
  void anArchiveLineThatIsNotUtf8IsRejectedInItsPlace() throws IOException {
    String message = "{\"type\":\"user\",\"uuid\":\"u\"}";
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    archive.write(HEADER.getBytes(StandardCharsets.UTF_8));
    for (String id : List.of("a", "b", "c", "d")) {
      String line =
          "{\"project\":\"tck\",\"sessionId\":\""
              + (id.equals("c") ? "c\u00ff" : id)
              + "\","
              + TIMES
              + ",\"messages\":["
              + message.replace("\"u\"", id.equals("b") ? "\"u\u00ff\"" : "\"u\"")
              + "]}\n";
      // b's message and c's key hold a byte that is not UTF-8 (ISO-8859-1 \u00ff)
      archive.write(line.getBytes(StandardCharsets.ISO_8859_1));
      if (id.equals("a")) {
        archive.write(" \t\u3000\n".getBytes(StandardCharsets.UTF_8));
      }
    }
    ImportResult r = importBytes(archive.toByteArray());
    assertEquals(List.of(4L, 5L), r.rejected().stream().map(ImportResult.Rejection::line).toList());
    for (ImportResult.Rejection rejection : r.rejected()) {
      assertEquals(
          "Invalid line " + rejection.line() + ": it is not valid UTF-8", rejection.reason());
    }
    assertEquals(2, r.created());
    assertEquals(List.of(message), texts(SessionKey.of("tck", "d")));
  }

  /**
   * A lone surrogate written the way UTF-8 would write one (ED A0 80, which strict UTF-8 refuses)
   * rejects its line before its messages are parsed: a message cut from a decoded line therefore
   * never holds one, and the import does not scan for them.
   */
  @Test
  void anArchivedMessageHoldingALoneSurrogatesBytesIsRejectedAsNotUtf8() throws IOException {
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    archive.write(
        (HEADER
                + "{\"project\":\"tck\",\"sessionId\":\"s\","
                + TIMES
                + ",\"messages\":[{\"type\":\"user\",\"x\":\"")
            .getBytes(StandardCharsets.UTF_8));
    archive.write(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80});
    archive.write("\"}]}\n".getBytes(StandardCharsets.UTF_8));
    ImportResult r = importBytes(archive.toByteArray());
    assertEquals(1, r.rejected().size());
    assertEquals("Invalid line 2: it is not valid UTF-8", r.rejected().get(0).reason());
    assertEquals(0, r.created());
    assertTrue(store.getMetadata(SessionKey.of("tck", "s")).isEmpty());
  }

  /**
   * An archive line is parsed from its bytes and only its messages are decoded: a byte that is not
   * UTF-8 anywhere else (between messages, in a field after them, in a subpath's or a field's name)
   * still rejects the line, and text beyond ASCII, in the messages and around them, comes back
   * exactly, with the whitespace the writer left around a message.
   */
  @Test
  void anArchiveLineReadAsBytesIsCheckedWholeAndKeepsItsText() throws IOException {
    String plain = "{\"type\":\"user\",\"uuid\":\"p\"}";
    String wide =
        "{\"type\":\"user\",\"uuid\":\"w\",\"text\":\"\u65e5\u672c \ud83d\ude00 \u00e9\"}";
    String escaped = "{\"type\":\"user\",\"uuid\":\"e\",\"text\":\"\\u00e9\\ud83d\\ude00\"}";
    String head = "{\"project\":\"tck\",\"sessionId\":\"";
    String good =
        head
            + "\u00e9t\u00e9\","
            + TIMES
            + ",\"summary\":\"r\u00e9sum\u00e9 \ud83d\ude00\",\"messages\":[ "
            + plain
            + " ,\t"
            + wide
            + ","
            + escaped
            + "],\"subpaths\":{\"agent-\u00e9\":["
            + wide
            + "]},\"tags\":[\"\u65e5\"]}\n";
    ByteArrayOutputStream archive = new ByteArrayOutputStream();
    archive.write((HEADER + good).getBytes(StandardCharsets.UTF_8));
    // Bytes strict UTF-8 refuses and older parsers of bytes took: a lone surrogate as UTF-8 would
    // write one, a code point beyond U+10FFFF, an overlong NUL, a byte never in UTF-8; between the
    // messages and the subpaths, in a tag after them, in a subpath's name, in a field's name.
    List<byte[]> notUtf8 =
        List.of(
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xC0, (byte) 0x80},
            new byte[] {(byte) 0xFF});
    List<String> places = List.of("between", "after", "subpath", "name");
    for (byte[] bad : notUtf8) {
      for (String at : places) {
        String line =
            head
                + at
                + "\","
                + TIMES
                + (at.equals("name") ? ",\"summ\u00ffary\":\"s\"" : "")
                + ",\"messages\":["
                + plain
                + ","
                + wide
                + (at.equals("between") ? "],\"summary\":\"s\u00ff\"" : "]")
                + ",\"subpaths\":{\""
                + (at.equals("subpath") ? "a\u00ff" : "a")
                + "\":["
                + plain
                + "]},\"tags\":[\""
                + (at.equals("after") ? "t\u00ff" : "t")
                + "\"]}\n";
        int cut = line.indexOf('\u00ff');
        archive.write(line.substring(0, cut).getBytes(StandardCharsets.UTF_8));
        archive.write(bad);
        archive.write(line.substring(cut + 1).getBytes(StandardCharsets.UTF_8));
      }
    }
    ImportResult r = importBytes(archive.toByteArray());
    assertEquals(
        LongStream.rangeClosed(3, 2 + notUtf8.size() * places.size()).boxed().toList(),
        r.rejected().stream().map(ImportResult.Rejection::line).toList());
    for (ImportResult.Rejection rejection : r.rejected()) {
      assertEquals(
          "Invalid line " + rejection.line() + ": it is not valid UTF-8", rejection.reason());
    }
    assertEquals(1, r.created());
    SessionKey key = key("\u00e9t\u00e9");
    assertEquals(List.of(" " + plain + " ", "\t" + wide, escaped), texts(key));
    assertEquals(List.of(wide), texts(key.withSubpath("agent-\u00e9")));
    SessionMetadata m = store.getMetadata(key).orElseThrow();
    assertEquals("r\u00e9sum\u00e9 \ud83d\ude00", m.summary());
    assertEquals(List.of("\u65e5"), List.copyOf(m.tags()));
  }

  /**
   * An archive's messages are parsed with their line; one holding a number no decimal can hold is
   * rejected with the reason a save gives it, and the lines after it are read on.
   */
  @Test
  void anArchivedMessageWithANumberOutOfRangeIsRejectedAsASaveRejectsIt() {
    String bad = "{\"type\":\"user\",\"n\":{\"deep\":[1e99999999999999999999,2]},\"uuid\":\"u\"}";
    String reason =
        assertThrows(
                InvalidInputException.class,
                () -> store.saveSession(SessionKey.of("tck", "saved"), List.of(Message.of(bad))))
            .getMessage()
            .replace("message 1", "message 2 of messages");
    String good = "{\"type\":\"user\",\"cost\":0.50,\"uuid\":\"g\"}";
    String archive =
        HEADER
            + "{\"project\":\"tck\",\"sessionId\":\"a\","
            + TIMES
            + ",\"messages\":["
            + good
            + ", "
            + bad
            + ","
            + good
            + "]}\n"
            + "{\"project\":\"tck\",\"sessionId\":\"b\","
            + TIMES
            + ",\"messages\":["
            + good
            + "]}\n";
    ImportResult r = importBytes(archive.getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(2L), r.rejected().stream().map(ImportResult.Rejection::line).toList());
    assertTrue(r.rejected().get(0).reason().endsWith(reason), r.rejected() + " / " + reason);
    assertEquals(1, r.created());
    assertEquals(List.of(good), texts(SessionKey.of("tck", "b")));
  }

  /**
   * The importer reads a line's key from its first fields and parses the rest elsewhere: a key
   * given again later in the line is refused, and a line in another field order is read whole.
   */
  @Test
  void aLineWhoseKeyIsGivenTwiceIsRejectedAndOneInAnotherOrderImported() {
    String message = "{\"type\":\"user\",\"uuid\":\"u1\"}";
    String archive =
        HEADER
            + "{\"project\":\"tck\",\"sessionId\":\"a\","
            + TIMES
            + ",\"messages\":["
            + message
            + "],\"sessionId\":\"b\"}\n"
            + "{"
            + TIMES
            + ",\"messages\":["
            + message
            + "],\"sessionId\":\"c\",\"project\":\"tck\"}\n";
    ImportResult r = importBytes(archive.getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(2L), r.rejected().stream().map(ImportResult.Rejection::line).toList());
    assertTrue(r.rejected().get(0).reason().contains("given twice"), r.rejected().toString());
    assertEquals(1, r.created());
    assertEquals(List.of(message), texts(SessionKey.of("tck", "c")));
    assertTrue(store.getMetadata(SessionKey.of("tck", "a")).isEmpty());
    assertTrue(store.getMetadata(SessionKey.of("tck", "b")).isEmpty());
  }

  @Test
  void anInputOfManyBadLinesIsGivenUpAfterAHundred() {
    StringBuilder archive = new StringBuilder(HEADER);
    archive.append("x\n".repeat(5_000));
    ImportResult r = importBytes(archive.toString().getBytes(StandardCharsets.UTF_8));
    assertEquals(101, r.rejected().size());
    assertTrue(
        r.rejected().get(100).reason().startsWith("Stopped reading after 100 rejected lines"));
  }

  @Test
  void aGzipBombStopsTheImportWithOneRejection() throws IOException {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (var gz = new java.util.zip.GZIPOutputStream(zipped)) {
      gz.write(HEADER.getBytes(StandardCharsets.UTF_8));
      byte[] block = new byte[1 << 20];
      java.util.Arrays.fill(block, (byte) ' ');
      for (int i = 0; i < 1024; i++) {
        gz.write(block);
      }
    }
    ImportResult r = importBytes(zipped.toByteArray());
    assertEquals(1, r.rejected().size(), r.rejected().toString());
    assertTrue(
        r.rejected().get(0).reason().contains("decompression bomb"), r.rejected().get(0).reason());
  }
}
