// A blocking-style stand-in for the socket calls of the book's C code.
//
// Chapters 3 and 4 are written in the blocking style: accept() waits for a
// client, read() waits for bytes, write() waits until the bytes are handed
// to the kernel. Node has no blocking sockets; everything is an event. So
// this file turns the events back into awaitable calls, one per syscall:
//
//   C (blocking fd)                        here (await)
//   fd = socket(); bind(); listen()        listener = await listen(host, port)
//   connfd = accept(fd)                    conn = await listener.accept()
//   n = read(connfd, buf, max)             bytes = await conn.read(max)
//   write(connfd, buf, n)                  await conn.write(bytes)
//   shutdown(connfd, SHUT_WR)              await conn.shutdownWrite()
//   close(connfd)                          conn.close()
//   fd = socket(); connect(fd, addr)       conn = await connect(host, port)
//
// "Waits" means what `await` means: this function is suspended, and the
// thread goes back to Node's event loop, which runs other callbacks (a
// signal handler, a timer) meanwhile. A blocking C call puts the whole
// thread to sleep in the kernel instead. For a program that serves one
// client at a time the difference does not show; phase 3 is where it does.
//
// Where Node differs, the comment at that line says so. Phase 3 drops this
// file: the event loop chapter uses Node's events directly.
import net from "node:net";
import { connectError, listenError } from "./errors.ts";
import { hostPort } from "./log.ts";

export interface Connection {
  /** The other end, "127.0.0.1:53422": what getpeername() returns. */
  readonly peer: string;
  /**
   * read(2): waits for 1..max bytes; an empty buffer means EOF (the peer
   * closed its side). Throws ShutdownError once this side's listener was
   * closed, and the error that broke the connection (ECONNRESET) if any.
   */
  read(max: number): Promise<Buffer>;
  /** write(2) until done: resolves once every byte is handed to the kernel. */
  write(bytes: Uint8Array): Promise<void>;
  /** shutdown(SHUT_WR): send FIN ("no more data from me"); reading still works. */
  shutdownWrite(): Promise<void>;
  /** close(2): release the connection. Safe to call twice. */
  close(): void;
}

export interface Listener {
  readonly host: string;
  /** The port actually bound: the one asked for, or the kernel's pick for port 0. */
  readonly port: number;
  /** accept(2): waits for the next client; null once the listener is closed. */
  accept(): Promise<Connection | null>;
  /**
   * close(2) on the listening socket, and on every connection it handed
   * out: a read() or write() waiting on one of them throws ShutdownError.
   */
  close(): Promise<void>;
}

/**
 * Thrown by read() and write() on a connection whose listener was closed
 * (the server is shutting down). A C server has no such case: Ctrl-C simply
 * kills it. Here the server closes cleanly, and this tells it that the end
 * of the conversation came from its own side, not from the client.
 */
export class ShutdownError extends Error {
  override name = "ShutdownError";
  constructor() {
    super("the server is shutting down");
  }
}

/** getpeername(): the other end's address, as "host:port" for log lines. */
function peerOf(socket: net.Socket): string {
  return hostPort(socket.remoteAddress ?? "?", socket.remotePort ?? "?");
}

/**
 * One connection in the blocking style: a net.Socket, and the state that
 * turns its events into the answers of read() and write(). In C the fd is
 * all there is; the kernel keeps the rest.
 */
class SocketConnection implements Connection {
  readonly peer: string;
  readonly #socket: net.Socket;
  // Bytes Node read from the kernel that the caller has not taken yet.
  #pending: Buffer = Buffer.alloc(0);
  #error: Error | null = null;
  #eof = false;
  #wake: (() => void) | null = null;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.peer = peerOf(socket);
    // In C an error comes back as -1 and errno from the next call. Node
    // emits an 'error' event instead, and an unhandled one crashes the
    // process; so remember it here and report it from read() or write().
    socket.on("error", (err) => {
      this.#error ??= err;
      this.#notify();
    });
    // 'readable' means "a read() now would not block" (POLLIN in poll()).
    // Adding this listener is also what starts reading: Node asks libuv to
    // read from the socket (read(0), then readStart()), and libuv reads up
    // to 64 KiB per read(2) into a buffer of Node's. A listener on 'readable'
    // keeps the socket in paused mode: Node stops reading from the kernel
    // once its own buffer holds its high-water mark (16 KiB in Node 20,
    // 64 KiB from Node 22) and the caller has not taken it, so a slow
    // reader still pushes back on the sender through TCP flow control.
    socket.on("readable", () => this.#notify());
    socket.on("end", () => {
      this.#eof = true;
      this.#notify();
    });
    socket.on("close", () => {
      this.#eof = true;
      this.#notify();
    });
  }

