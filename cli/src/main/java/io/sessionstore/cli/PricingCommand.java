package io.sessionstore.cli;

import io.sessionstore.api.ModelPrice;
import io.sessionstore.api.NotFoundException;
import io.sessionstore.api.PriceTable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "pricing",
    description =
        "Show the prices cost is estimated with (sessionstore.pricing.file over the bundled ones),"
            + " in USD per million tokens.",
    footer = {"", "Example: sessionstore pricing --model claude-sonnet-4-5-20250929"})
final class PricingCommand implements Callable<Integer> {
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  @ParentCommand SessionstoreCommand root;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description = "Only the entry a model name (as transcripts give it) is priced by.")
  String model;

  @Override
  public Integer call() {
    PriceTable table = PriceTable.of(root.config());
    root.out.println("source: " + table.source());
    root.out.println("date: " + table.date());
    root.out.println("entries: " + table.entries().size());
    List<ModelPrice> shown = table.entries();
    if (model != null) {
      ModelPrice p =
          table
              .find(model)
              .orElseThrow(
                  () ->
                      new NotFoundException(
                          "No price for model '"
                              + model
                              + "': its usage leaves the cost incomplete"));
      root.out.println("model " + model + " is priced as: " + p.model());
      shown = List.of(p);
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "MODEL",
          "INPUT",
          "OUTPUT",
          "CACHE WRITE 5M",
          "CACHE WRITE 1H",
          "CACHE READ",
          "ABOVE 200K (IN/OUT/5M/1H/READ)",
          "FAST"
        });
    for (ModelPrice p : shown) {
      rows.add(
          new String[] {
            p.model(),
            perMillion(p.input()),
            perMillion(p.output()),
            perMillion(p.cacheWrite5m()),
            perMillion(p.cacheWrite1h()),
            perMillion(p.cacheRead()),
            p.tiered()
                ? String.join(
                    "/",
                    perMillion(p.inputAbove200k()),
                    perMillion(p.outputAbove200k()),
                    perMillion(p.cacheWrite5mAbove200k()),
                    perMillion(p.cacheWrite1hAbove200k()),
                    perMillion(p.cacheReadAbove200k()))
                : "-",
            "x" + p.fastMultiplier().stripTrailingZeros().toPlainString()
          });
    }
    Format.print(root.out, rows);
    return Main.OK;
  }

  private static String perMillion(BigDecimal perToken) {
    if (perToken == null) {
      return "-";
    }
    BigDecimal v = perToken.multiply(MILLION).stripTrailingZeros();
    return (v.scale() < 0 ? v.setScale(0) : v).toPlainString();
  }
}
