package io.sessionstore.internal.fulltext;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.junit.jupiter.api.Test;

class TextAnalysisTest {
  /** Terms with their positions, "term@position". */
  private static List<String> terms(Analyzer analyzer, String field, String text)
      throws IOException {
    List<String> out = new ArrayList<>();
    try (TokenStream s = analyzer.tokenStream(field, text)) {
      CharTermAttribute term = s.addAttribute(CharTermAttribute.class);
      PositionIncrementAttribute inc = s.addAttribute(PositionIncrementAttribute.class);
      s.reset();
      int position = -1;
      while (s.incrementToken()) {
        position += inc.getPositionIncrement();
        out.add(term + "@" + position);
      }
      s.end();
    }
    return out;
  }

  @Test
  void identifiersAreIndexedWholeAndByTheirPartsAtOnePosition() throws IOException {
    assertEquals(
        List.of(
            "call@0",
            "getusername@1",
            "get@1",
            "user@1",
            "name@1",
            "read_file@2",
            "read@2",
            "file@2",
            "now@3"),
        terms(TextAnalysis.INDEX, TextIndex.TEXT, "call getUserName read_file now"));
    assertEquals(
        List.of(
            "base64encoded@0", "base@0", "64@0", "encoded@0", "httpserver@1", "http@1", "server@1"),
        terms(TextAnalysis.INDEX, TextIndex.TEXT, "base64encoded HTTPServer"));
  }

  @Test
  void pathsSplitAtSlashesAndAccentsAreAlsoIndexedWithout() throws IOException {
    assertEquals(
        List.of("src@0", "main@1", "app.java@2", "app@2", "java@2", "cafe@3", "café@3"),
        terms(TextAnalysis.INDEX, TextIndex.TEXT, "src/main/App.java café"));
  }

  @Test
  void chineseIsCutByCharacterAndQueriesKeepIdentifiersWhole() throws IOException {
    assertEquals(
        List.of("支@0", "付@1", "测@2", "试@3"), terms(TextAnalysis.INDEX, TextIndex.TEXT, "支付测试"));
    assertEquals(
        List.of("getusername@0", "cafe@1"),
        terms(TextAnalysis.QUERY, TextIndex.TEXT, "getUserName Café"));
    assertEquals(List.of("bash@0"), terms(TextAnalysis.QUERY, TextIndex.TOOL, "Bash"));
    assertEquals(
        List.of("mcp__github__create_issue@0"),
        terms(TextAnalysis.QUERY, TextIndex.TOOL, "mcp__github__create_issue"));
  }
}
