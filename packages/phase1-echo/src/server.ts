// Phase 1: an echo server, one client at a time (the book's chapter 3).
//
// Every TCP server does three things: get a listening socket, wait for a
// client to connect, and talk to that client over a new socket of its own.
// This one talks by echoing: every byte a client sends comes straight back,
// until the client says it is done (EOF). Then the server closes that
// connection and waits for the next client.
//
// The calls below (listen, accept, read, write, close) come from @rah/core's
// blocking stand-in: each one waits, like the C call it is named after, so
// this file reads like the book's C code. See packages/core/src/blocking.ts
// for how each maps to its syscall and where Node differs.
import {
  type Connection,
  describeError,
  hostPort,
  type Listener,
  type Logger,
  listen,
  ShutdownError,
} from "@rah/core";

/**
 * The most bytes one read() hands back. In C this is the size of the buffer
 * given to read(2), and the kernel copies at most that many. Here the
 * kernel is read by libuv, 64 KiB at a time into a buffer of Node's, and
 * core's read() hands out slices of that buffer of at most READ_SIZE bytes:
 * so `strace` shows 64 KiB reads, whatever this number is. It changes
 * nothing about what the client gets back, only how many loop turns it
 * takes. 4 KiB is a common choice; real servers tune it (Redis reads 16 KiB
 * at a time).
 */
const READ_SIZE = 4096;

export interface ServerOptions {
  /** Address to listen on; 127.0.0.1 keeps the server private to this machine. */
  host: string;
  /** Port to listen on; 0 asks the kernel for any free one. */
  port: number;
  log: Logger;
}

/** A running server: where it listens, and how to stop it. */
export interface Server {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, closes the current connection, resolves when all is done. */
  close(): Promise<void>;
}

/**
 * Starts listening and serving clients in the background.
 *
 * Resolves once the listening socket is ready, so a client may connect as
 * soon as this returns. Rejects with a friendly error (port in use, no
 * permission) if the address cannot be bound.
 */
export async function startServer(options: ServerOptions): Promise<Server> {
  const { log } = options;

  // Steps 1 and 2: socket() + setsockopt(SO_REUSEADDR) + bind() + listen().
  // In C these are four calls; listen() does all of them. The result is a
  // *listening* socket: it never carries data, it only waits for clients.
  // Its file descriptor (fd) is just a number naming the kernel's socket.
  const listener = await listen(options.host, options.port);
  log.info(`listening on ${hostPort(listener.host, listener.port)}`);

  // Step 3 runs in the background: the accept loop. startServer() returns
  // now so the caller (the entry point, or a test) can close the server.
  const done = serve(listener, log);

  return {
    host: listener.host,
    port: listener.port,
    async close() {
      // close() on the listening socket: no new clients. Core also closes
      // the connection being served and those still waiting; serve() sees
      // ShutdownError from its read or write, closes, and returns.
      await listener.close();
      await done;
      log.info("server stopped");
    },
  };
}

/**
 * The accept loop: take one client, serve it until it is done, close it,
 * take the next.
 *
 * While one client is being served, nobody calls accept(), so the next
 * client waits. It is not refused: its connection is already set up and
 * queued (in C, in the kernel's listen backlog; in Node, which accepts
 * every connection at once, in core's queue), and its bytes wait unread in
 * the kernel. It is served as soon as the current client leaves. That is why phase 1 serves "one
 * client at a time", and why phase 3 needs an event loop.
 */
async function serve(listener: Listener, log: Logger): Promise<void> {
  for (;;) {
    // accept() waits for a client and returns a *connection* socket: a new
    // fd for this one client, while the listening socket keeps listening.
    const conn = await listener.accept();
    if (conn === null) return; // the listener was closed: stop serving
    log.info("accepted", conn.peer);
    try {
      await handleClient(conn, log);
    } catch (err: unknown) {
      if (err instanceof ShutdownError) {
        // Our own close() ended the conversation: the server is stopping.
        log.info("closing: the server is shutting down", conn.peer);
      } else {
        // A reset or a broken pipe ends this client, never the server.
        log.warn(`connection lost: ${describeError(err)}`, conn.peer);
      }
    } finally {
      // close() releases the connection's fd; the kernel sends FIN to the
      // client, which then sees EOF after the last echoed byte.
      conn.close();
      log.info("closed", conn.peer);
    }
  }
}

/**
 * Echo: read whatever has arrived, write it back, repeat until EOF.
 *
 * Bytes are never decoded to text, so any data (UTF-8, binary, NUL bytes)
 * comes back exactly as it went in.
 */
async function handleClient(conn: Connection, log: Logger): Promise<void> {
  for (;;) {
    // read() waits until at least one byte is there and returns up to
    // READ_SIZE. "Waits" is not a busy loop. In C the kernel puts the
    // thread to sleep until data arrives; here `await` suspends only this
    // function, and the thread goes back to Node's event loop (which sleeps
    // in epoll_wait() when it has nothing else to do). A single read may
    // return less than the client sent: TCP is a stream of bytes, and the
    // sender's writes do not survive as separate pieces.
    const bytes = await conn.read(READ_SIZE);

    // Zero bytes means EOF: the client closed its side (sent FIN) and will
    // send nothing more. That is the normal end of a conversation.
    if (bytes.length === 0) {
      log.detail("client sent EOF", conn.peer);
      return;
    }
    // One log line per read ("read 5 bytes"); --trace adds the bytes in hex.
    log.data("read", bytes, conn.peer);

    // write() waits until every byte has been handed to the kernel, which
    // sends them when the network and the client are ready. While it
    // waits, this server reads nothing: a client that sends a lot without
    // reading its echo fills the buffers on the way and is then held up by
    // TCP flow control (see the client for how it avoids waiting forever).
    await conn.write(bytes);
    log.data("wrote", bytes, conn.peer);
  }
}
