package io.sessionstore.hardening.remote;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on the loopback interface between a backend's client and its server that "kills the
 * writer" at a chosen request: it reads the client's bytes one request at a time (HTTP/1.1 with a
 * Content-Length, or MongoDB wire-protocol messages), and at request {@code n} either drops it
 * unsent, or sends it and drops the server's answer. Then it closes every connection and refuses
 * new ones until it is armed again, as a dead process would. MongoDB's handshakes and heartbeats
 * are relayed but not counted, so that the count is the backend's own.
 */
final class CuttingProxy implements AutoCloseable {
  enum Protocol {
    HTTP,
    MONGO
  }

  enum Cut {
    /** Request {@code n} never reaches the server. */
    BEFORE,
    /**
     * Request {@code n} reaches the server, which carries it out; its answer never reaches the
     * client.
     */
    AFTER
  }

  /**
   * Requests larger than this are refused: the proxy buffers a request's head, never unbounded
   * input.
   */
  private static final int MAX_HEAD = 64 * 1024;

  private static final Set<String> NOT_COUNTED =
      Set.of("hello", "ismaster", "buildinfo", "saslstart", "saslcontinue", "ping", "endsessions");

  private final Protocol protocol;
  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final ExecutorService pumps =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "cutting-proxy");
            t.setDaemon(true);
            return t;
          });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile int cutAt;
  private volatile Cut mode = Cut.BEFORE;
  private volatile boolean dead;
  private volatile boolean cut;

  CuttingProxy(Protocol protocol, int targetPort) throws IOException {
    this.protocol = protocol;
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pumps.submit(this::accept);
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Counts requests from zero and cuts at request {@code n} (0: never). */
  synchronized void arm(int n, Cut how) {
    requests.set(0);
    cut = false;
    dead = false;
    mode = how;
    cutAt = n;
  }

  /** Whether the armed cut happened (false: the client made fewer requests). */
  boolean didCut() {
    return cut;
  }

  int requests() {
    return requests.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        if (dead) {
          client.close();
          continue;
        }
        Socket server = new Socket();
        server.connect(target, 2_000);
        open.add(client);
        open.add(server);
        Connection c = new Connection();
        pumps.submit(() -> requests(client, server, c));
        pumps.submit(() -> answers(server, client, c));
      } catch (IOException e) {
        // closed, or the server refused: the client sees a dropped connection
      }
    }
  }

  private static final class Connection {
    volatile boolean dropAnswers;
  }

  /** Client to server, one request at a time. */
  private void requests(Socket client, Socket server, Connection c) {
    try (InputStream in = new BufferedInputStream(client.getInputStream());
        OutputStream out = server.getOutputStream()) {
      while (true) {
        Request r = protocol == Protocol.HTTP ? httpHead(in) : mongoMessage(in);
        if (r == null) {
          return;
        }
        int n = r.counted ? requests.incrementAndGet() : -1;
        boolean cutHere = n == cutAt && cutAt > 0;
        if (cutHere && mode == Cut.BEFORE) {
          kill();
          return;
        }
        out.write(r.head);
        copy(in, out, r.bodyLength);
        out.flush();
        if (cutHere) {
          c.dropAnswers = true;
        }
      }
    } catch (IOException e) {
      close(client);
      close(server);
    }
  }

  /**
   * Server to client; after a request cut AFTER, its answer is read, dropped, and the proxy dies.
   */
  private void answers(Socket server, Socket client, Connection c) {
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = server.getInputStream();
        OutputStream out = client.getOutputStream()) {
      int r;
      while ((r = in.read(buf)) >= 0) {
        if (c.dropAnswers) {
          kill();
          return;
        }
        out.write(buf, 0, r);
        out.flush();
      }
    } catch (IOException e) {
      close(client);
      close(server);
    }
  }

  private record Request(byte[] head, long bodyLength, boolean counted) {}

  /**
   * An HTTP/1.1 request's head; its body is the Content-Length that follows. Null at the end of the
   * stream.
   */
  private static Request httpHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      if (head.size() > MAX_HEAD) {
        throw new IOException("request head over " + MAX_HEAD + " bytes");
      }
      byte[] h = head.toByteArray();
      int k = h.length;
      if (k >= 4 && h[k - 4] == '\r' && h[k - 3] == '\n' && h[k - 2] == '\r' && h[k - 1] == '\n') {
        long length = 0;
        for (String line : new String(h, StandardCharsets.ISO_8859_1).split("\r\n")) {
          String lower = line.toLowerCase(Locale.ROOT);
          if (lower.startsWith("content-length:")) {
            length = Long.parseLong(lower.substring("content-length:".length()).trim());
          } else if (lower.startsWith("transfer-encoding:")) {
            throw new IOException("chunked requests are not framed by this proxy: " + line);
          }
        }
        return new Request(h, length, true);
      }
    }
    return null;
  }

  /** One MongoDB wire-protocol message; commands of the connection's own upkeep are not counted. */
  private static Request mongoMessage(InputStream in) throws IOException {
    byte[] header = in.readNBytes(16);
    if (header.length < 16) {
      return null;
    }
    int length = le(header, 0);
    int opCode = le(header, 12);
    if (length < 16 || length > 48 * 1024 * 1024) {
      throw new IOException("not a MongoDB message: length " + length);
    }
    byte[] rest = in.readNBytes(length - 16);
    byte[] all = new byte[length];
    System.arraycopy(header, 0, all, 0, 16);
    System.arraycopy(rest, 0, all, 16, rest.length);
    // OP_MSG: flags (4), section kind 0 (1), the command document: its length (4), type (1), name
    // (cstring).
    boolean counted = false;
    if (opCode == 2013 && length > 26 && all[20] == 0) {
      int end = 26;
      while (end < length && all[end] != 0) {
        end++;
      }
      String command =
          new String(all, 26, end - 26, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
      counted = !NOT_COUNTED.contains(command);
    }
    return new Request(all, 0, counted);
  }

  private static int le(byte[] b, int at) {
    return (b[at] & 0xff)
        | (b[at + 1] & 0xff) << 8
        | (b[at + 2] & 0xff) << 16
        | (b[at + 3] & 0xff) << 24;
  }

  private static void copy(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[16 * 1024];
    long left = n;
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        throw new IOException("client closed inside a request body");
      }
      out.write(buf, 0, r);
      left -= r;
    }
  }

  /**
   * The writer dies: every connection closes at once, and new ones are refused until the next arm.
   */
  private synchronized void kill() {
    dead = true;
    cut = true;
    cutAt = 0;
    open.forEach(CuttingProxy::close);
    open.clear();
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException e) {
      // already closed
    }
    open.forEach(CuttingProxy::close);
    pumps.shutdownNow();
  }
}
