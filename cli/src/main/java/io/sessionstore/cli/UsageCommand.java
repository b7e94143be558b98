package io.sessionstore.cli;

import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.UsageGrouping;
import io.sessionstore.api.UsageReport;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "usage",
    description =
        "Token usage and cost of the sessions the filters match, grouped, with a total (reads"
            + " sessions' heads only).",
    footer = {
      "",
      "By day, week or month, a session counts in each period its messages used tokens in (in"
          + " --timezone), with that period's share. Sessions with neither usage nor cost are left"
          + " out.",
      "Example: sessionstore usage --by attr:ticket --after 2026-11-01 --csv"
    })
final class UsageCommand implements Callable<Integer> {
  @ParentCommand SessionstoreCommand root;

  @Option(
      names = "--by",
      paramLabel = "GROUP",
      defaultValue = "day",
      description =
          "day, week, month, session, project, model, tag, branch or attr:KEY (default: day).")
  String by;

  @Mixin Filters filters;

  @Option(
      names = "--timezone",
      paramLabel = "ZONE",
      description =
          "Time zone of days, weeks and months, e.g. Europe/Paris (default: the system's).")
  String timezone;

  @Option(names = "--json", description = "A JSON array of rows instead of a table.")
  boolean json;

  @Option(names = "--csv", description = "CSV rows (with a header) instead of a table.")
  boolean csv;

  @Override
  public Integer call() {
    if (json && csv) {
      throw new Main.UsageException("Choose one of --json and --csv");
    }
    UsageGrouping grouping = UsageGrouping.parse(by);
    ZoneId zone = zone();
    if (!root.projectGiven()) {
      // A read command spans every project unless one is given.
      filters.allProjects = true;
    }
    UsageReport report = root.store().usageReport(filters.query(root).build(), grouping, zone);
    if (json) {
      json(root.out, report);
    } else if (csv) {
      csv(root.out, report);
    } else {
      table(root.out, report);
    }
    return Main.OK;
  }

  private ZoneId zone() {
    if (timezone == null) {
      return ZoneId.systemDefault();
    }
    try {
      return ZoneId.of(timezone.strip());
    } catch (DateTimeException e) {
      throw new InvalidInputException(
          "Invalid --timezone '" + timezone + "': expected a zone such as UTC or Europe/Paris");
    }
  }

  private static List<String> keyNames(UsageReport r) {
    return r.rows().isEmpty()
        ? r.grouping().keyNames()
        : new ArrayList<>(r.rows().get(0).key().keySet());
  }

  static void json(PrintStream out, UsageReport r) {
    if (r.rows().isEmpty()) {
      out.println("[]");
      return;
    }
    out.println("[");
    for (int i = 0; i < r.rows().size(); i++) {
      out.println("  " + r.rows().get(i).toJson() + (i < r.rows().size() - 1 ? "," : ""));
    }
    out.println("]");
  }

  static void csv(PrintStream out, UsageReport r) {
    List<String> header = new ArrayList<>(keyNames(r));
    header.addAll(
        List.of(
            "inputTokens",
            "outputTokens",
            "cacheCreationTokens",
            "cacheReadTokens",
            "totalTokens",
            "costUsd",
            "costSource",
            "sessions"));
    out.println(String.join(",", header));
    for (UsageReport.Row row : r.rows()) {
      List<String> cells = new ArrayList<>();
      row.key().values().forEach(v -> cells.add(csvCell(v == null ? "" : v)));
      cells.addAll(figures(row));
      out.println(String.join(",", cells));
    }
  }

  private static List<String> figures(UsageReport.Row row) {
    return List.of(
        Long.toString(row.inputTokens()),
        Long.toString(row.outputTokens()),
        Long.toString(row.cacheCreationTokens()),
        Long.toString(row.cacheReadTokens()),
        Long.toString(row.totalTokens()),
        row.costUsd().toPlainString(),
        row.costSource().jsonName(),
        Long.toString(row.sessions()));
  }

  private static String csvCell(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }

  static void table(PrintStream out, UsageReport r) {
    List<String> names = keyNames(r);
    List<String[]> rows = new ArrayList<>();
    List<String> header = new ArrayList<>();
    names.forEach(n -> header.add(n.toUpperCase(Locale.ROOT).replace("SESSIONID", "SESSION")));
    header.addAll(
        List.of(
            "SESSIONS",
            "INPUT",
            "OUTPUT",
            "CACHE WRITE",
            "CACHE READ",
            "TOTAL TOKENS",
            "COST USD"));
    rows.add(header.toArray(String[]::new));
    for (UsageReport.Row row : r.rows()) {
      List<String> cells = new ArrayList<>();
      row.key().values().forEach(v -> cells.add(v == null ? "-" : v));
      cells.addAll(cells(row));
      rows.add(cells.toArray(String[]::new));
    }
    List<String> total = new ArrayList<>();
    total.add("TOTAL");
    for (int i = 1; i < names.size(); i++) {
      total.add("");
    }
    total.addAll(cells(r.total()));
    rows.add(total.toArray(String[]::new));
    Format.print(out, rows);
    if (r.total().costSource() == io.sessionstore.api.CostSource.INCOMPLETE) {
      out.println(
          "+? some usage has no price (a model the price table does not know): the cost counts"
              + " the rest");
    }
    if (r.total().costSource() == io.sessionstore.api.CostSource.UNKNOWN) {
      out.println("? some sessions were stored before usage accounting: run sessionstore reindex");
    }
  }

  private static List<String> cells(UsageReport.Row row) {
    return List.of(
        Long.toString(row.sessions()),
        Long.toString(row.inputTokens()),
        Long.toString(row.outputTokens()),
        Long.toString(row.cacheCreationTokens()),
        Long.toString(row.cacheReadTokens()),
        Long.toString(row.totalTokens()),
        Format.cost(rounded(row.costUsd()), row.costSource()));
  }

  /** Cents and below to the hundredth of a cent, for reading; JSON and CSV keep every digit. */
  private static BigDecimal rounded(BigDecimal c) {
    return c.setScale(4, java.math.RoundingMode.HALF_EVEN);
  }
}
