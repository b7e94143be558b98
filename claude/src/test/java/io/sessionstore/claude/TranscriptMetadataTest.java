package io.sessionstore.claude;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sessionstore.api.SessionMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TranscriptMetadataTest {
  private static final List<String> KEYS =
      List.of("cwd", "gitBranch", "claudeCodeVersion", "model");

  private static TranscriptMetadata.Line line(Map<String, String> attributes) {
    return new TranscriptMetadata.Line(null, null, null, attributes);
  }

  /** The attributes as their definition has it: every line's, the later winning. */
  private static Map<String, String> foldedForward(
      Map<String, String> before, List<TranscriptMetadata.Line> lines) {
    Map<String, String> out = new TreeMap<>(before);
    lines.forEach(l -> out.putAll(l.attributes()));
    out.put(SessionMetadata.FORMAT, SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT);
    return out;
  }

  @Test
  void eachAttributeIsTheLatestLineThatSetsIt() {
    List<TranscriptMetadata.Line> lines =
        List.of(
            line(Map.of("cwd", "/a", "gitBranch", "main", "model", "claude-opus-4")),
            line(Map.of("cwd", "/b", "claudeCodeVersion", "2.1.0")),
            line(Map.of("gitBranch", "feature")),
            line(Map.of()));
    assertEquals(
        Map.of(
            "cwd",
            "/b",
            "gitBranch",
            "feature",
            "claudeCodeVersion",
            "2.1.0",
            "model",
            "claude-opus-4",
            SessionMetadata.FORMAT,
            SessionMetadata.FORMAT_CLAUDE_TRANSCRIPT),
        TranscriptMetadata.of(lines).attributes());
  }

  @Test
  void attributesOfGrownTranscriptsAreThoseOfAllTheirLines() {
    Random random = new Random(16);
    for (int round = 0; round < 2_000; round++) {
      List<TranscriptMetadata.Line> earlier = randomLines(random);
      List<TranscriptMetadata.Line> later = randomLines(random);
      TranscriptMetadata before = TranscriptMetadata.of(earlier);
      assertEquals(foldedForward(Map.of(), earlier), before.attributes());
      assertEquals(foldedForward(before.attributes(), later), before.plus(later).attributes());
    }
  }

  private static List<TranscriptMetadata.Line> randomLines(Random random) {
    List<TranscriptMetadata.Line> lines = new ArrayList<>();
    for (int i = random.nextInt(8); i > 0; i--) {
      Map<String, String> attributes = new TreeMap<>();
      for (String key : KEYS) {
        if (random.nextInt(3) == 0) {
          attributes.put(key, key + "-" + random.nextInt(4));
        }
      }
      lines.add(
          new TranscriptMetadata.Line(
              Instant.ofEpochSecond(random.nextInt(1000)), null, null, attributes));
    }
    return lines;
  }
}
