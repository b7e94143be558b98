package io.sessionstore.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HtmlTest {
  @Test
  void escapesEveryCharacterThatCanOpenMarkupOrCloseAnAttribute() {
    assertEquals(
        "&lt;img src=x onerror=&quot;a()&quot;&gt;&lt;/script&gt; &amp;amp; &#39;q&#39;",
        Html.text("<img src=x onerror=\"a()\"></script> &amp; 'q'"));
    assertEquals("&quot; onmouseover=&#39;x&#39;", Html.attr("\" onmouseover='x'"));
    assertEquals("", Html.text(null));
    assertEquals("", Html.attr(null));
  }

  @Test
  void keepsLineFeedsAndTabsAndTurnsLoneCarriageReturnsIntoLineFeeds() {
    assertEquals("a\nb\tc\nd\ne", Html.text("a\r\nb\tc\rd\ne"));
  }

  @Test
  void showsBidirectionalAndOtherControlCharactersInsteadOfLettingThemAct() {
    String s = Html.text("abc\u202Edef\u2066g\u2069\u200F\u061C\u0000\u001b[31m\u0085\u2028");
    for (String mark :
        new String[] {
          "⟨U+202E⟩",
          "⟨U+2066⟩",
          "⟨U+2069⟩",
          "⟨U+200F⟩",
          "⟨U+061C⟩",
          "⟨U+0000⟩",
          "⟨U+001B⟩",
          "⟨U+0085⟩",
          "⟨U+2028⟩"
        }) {
      assertTrue(s.contains(mark), mark + " in " + s);
    }
    assertTrue(s.chars().noneMatch(c -> Html.isHidden((char) c)), s);
  }

  @Test
  void replacesUnpairedSurrogatesAndKeepsPairs() {
    assertEquals("\uFFFDa\uFFFD😀", Html.text("\uD800a\uDC00😀"));
  }

  @Test
  void cutsWithoutSplittingASurrogatePair() {
    assertEquals("ab", Html.cut("ab😀", 3));
    assertEquals("ab😀", Html.cut("ab😀", 4));
    assertTrue(Html.isLonger("abc", 2));
    assertFalse(Html.isLonger("ab", 2));
    assertEquals("&lt;a", Html.text("<abc", 2));
  }

  @Test
  void marksSnippetsAndEscapesTheRestEvenWithUnbalancedMarks() {
    assertEquals("a <mark>&lt;b&gt;</mark> c", Html.snippet("a «<b>» c"));
    assertEquals("x <mark>y</mark> z", Html.snippet("x «y» z»"));
    assertEquals("open only", Html.snippet("open« only"));
    assertEquals("&lt;script&gt;", Html.snippet("<script>"));
  }
}
