package io.sessionstore.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sessionstore.api.BackendUnavailableException;
import io.sessionstore.api.ConflictException;
import io.sessionstore.api.InvalidInputException;
import io.sessionstore.api.NotFoundException;
import io.sessionstore.api.SessionStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The session browser: a small web server over a {@link SessionStore} with a page of sessions
 * (filters, search, paging), a page per session (its transcript, metadata and downloads), a usage
 * page (cost and tokens per day as a chart, breakdowns), edits of tags and summaries when allowed,
 * and JSON endpoints for scripts.
 *
 * <p>Security: every string from the store is escaped on output ({@link Html}); every response
 * carries a strict Content-Security-Policy, {@code X-Content-Type-Options: nosniff}, {@code
 * Referrer-Policy: no-referrer} and {@code X-Frame-Options: DENY}; a non-loopback address needs a
 * token, and with a token every request without it gets 401; on a loopback address the {@code Host}
 * header must name the server (no DNS rebinding); the JSON endpoints, downloads and edits refuse
 * requests that a browser marks as cross-site, and no response carries CORS headers.
 *
 * <p>Thread-safe: requests are answered by a bounded pool of threads, and the store's calls of one
 * request wait at most {@link BrowserOptions#storeTimeout()} (then the page says so, status 504).
 * The constructor does no I/O; {@link #start()} listens, {@link #close()} stops. The store is not
 * closed by this class.
 */
public final class SessionBrowser implements AutoCloseable {
  /** The response headers of every answer. */
  static final Map<String, String> SECURITY_HEADERS =
      Map.of(
          "Content-Security-Policy",
          "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:;"
              + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
          "X-Content-Type-Options",
          "nosniff",
          "Referrer-Policy",
          "no-referrer",
          "X-Frame-Options",
          "DENY",
          "Cross-Origin-Opener-Policy",
          "same-origin",
          "Cross-Origin-Resource-Policy",
          "same-origin");

  private static final String NODELAY = "sun.net.httpserver.nodelay";

  private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

  private final SessionStore store;
  private final BrowserOptions options;
  private final Pages pages;
  private HttpServer server;
  private ThreadPoolExecutor requests;
  private ThreadPoolExecutor storeCalls;
  private URI url;
  private boolean loopback;
  private Map<String, byte[]> assets;

  /** A browser over the store; nothing listens before {@link #start()}. */
  public SessionBrowser(SessionStore store, BrowserOptions options) {
    this.store = java.util.Objects.requireNonNull(store, "store is null");
    this.options = java.util.Objects.requireNonNull(options, "options is null");
    byte[] csrf = new byte[24];
    new SecureRandom().nextBytes(csrf);
    this.pages = new Pages(store, options.allowEdit(), HexFormat.of().formatHex(csrf));
  }

  /**
   * Checks that the options may be served: a non-loopback address needs a token. Resolves the
   * address (a name may take a lookup).
   *
   * @throws InvalidInputException when the address is not loopback and there is no token, or the
   *     address cannot be resolved
   */
  public static InetAddress checkBind(BrowserOptions options) {
    InetAddress address;
    try {
      address = InetAddress.getByName(options.bind());
    } catch (UnknownHostException e) {
      throw new InvalidInputException(
          "Cannot serve on '" + options.bind() + "': no such address on this machine");
    }
    if (!address.isLoopbackAddress() && options.token() == null) {
      throw new InvalidInputException(
          "Refusing to serve on "
              + options.bind()
              + " without a token: anyone who can reach it could read every session; add --token"
              + " SECRET (then open the printed URL), or bind 127.0.0.1");
    }
    return address;
  }

  /**
   * Listens and answers until {@link #close()}.
   *
   * @return the server's address ({@link #url()})
   * @throws InvalidInputException when the address is refused ({@link #checkBind}) or the port is
   *     taken
   */
  public synchronized URI start() {
    if (server != null) {
      return url;
    }
    InetAddress address = checkBind(options);
    loopback = address.isLoopbackAddress();
    assets = loadAssets();
    // Without TCP_NODELAY, a response written as headers then body waits for the client's delayed
    // acknowledgement: about 40 ms per request. The JDK's server reads this once, at its first
    // start in the process.
    if (System.getProperty(NODELAY) == null) {
      System.setProperty(NODELAY, "true");
    }
    try {
      server = HttpServer.create(new InetSocketAddress(address, options.port()), 128);
    } catch (BindException e) {
      throw new InvalidInputException(
          "Cannot listen on "
              + options.bind()
              + ":"
              + options.port()
              + ": "
              + e.getMessage()
              + "; choose another --port");
    } catch (IOException e) {
      throw new BackendUnavailableException(
          "Cannot listen on " + options.bind() + ":" + options.port() + ": " + e.getMessage(), e);
    }
    // Requests beyond the pool wait in a bounded queue; beyond that the accepting thread answers
    // them itself, which slows accepting down instead of dropping connections.
    requests = pool("sessionstore-serve", 512, new ThreadPoolExecutor.CallerRunsPolicy());
    // The store's calls run apart, so that a request can give up on a store that does not answer.
    storeCalls = pool("sessionstore-serve-store", 256, new ThreadPoolExecutor.AbortPolicy());
    server.setExecutor(requests);
    server.createContext("/", this::handle);
    server.start();
    int port = server.getAddress().getPort();
    url = URI.create("http://" + hostForUrl(address) + ":" + port + "/");
    return url;
  }

  /** The server's address, e.g. {@code http://127.0.0.1:8421/}; null before {@link #start()}. */
  public synchronized URI url() {
    return url;
  }

  /**
   * The address to open in a browser: {@link #url()}, with {@code ?token=} when there is a token
   * (the page then keeps it in a cookie and drops it from the address).
   */
  public synchronized URI openUrl() {
    if (url == null || options.token() == null) {
      return url;
    }
    return URI.create(url + "?token=" + Urls.param(options.token()));
  }

  /** Stops listening, waiting up to a second for requests being answered. */
  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(1);
      requests.shutdownNow();
      storeCalls.shutdownNow();
      server = null;
    }
  }

  private void handle(HttpExchange exchange) {
    Request r = null;
    try {
      r = Request.of(exchange);
      Response guarded = guard(r);
      send(r, guarded != null ? guarded : route(r));
    } catch (Throwable t) {
      try {
        send(r, error(r, t));
      } catch (Throwable ignored) {
        // The client went away, or the headers were already sent: nothing more to say.
      }
    } finally {
      exchange.close();
    }
  }

  /** The answer to a request that may not go on, or null when it may. */
  private Response guard(Request r) {
    String method = r.method;
    if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("POST")) {
      return Response.bytes(405, Response.TEXT, "Method not allowed\n".getBytes())
          .header("Allow", "GET, HEAD, POST");
    }
    String host = r.header("Host");
    if (loopback && !hostAllowed(host)) {
      // A page of another site that resolves its name to 127.0.0.1 (DNS rebinding) sends its own.
      return Response.bytes(
          421, Response.TEXT, "This server answers only to its own address\n".getBytes());
    }
    boolean sensitive =
        method.equals("POST")
            || r.rawPath.startsWith("/api/")
            || r.rawPath.contains("/download.")
            || r.rawPath.endsWith("/messages");
    if (sensitive && crossSite(r, host)) {
      return pages.error(403, "Refused: a request from another site");
    }
    String token = options.token();
    if (token != null) {
      String cookieName = "sessionstore_token_" + server.getAddress().getPort();
      String given = bearer(r);
      if (given == null) {
        given = r.cookie(cookieName);
      }
      if (!matches(token, given)) {
        String inUrl = r.param("token");
        if (method.equals("GET") && matches(token, inUrl)) {
          // Keep the token in a cookie the page's scripts cannot read and other sites do not get,
          // and take it out of the address bar and the history.
          return Response.seeOther(withoutToken(r))
              .header(
                  "Set-Cookie",
                  cookieName
                      + "="
                      + token
                      + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000");
        }
        return pages
            .error(
                401,
                "This server needs its token: open the address that `sessionstore serve` printed"
                    + " (it ends in ?token=…), or send Authorization: Bearer TOKEN")
            .header("WWW-Authenticate", "Bearer realm=\"sessionstore\"");
      }
    }
    return null;
  }

  private static String bearer(Request r) {
    String h = r.header("Authorization");
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return h.substring(7).strip();
    }
    return null;
  }

  private static boolean matches(String token, String given) {
    return given != null
        && MessageDigest.isEqual(
            token.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }

  /** The request's path and query without its token parameter. */
  private static String withoutToken(Request r) {
    Map<String, String> rest = new java.util.LinkedHashMap<>();
    r.params.forEach(
        (k, v) -> {
          if (!k.equals("token") && !v.isEmpty()) {
            rest.put(k, v.get(0));
          }
        });
    String path = r.rawPath.startsWith("//") ? "/" : r.rawPath;
    return path + Urls.queryString(rest);
  }

  private boolean hostAllowed(String host) {
    if (host == null) {
      return false;
    }
    int port = server.getAddress().getPort();
    String h = host.toLowerCase(Locale.ROOT);
    String suffix = ":" + port;
    if (h.endsWith(suffix)) {
      h = h.substring(0, h.length() - suffix.length());
    } else if (port != 80) {
      return false;
    }
    return LOOPBACK_NAMES.contains(h)
        || h.equals(options.bind().toLowerCase(Locale.ROOT))
        || h.equals("[" + options.bind().toLowerCase(Locale.ROOT) + "]");
  }

  /** Whether a browser says this request comes from another site (scripts send neither header). */
  private static boolean crossSite(Request r, String host) {
    String site = r.header("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      return true;
    }
    String origin = r.header("Origin");
    return origin != null && !origin.equalsIgnoreCase("http://" + host);
  }

  private Response route(Request r) throws Exception {
    String first = r.segment(0);
    if (r.method.equals("POST")) {
      if ("session".equals(first) && r.segments.size() == 4 && r.segment(3).equals("edit")) {
        r.readForm();
        return storeCall(() -> pages.edit(r));
      }
      return pages.error(405, "Nothing to post here");
    }
    if (first == null) {
      return storeCall(() -> pages.list(r));
    }
    switch (first) {
      case "static" -> {
        byte[] asset = r.segments.size() == 2 ? assets.get(r.segment(1)) : null;
        if (asset == null) {
          return pages.error(404, "No such file");
        }
        return Response.bytes(200, assetType(r.segment(1)), asset)
            .header("Cache-Control", "max-age=300");
      }
      case "favicon.ico" -> {
        return Response.bytes(200, "image/svg+xml", assets.get("icon.svg"))
            .header("Cache-Control", "max-age=300");
      }
      case "usage" -> {
        return storeCall(() -> pages.usage(r));
      }
      case "session" -> {
        if (r.segments.size() == 3) {
          return storeCall(() -> pages.session(r));
        }
        if (r.segments.size() == 4) {
          String part = r.segment(3);
          if (part.equals("messages")) {
            return storeCall(() -> pages.moreMessages(r));
          }
          if (part.startsWith("download.")) {
            return storeCall(() -> pages.download(r, part.substring("download.".length())));
          }
        }
      }
      case "api" -> {
        return storeCall(() -> pages.api(r));
      }
      default -> {}
    }
    return pages.error(404, "No such page");
  }

  private static String assetType(String name) {
    if (name.endsWith(".css")) {
      return "text/css; charset=utf-8";
    }
    if (name.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    return "image/svg+xml";
  }

  /** Runs a handler's work on the store's threads, waiting at most the store timeout. */
  private Response storeCall(java.util.concurrent.Callable<Response> work) throws Exception {
    Future<Response> f;
    try {
      f = storeCalls.submit(work);
    } catch (RejectedExecutionException e) {
      return pages.error(503, "The server is busy: too many requests wait for the store; retry");
    }
    try {
      return f.get(options.storeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      return pages.error(
          504,
          "The store did not answer within "
              + options.storeTimeout().toSeconds()
              + " s; it may be slow or unreachable. Retry, or check its configuration");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw (Error) cause;
    }
  }

  private Response error(Request r, Throwable t) {
    int status;
    String message = t.getMessage() == null ? t.toString() : t.getMessage();
    if (t instanceof NotFoundException) {
      status = 404;
    } else if (t instanceof InvalidInputException) {
      status = 400;
    } else if (t instanceof ConflictException) {
      status = 409;
    } else if (t instanceof BackendUnavailableException
        || t instanceof java.io.UncheckedIOException) {
      status = 503;
      message = "The store is unavailable: " + message;
    } else {
      status = 500;
      System.err.println("sessionstore serve: internal error, please report it: " + t);
      t.printStackTrace();
      message = "Internal error (a bug; the server's standard error has the details)";
    }
    boolean api = r != null && r.rawPath.startsWith("/api/");
    return api ? Pages.jsonError(status, message) : pages.error(status, message);
  }

  private void send(Request r, Response resp) throws IOException {
    HttpExchange ex = r.exchange;
    var h = ex.getResponseHeaders();
    SECURITY_HEADERS.forEach(h::set);
    h.set("Cache-Control", "no-store");
    resp.headers.forEach(h::set);
    h.set("Content-Type", resp.type);
    boolean head = r.method.equals("HEAD");
    if (resp.stream != null) {
      ex.sendResponseHeaders(resp.status, head ? -1 : 0);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          resp.stream.writeTo(out);
        }
      }
      return;
    }
    int len = resp.bytes.length;
    ex.sendResponseHeaders(resp.status, head || len == 0 ? -1 : len);
    if (!head && len > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(resp.bytes);
      }
    }
  }

  private static Map<String, byte[]> loadAssets() {
    Map<String, byte[]> a = new HashMap<>();
    for (String name : new String[] {"app.css", "app.js", "icon.svg"}) {
      try (InputStream in = SessionBrowser.class.getResourceAsStream("static/" + name)) {
        if (in == null) {
          throw new IllegalStateException("The jar lacks static/" + name);
        }
        a.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return Map.copyOf(a);
  }

  private static String hostForUrl(InetAddress address) {
    if (address.isAnyLocalAddress()) {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "localhost";
      }
    }
    String literal = address.getHostAddress();
    return address instanceof Inet6Address ? "[" + literal.replaceAll("%.*", "") + "]" : literal;
  }

  /** A fixed pool of daemon threads with a bounded queue; beyond it, {@code full} decides. */
  private ThreadPoolExecutor pool(
      String name, int queue, java.util.concurrent.RejectedExecutionHandler full) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(
        options.threads(),
        options.threads(),
        30,
        TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queue),
        run -> {
          Thread t = new Thread(run, name + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        full);
  }
}
