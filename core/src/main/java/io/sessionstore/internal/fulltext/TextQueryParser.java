package io.sessionstore.internal.fulltext;

import io.sessionstore.api.InvalidInputException;
import java.util.Locale;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;

/**
 * Lucene's classic query syntax over message text, with the choices a person searching their
 * sessions expects: every word must occur unless {@code OR} says otherwise; a word that analyses
 * into several ({@code user-name}, Chinese text) is a phrase; a quoted phrase allows {@value
 * #SLOP_PER_WORD} other words per gap between its words (people remember the words of a sentence,
 * not every little word between them; an exact match ranks higher, and {@code "…"~0} asks for
 * adjacent words); a field that is not one of the index's ({@code https://…}) is taken as text; a
 * slash is a character, not the start of a regular expression.
 */
final class TextQueryParser extends QueryParser {
  static final int SLOP_PER_WORD = 3;

  /** The phrase slop that tells a quoted phrase without {@code ~N} from one with it. */
  private static final int NO_SLOP_GIVEN = Integer.MAX_VALUE;

  private static final java.util.regex.Pattern UNESCAPED_SLASH =
      java.util.regex.Pattern.compile("(?<!\\\\)/");

  private static final Set<String> FIELDS =
      Set.of(TextIndex.TEXT, TextIndex.ROLE, TextIndex.KIND, TextIndex.TOOL, TextIndex.SUBAGENT);

  private TextQueryParser() {
    super(TextIndex.TEXT, TextAnalysis.QUERY);
    setDefaultOperator(Operator.AND);
    setSplitOnWhitespace(true);
    setAutoGeneratePhraseQueries(true);
    setAllowLeadingWildcard(false);
    setPhraseSlop(NO_SLOP_GIVEN);
  }

  /**
   * The query's Lucene form.
   *
   * @throws InvalidInputException when it does not parse
   */
  static Query parseQuery(String text) {
    try {
      // A slash would start a regular expression; paths and URLs are far more common in queries.
      return new TextQueryParser().parse(UNESCAPED_SLASH.matcher(text).replaceAll("\\\\/"));
    } catch (ParseException | IllegalArgumentException e) {
      String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw new InvalidInputException(
          "Invalid full-text query '"
              + text
              + "': "
              + reason.replaceFirst("^Cannot parse '.*?': ", "")
              + " (quote words with special characters, e.g. \"a:b\")");
    }
  }

  @Override
  protected Query createFieldQuery(
      Analyzer analyzer,
      BooleanClause.Occur occur,
      String field,
      String text,
      boolean quoted,
      int phraseSlop) {
    return super.createFieldQuery(
        analyzer, occur, field, text, quoted, phraseSlop == NO_SLOP_GIVEN ? 0 : phraseSlop);
  }

  /** A quoted phrase: its own {@code ~N}, else {@link #SLOP_PER_WORD} per gap between words. */
  @Override
  protected Query getFieldQuery(String given, String text, int slop) throws ParseException {
    String field = field(given);
    if (field == null) {
      return getFieldQuery(TextIndex.TEXT, given + ":" + text, slop);
    }
    if (slop != NO_SLOP_GIVEN) {
      return super.getFieldQuery(field, text, slop);
    }
    Query q = getFieldQuery(field, text, true);
    if (q instanceof PhraseQuery phrase && phrase.getTerms().length > 1) {
      return super.getFieldQuery(field, text, SLOP_PER_WORD * (phrase.getTerms().length - 1));
    }
    return q;
  }

  @Override
  protected Query getFieldQuery(String given, String text, boolean quoted) throws ParseException {
    String field = field(given);
    if (field == null) {
      return super.getFieldQuery(TextIndex.TEXT, given + ":" + text, quoted);
    }
    return super.getFieldQuery(field, text, quoted);
  }

  /** The index's field a query names, in any case ({@code Tool:Bash}), or null for none. */
  private static String field(String given) {
    String field = given.toLowerCase(Locale.ROOT);
    return FIELDS.contains(field) ? field : null;
  }

  @Override
  protected Query getPrefixQuery(String field, String prefix) throws ParseException {
    return super.getPrefixQuery(known(field), prefix);
  }

  @Override
  protected Query getWildcardQuery(String field, String text) throws ParseException {
    return super.getWildcardQuery(known(field), text);
  }

  @Override
  protected Query getFuzzyQuery(String field, String text, float similarity) throws ParseException {
    return super.getFuzzyQuery(known(field), text, similarity);
  }

  @Override
  protected Query getRangeQuery(
      String field, String part1, String part2, boolean startInclusive, boolean endInclusive)
      throws ParseException {
    return super.getRangeQuery(known(field), part1, part2, startInclusive, endInclusive);
  }

  private static String known(String given) throws ParseException {
    String field = field(given);
    if (field == null) {
      throw new ParseException(
          "unknown field '" + given + "' (the fields are role, kind, tool and subagent)");
    }
    return field;
  }
}