  /** Wakes a read() that is waiting: something happened (bytes, EOF, an error). */
  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async read(max: number): Promise<Buffer> {
    if (max < 1) throw new RangeError(`read(max) needs max >= 1, got ${max}`);
    for (;;) {
      if (this.#error instanceof ShutdownError) throw this.#error;
      // Like read(2): return what is already there, up to max, without
      // waiting for more. The rest stays for the next call.
      if (this.#pending.length > 0) {
        const bytes = this.#pending.subarray(0, max);
        this.#pending = this.#pending.subarray(bytes.length);
        return bytes;
      }
      // Take everything Node has buffered. Each call of socket.read() hands
      // out a fresh Buffer, so the views returned above stay valid.
      const chunk: unknown = this.#socket.read();
      if (Buffer.isBuffer(chunk)) {
        this.#pending = chunk;
        continue;
      }
      // Nothing buffered: an error (ECONNRESET) is reported now, as read(2)
      // would return -1 with errno set; after the peer's FIN, EOF.
      if (this.#error) throw this.#error;
      if (this.#eof || this.#socket.destroyed) return Buffer.alloc(0);
      // Nothing yet: this is where the blocking read(2) would sleep.
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    // A connection already broken fails at once, like write(2) with EPIPE.
    if (this.#error) return Promise.reject(this.#error);
    // Node never shows a partial write: socket.write() queues everything,
    // libuv writes as much as the kernel takes and the rest when the socket
    // is writable again, and the callback runs once all of it went to the
    // kernel (not to the peer: TCP delivers it later), or with the error
    // (EPIPE, ECONNRESET) that stopped it.
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (err) => (err ? reject(this.#error ?? err) : resolve()));
    });
  }

  shutdownWrite(): Promise<void> {
    // end() queues FIN behind the data not yet written; its callback runs
    // on 'finish', when all of it, FIN included, was handed to the kernel.
    return new Promise((resolve) => this.#socket.end(resolve));
  }

  close(): void {
    // destroy() closes the fd at once: data still queued in Node is dropped,
    // and if bytes the peer sent are still unread in the kernel, Linux
    // answers with RST instead of FIN (the peer sees "connection reset",
    // and may lose what it had not read yet). Phase 3 shows a polite close.
    this.#socket.destroy();
  }

  /** The listener is closing: wake whoever waits on this connection with ShutdownError. */
  shutdown(): void {
    this.#error = new ShutdownError();
    this.#socket.destroy();
    this.#notify();
  }
}

/** socket() + bind() + listen(): a listening TCP socket on host:port. */
export function listen(host: string, port: number, backlog = 511): Promise<Listener> {
  // allowHalfOpen: after the client's FIN we may still write (the echo of
  // what it sent); without it Node would end our side right after 'end'.
  // pauseOnConnect: libuv must not start reading a new connection on its
  // own; reading starts in accept(), below, so a waiting client's bytes
  // stay in the kernel's receive queue, as they would in C (`ss -tn` shows
  // them in Recv-Q).
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  // Node accepts connections eagerly: libuv calls accept(2) as soon as the
  // listening socket is readable, so every waiting client already has its
  // own fd, and the queue of clients waiting for our accept() lives here,
  // in user space, instead of in the kernel's listen backlog. (When the
  // process runs out of fds, accept(2) fails with EMFILE; libuv then closes
  // a spare fd it keeps for this, accepts the connection and closes it at
  // once, so the client sees its connection end.)
  const waiting: net.Socket[] = [];
  const handedOut = new Set<SocketConnection>();
  let wake: ((socket: net.Socket | null) => void) | null = null;
  let closed = false;

  server.on("connection", (socket) => {
    // Nothing reads this socket until accept() takes it, so it cannot fail
    // meanwhile; the listener is there so that a stray error never crashes.
    socket.on("error", () => {});
    if (wake) {
      const w = wake;
      wake = null;
      w(socket);
    } else {
      waiting.push(socket);
    }
  });

  /** accept()'s second half: the socket becomes a Connection and starts reading. */
  const handOut = (socket: net.Socket): Connection => {
    const conn = new SocketConnection(socket);
    handedOut.add(conn);
    socket.once("close", () => handedOut.delete(conn));
    return conn;
  };

  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(listenError(err, host, port)));
    // Node sets SO_REUSEADDR on every listening socket (libuv does it in
    // bind), so a restarted server never trips over the old one's TIME_WAIT.
    // The backlog is what listen(2) is given; Linux caps it at
    // net.core.somaxconn (4096 on recent kernels) and queues slightly more
    // than it says. Node's default is 511, as here.
    server.listen({ host, port, backlog }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      resolve({
        host,
        port: bound,
        accept() {
          const next = waiting.shift();
          if (next) return Promise.resolve(handOut(next));
          if (closed) return Promise.resolve(null);
          return new Promise((r) => {
            wake = (socket) => r(socket === null ? null : handOut(socket));
          });
        },
        close() {
          if (closed) return Promise.resolve();
          closed = true;
          wake?.(null);
          wake = null;
          for (const socket of waiting) socket.destroy();
          waiting.length = 0;
          for (const conn of handedOut) conn.shutdown();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

/** socket() + connect(): a TCP connection to host:port. */
export function connect(host: string, port: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    // Three things C does by hand happen inside this call. A host name is
    // looked up with getaddrinfo() on libuv's thread pool (an IP address
    // skips that). With several addresses (localhost: ::1 and 127.0.0.1),
    // Node tries them in turn, a little apart ("happy eyeballs",
    // autoSelectFamily). And connect(2) is non-blocking: libuv starts it,
    // then waits for the socket to become writable, which is 'connect' (or
    // 'error' with ECONNREFUSED).
    const socket = net.connect({ host, port, allowHalfOpen: true });
    const fail = (err: Error) => reject(connectError(err, host, port));
    socket.once("error", fail);
    socket.once("connect", () => {
      socket.off("error", fail);
      // Stay in paused mode: no 'data' events; bytes wait in Node's buffer
      // until read() takes them, as they would wait in the kernel for read(2).
      socket.pause();
      resolve(new SocketConnection(socket));
    });
  });
}
