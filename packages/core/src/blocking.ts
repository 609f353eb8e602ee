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
// Where Node differs, the comment at that line says so. Phase 3 drops this
// file: the event loop chapter uses Node's events directly.
import net from "node:net";
import { connectError, listenError } from "./errors.ts";
import { hostPort } from "./log.ts";

export interface Connection {
  /** The other end, "127.0.0.1:53422": what getpeername() returns. */
  readonly peer: string;
  /** read(2): waits for 1..max bytes; an empty buffer means EOF (the peer closed its side). */
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
  /** close(2) on the listening socket, and on every connection it handed out. */
  close(): Promise<void>;
}

function peerOf(socket: net.Socket): string {
  return hostPort(socket.remoteAddress ?? "?", socket.remotePort ?? "?");
}

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
      this.#error = err;
      this.#notify();
    });
    // 'readable' means "a read() now would not block" (POLLIN in poll()).
    // Listening to it keeps the socket in paused mode: Node pulls from the
    // kernel only what fits its buffer, so a slow reader still pushes back.
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

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async read(max: number): Promise<Buffer> {
    if (max < 1) throw new RangeError(`read(max) needs max >= 1, got ${max}`);
    for (;;) {
      // Like read(2): return what is already there, up to max, without waiting for more.
      if (this.#pending.length > 0) {
        const bytes = this.#pending.subarray(0, max);
        this.#pending = this.#pending.subarray(bytes.length);
        return bytes;
      }
      const chunk: unknown = this.#socket.read();
      if (Buffer.isBuffer(chunk)) {
        this.#pending = chunk;
        continue;
      }
      if (this.#error) throw this.#error;
      if (this.#eof || this.#socket.destroyed) return Buffer.alloc(0);
      // Nothing yet: this is where the blocking read(2) would sleep.
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    // Node never shows a partial write: socket.write() queues everything and
    // the callback runs once all of it went to the kernel, or with the error
    // (EPIPE, ECONNRESET) that stopped it.
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (err) => (err ? reject(this.#error ?? err) : resolve()));
    });
  }

  shutdownWrite(): Promise<void> {
    return new Promise((resolve) => this.#socket.end(resolve));
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** socket() + bind() + listen(): a listening TCP socket on host:port. */
export function listen(host: string, port: number, backlog = 511): Promise<Listener> {
  // allowHalfOpen: after the client's FIN we may still write (the echo of
  // what it sent). pauseOnConnect: a waiting client's bytes stay in the
  // kernel until we accept it, as they would in C.
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  // Node accepts connections eagerly, as soon as the kernel has them, so the
  // queue of clients waiting for accept() lives here, in user space, instead
  // of the kernel's listen backlog.
  const waiting: SocketConnection[] = [];
  const handedOut = new Set<SocketConnection>();
  let wake: ((conn: SocketConnection | null) => void) | null = null;
  let closed = false;

  server.on("connection", (socket) => {
    const conn = new SocketConnection(socket);
    if (wake) {
      const w = wake;
      wake = null;
      handedOut.add(conn);
      w(conn);
    } else {
      waiting.push(conn);
    }
  });

  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(listenError(err, host, port)));
    // Node sets SO_REUSEADDR on every listening socket (libuv does it in
    // bind), so a restarted server never trips over the old one's TIME_WAIT.
    server.listen({ host, port, backlog }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      resolve({
        host,
        port: bound,
        accept() {
          const next = waiting.shift();
          if (next) {
            handedOut.add(next);
            return Promise.resolve(next);
          }
          if (closed) return Promise.resolve(null);
          return new Promise((r) => {
            wake = r;
          });
        },
        close() {
          if (closed) return Promise.resolve();
          closed = true;
          wake?.(null);
          wake = null;
          for (const conn of [...waiting, ...handedOut]) conn.close();
          waiting.length = 0;
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

/** socket() + connect(): a TCP connection to host:port. */
export function connect(host: string, port: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    const fail = (err: Error) => reject(connectError(err, host, port));
    socket.once("error", fail);
    socket.once("connect", () => {
      socket.off("error", fail);
      socket.pause();
      resolve(new SocketConnection(socket));
    });
  });
}
