package io.sessionstore.internal.fulltext;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessionstore.api.InvalidInputException;
import org.junit.jupiter.api.Test;

class TextQueryParserTest {
  private static String parsed(String query) {
    return TextQueryParser.parseQuery(query).toString();
  }

  @Test
  void wordsMustAllOccurAndPhrasesAllowAFewWordsBetween() {
    assertEquals("+text:flaky +text:payment", parsed("flaky payment"));
    assertEquals("text:\"flaky payment test\"~6", parsed("\"flaky payment test\""));
    assertEquals("text:\"flaky payment\"", parsed("\"flaky payment\"~0"), "~0: adjacent words");
    assertEquals("text:\"user name\"", parsed("user-name"), "one word cut in two is a phrase");
    assertEquals("text:flaky text:payment", parsed("flaky OR payment"));
  }

  @Test
  void fieldsAreLowerCasedAndAnUnknownFieldIsText() {
    assertEquals("+tool:bash +text:migrat*", parsed("tool:Bash AND migrat*"));
    assertEquals("+role:user +subagent:agent-a*", parsed("role:USER subagent:agent-a*"));
    assertEquals("text:\"https example.com\"", parsed("https://example.com"));
    assertEquals("+tool:bash +kind:thinking", parsed("Tool:Bash KIND:thinking"), "any case");
    assertEquals("text:\"src main\"", parsed("src\\/main"), "an escaped slash stays escaped");
  }

  @Test
  void aQueryThatDoesNotParseSaysWhyInOneLine() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> parsed("\"unclosed phrase"));
    assertTrue(
        e.getMessage().startsWith("Invalid full-text query '\"unclosed phrase'"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
    assertThrows(InvalidInputException.class, () -> parsed("nope:prefix*"));
  }
}
