package io.sessionstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s refusals, which happen before it serves (ServeIT runs it as a process). */
class ServeCommandTest {
  @TempDir Path tmp;

  @Test
  void aNonLoopbackBindWithoutATokenIsRefusedWithExit2AndOneLine() {
    CliRun.Result r = new CliRun(tmp.resolve("store")).run("serve", "--bind", "0.0.0.0");
    assertEquals(Main.BAD_INPUT, r.code());
    assertEquals("", r.out());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains("--token"), r.err());
  }

  @Test
  void aBadPortOrTokenIsBadUsage() {
    CliRun cli = new CliRun(tmp.resolve("store"));
    assertEquals(Main.BAD_INPUT, cli.run("serve", "--port", "70000").code());
    assertEquals(Main.BAD_INPUT, cli.run("serve", "--token", "with space").code());
    assertEquals(Main.BAD_INPUT, cli.run("serve", "--bind", "no.such.host.invalid").code());
  }
}
