package io.sessionstore.cli;

import io.sessionstore.server.BrowserOptions;
import io.sessionstore.server.SessionBrowser;
import java.net.URI;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "serve",
    description =
        "A session browser in your web browser: the sessions (filters, search), each transcript,"
            + " usage and cost. Prints its URL, then serves until stopped (Ctrl-C).",
    footer = {
      "",
      "It binds 127.0.0.1 unless --bind says otherwise; any other address needs --token (then open"
          + " the printed URL, which carries it once, or send Authorization: Bearer TOKEN).",
      "Example: sessionstore serve --open"
    })
final class ServeCommand implements Callable<Integer>, LongRunning {
  @ParentCommand SessionstoreCommand root;

  @Option(
      names = "--port",
      paramLabel = "P",
      description = "The port (default: " + BrowserOptions.DEFAULT_PORT + "; 0: any free one).")
  int port = BrowserOptions.DEFAULT_PORT;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      description =
          "The address to listen on (default: 127.0.0.1). Any non-loopback address needs --token.")
  String bind = BrowserOptions.DEFAULT_BIND;

  @Option(
      names = "--token",
      paramLabel = "T",
      description = "A secret every request must carry (required off loopback).")
  String token;

  @Option(names = "--allow-edit", description = "Allow changing tags and summaries from the page.")
  boolean allowEdit;

  @Option(names = "--open", description = "Open the page in the default web browser.")
  boolean open;

  @Override
  public Integer call() throws InterruptedException {
    BrowserOptions options =
        BrowserOptions.defaults()
            .withBind(bind)
            .withPort(port)
            .withToken(token)
            .withAllowEdit(allowEdit);
    // Refused before the store starts, so that a wrong address fails at once.
    SessionBrowser.checkBind(options);
    SessionBrowser browser = new SessionBrowser(root.store(), options);
    browser.start();
    URI url = browser.openUrl();
    root.out.println(url);
    root.out.flush();
    root.err.println(
        "sessionstore: serving "
            + (allowEdit ? "(edits allowed)" : "read-only")
            + " on "
            + browser.url()
            + "; Ctrl-C stops");
    if (open) {
      openInBrowser(url);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  browser.close();
                  root.close();
                  stopped.countDown();
                },
                "sessionstore-serve-stop"));
    stopped.await();
    return Main.OK;
  }

  private void openInBrowser(URI url) {
    try {
      String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
      String[] command =
          os.contains("mac")
              ? new String[] {"open", url.toString()}
              : os.contains("win")
                  ? new String[] {"rundll32", "url.dll,FileProtocolHandler", url.toString()}
                  : new String[] {"xdg-open", url.toString()};
      new ProcessBuilder(command)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (java.io.IOException e) {
      root.err.println(
          "sessionstore: could not open a browser (" + e.getMessage() + "): open " + url);
    }
  }
}
