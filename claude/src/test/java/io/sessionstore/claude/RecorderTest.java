package io.sessionstore.claude;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.Message;
import io.sessionstore.api.SessionKey;
import io.sessionstore.api.SessionMetadata;
import io.sessionstore.api.SessionStore;
import io.sessionstore.api.SessionStoreConfig;
import io.sessionstore.tck.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recording live stream-json output on the file backend, with the real output of {@code claude -p}.
 */
class RecorderTest {
  @TempDir Path tmp;
  SessionStore store;

  @BeforeEach
  void open() {
    store =
        SessionStore.builder()
            .config(
                SessionStoreConfig.of(
                    Map.of("sessionstore.file.dir", tmp.resolve("store").toString())))
            .build();
  }

  @AfterEach
  void close() {
    store.close();
  }

  /**
   * The real stream messages, one per line, with a session id, numeric costs and distinct uuids.
   */
  static List<String> stream(String sessionId) {
    List<String> lines = new ArrayList<>();
    for (String name :
        List.of(
            "system_message",
            "assistant_message",
            "nested_content_blocks",
            "unknown_message_type",
            "assistant_unknown_block",
            "result_error")) {
      String compact =
          Message.parse(Fixtures.text("stream-json/messages/" + name + ".json")).tree().toString();
      lines.add(compact);
    }
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      var tree = Message.parse(l).tree();
      tree.put("session_id", sessionId);
      tree.put("uuid", sessionId + "-" + out.size());
      out.add(tree.toString());
    }
    return out;
  }

  static ByteArrayInputStream input(List<String> lines) {
    return new ByteArrayInputStream(
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private List<String> shown(SessionKey key) {
    return store.loadSession(key).orElseThrow().messages().stream().map(Message::json).toList();
  }

  @Test
  void theSessionIdComesFromTheInitMessageAndEveryLineIsKeptExactly() {
    List<String> lines = stream("live-1");
    assertEquals(
        "system", Message.parse(lines.get(0)).type(), "the fixture starts with system/init");
    List<String> echoed = new ArrayList<>();
    RecordResult r =
        Recorder.of(store, RecordOptions.tagged(null, Set.of("live"), "fixing tests"))
            .record(input(lines), echoed::add);

    SessionKey key = store.key("live-1");
    assertEquals(key, r.key());
    assertEquals(lines, echoed);
    assertEquals(lines, shown(key));
    assertEquals(lines.size(), r.stored());
    SessionMetadata m = r.metadata();
    assertEquals(List.of("live"), m.tags());
    assertEquals("fixing tests", m.summary());
    assertEquals(SessionMetadata.FORMAT_STREAM_JSON, m.attributes().get(SessionMetadata.FORMAT));
    BigDecimal expectedCost =
        lines.stream()
            .map(Message::parse)
            .filter(x -> "result".equals(x.type()))
            .map(x -> x.tree().path("total_cost_usd"))
            .filter(n -> n.isNumber())
            .map(n -> n.decimalValue())
            .reduce(BigDecimal.ZERO, BigDecimal::add);
    assertEquals(0, expectedCost.compareTo(m.totalCostUsd()), "cost of the result message");
  }

  @Test
  void eachMessageIsStoredWhenItArrives() {
    List<String> lines = stream("live-2");
    Recorder recorder = Recorder.of(store, RecordOptions.DEFAULTS);
    for (int i = 0; i < lines.size(); i++) {
      assertTrue(recorder.acceptLine(lines.get(i)));
      // A crash now would lose nothing already fed.
      assertEquals(i + 1, store.getMetadata(store.key("live-2")).orElseThrow().messageCount());
    }
    assertEquals(lines.size(), recorder.finish().stored());
  }

  @Test
  void recordAndAppendAgreeOnALineThatStartsWithTwoByteOrderMarks() {
    String line = "{\"type\":\"user\",\"uuid\":\"u\",\"session_id\":\"bom\"}";
    byte[] input =
        ("\ufeff\ufeff" + line + "\n" + line.replace("\"u\"", "\"v\"") + "\n")
            .getBytes(StandardCharsets.UTF_8);
    RecordResult r =
        Recorder.of(store, RecordOptions.tagged("bom", Set.of(), null))
            .record(new ByteArrayInputStream(input), l -> {});
    assertEquals(
        List.of(1L),
        r.rejected().stream().map(RecordResult.Rejection::line).toList(),
        "only the first mark is the stream's; the second belongs to the line, which is then not JSON");
    assertEquals(1, r.stored());
    assertThrows(
        InvalidInputException.class,
        () -> io.sessionstore.api.Messages.read(new ByteArrayInputStream(input)),
        "append's reader rejects the same line");
  }

  @Test
  void nonJsonLinesAreReportedWithTheirNumbersAndSkipped() {
    List<String> lines = new ArrayList<>(stream("live-3"));
    lines.add(2, "progress: 40%");
    lines.add(4, "{\"truncated\": ");
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    in.writeBytes(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, '"', '}', '\n'});
    RecordResult r =
        Recorder.of(store, RecordOptions.DEFAULTS)
            .record(new ByteArrayInputStream(in.toByteArray()), l -> {});

    assertEquals(
        List.of(3L, 5L, (long) lines.size() + 1),
        r.rejected().stream().map(RecordResult.Rejection::line).toList());
    assertTrue(r.rejected().get(2).reason().contains("UTF-8"), r.rejected().get(2).reason());
    List<String> good = lines.stream().filter(l -> l.startsWith("{\"") && l.endsWith("}")).toList();
    assertEquals(good, shown(store.key("live-3")));
  }

  @Test
  void messagesBeforeTheInitMessageWaitForItAndAGivenIdWins() {
    List<String> lines = stream("from-stream");
    List<String> reordered = new ArrayList<>(lines.subList(1, 3));
    reordered.add(lines.get(0));
    reordered.addAll(lines.subList(3, lines.size()));
    Recorder waiting = Recorder.of(store, RecordOptions.DEFAULTS);
    waiting.acceptLine(reordered.get(0));
    assertTrue(waiting.key().isEmpty());
    assertTrue(store.getMetadata(store.key("from-stream")).isEmpty());
    reordered.subList(1, reordered.size()).forEach(waiting::acceptLine);
    waiting.finish();
    assertEquals(reordered, shown(store.key("from-stream")));

    RecordResult given =
        Recorder.of(store, RecordOptions.tagged("chosen", Set.of(), null))
            .record(input(lines), l -> {});
    assertEquals(store.key("chosen"), given.key());
    assertEquals(lines, shown(store.key("chosen")));
  }

  @Test
  void withoutInitTheFirstSessionIdIsUsedAndWithoutAnyIdNothingIsStored() {
    List<String> lines = stream("no-init").subList(1, 4);
    RecordResult r = Recorder.of(store, RecordOptions.DEFAULTS).record(input(lines), l -> {});
    assertEquals(store.key("no-init"), r.key());
    assertEquals(lines, shown(r.key()));

    Recorder anonymous = Recorder.of(store, RecordOptions.DEFAULTS);
    anonymous.acceptLine("{\"type\":\"assistant\",\"uuid\":\"x\"}");
    InvalidInputException e = assertThrows(InvalidInputException.class, anonymous::finish);
    assertTrue(e.getMessage().contains("session id"), e.getMessage());
    assertEquals(
        1, store.listSessions(io.sessionstore.api.Scope.allProjects(), 100, null).items().size());
  }

  @Test
  void anInitWithAnUnusableSessionIdDoesNotStopTheStream() {
    List<String> lines = new ArrayList<>(stream("a/b"));
    Recorder recorder = Recorder.of(store, RecordOptions.DEFAULTS);
    lines.forEach(recorder::acceptLine);
    InvalidInputException e = assertThrows(InvalidInputException.class, recorder::finish);
    assertTrue(e.getMessage().contains("--id") && e.getMessage().contains("a/b"), e.getMessage());

    RecordResult given =
        Recorder.of(store, RecordOptions.tagged("fixed", Set.of(), null))
            .record(input(lines), l -> {});
    assertEquals(lines, shown(given.key()));
  }

  @Test
  void recordingTheSameStreamAgainStoresNothingTwice() {
    List<String> lines = stream("again");
    Recorder.of(store, RecordOptions.DEFAULTS).record(input(lines), l -> {});
    RecordResult second = Recorder.of(store, RecordOptions.DEFAULTS).record(input(lines), l -> {});
    assertEquals(0, second.stored());
    assertEquals(lines.size(), second.skipped());
    assertEquals(lines, shown(store.key("again")));
    assertFalse(second.metadata().attributes().isEmpty());
  }
}
