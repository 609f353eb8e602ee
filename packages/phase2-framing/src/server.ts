// Phase 2: framed messages, still one client at a time (the book's chapter 4).
//
// Every TCP server does three things: get a listening socket, wait for a
// client to connect, and talk to that client over a new socket of its own.
// Phase 1 talked by echoing raw bytes, so the only way to end a message was
// to end the connection. TCP is a byte stream: it keeps the bytes in order
// but not where one write stopped and the next began. So from this phase on
// every request and every reply is a *frame*, a 4-byte length followed by
// that many bytes (see protocol.ts), and one connection carries as many
// requests as the client likes. The server still echoes: each request's
// payload comes back as the payload of one reply frame, until the client
// says it is done (EOF). Then the server closes that connection and waits
// for the next client.
//
// The calls below (listen, accept, read, write, close) come from @rah/core's
// blocking stand-in: each one waits, like the C call it is named after, so
// this file reads like the book's C code. See packages/core/src/blocking.ts
// for how each maps to its syscall and where Node differs.
import {
  type Connection,
  count,
  describeError,
  hostPort,
  type Listener,
  type Logger,
  listen,
  preview,
  ShutdownError,
} from "@rah/core";
import { readFull, writeAll } from "./io.ts";
import {
  decodeHeader,
  encodeFrame,
  FrameTooLargeError,
  HEADER_SIZE,
  UnexpectedEofError,
} from "./protocol.ts";

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
 * take the next. Unchanged from phase 1, except that a client can now also
 * end its turn by breaking the protocol.
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
      // A bad frame, a reset or a broken pipe ends this client, never the
      // server: log it, close this connection, and go on to the next client.
      // The book's C checks each call's return value and prints errno with
      // perror() or a message with fprintf(stderr); here each failure is a
      // typed error thrown from deep inside readRequest(), and this one
      // place decides what to say about it.
      if (err instanceof ShutdownError) {
        // Our own close() ended the conversation: the server is stopping.
        log.info("closing: the server is shutting down", conn.peer);
      } else if (err instanceof FrameTooLargeError) {
        // The header asked for more than MAX_MESSAGE. Its payload was never
        // read, so there is no way to find where the next frame starts: the
        // only safe move is to hang up.
        log.warn(`request refused: ${err.message}; closing without reading it`, conn.peer);
      } else if (err instanceof UnexpectedEofError) {
        // The client closed its side in the middle of a frame.
        log.warn(err.message, conn.peer);
      } else {
        log.warn(`connection lost: ${describeError(err)}`, conn.peer);
      }
    } finally {
      // close() releases the connection's fd; the kernel sends FIN to the
      // client, which then sees EOF after the last reply. (If bytes the
      // server never read are still waiting, as after a refused frame, the
      // kernel sends RST instead, and the client sees a reset.)
      conn.close();
      log.info("closed", conn.peer);
    }
  }
}

/**
 * Serve one client: a loop of one request at a time. Read a whole frame,
 * write a whole reply frame, repeat until the client closes its side.
 *
 * This is the book's loop around one_request(). The payload is never
 * decoded to text, so any bytes (UTF-8, binary, NUL) come back exactly.
 */
async function handleClient(conn: Connection, log: Logger): Promise<void> {
  for (;;) {
    const request = await readRequest(conn, log);

    // null means EOF *between* frames: the client closed its side after a
    // whole number of requests. That is the normal end of a conversation.
    if (request === null) {
      log.detail("client sent EOF", conn.peer);
      return;
    }
    // The book prints the payload as text; preview() prints text as text
    // and anything else as hex, so binary data cannot garble the terminal.
    log.detail(`client says: ${preview(request)} (${count(request.length, "byte")})`, conn.peer);

    // The reply uses the same framing: its length, then its bytes. The
    // book's server answers "world" to every request; this one echoes the
    // payload, so a test can check that every byte came back. The request
    // was at most MAX_MESSAGE bytes, so its echo fits in a frame.
    const reply = encodeFrame(request);
    await writeAll(conn, reply);
    log.detail(
      `wrote ${reply.length} bytes (${HEADER_SIZE}-byte header + ${request.length})`,
      conn.peer,
    );
    log.trace("wrote header + payload", reply, conn.peer);
  }
}

/**
 * Reads one request frame and returns its payload.
 *
 * Returns null if the client closed the connection before the first byte of
 * a frame (a clean end). Throws UnexpectedEofError if it closed in the middle
 * of one, and FrameTooLargeError if the header's length is over MAX_MESSAGE;
 * in that case the payload is neither read nor given any memory.
 */
export async function readRequest(conn: Connection, log: Logger): Promise<Buffer | null> {
  // 1. The header: exactly 4 bytes. They may arrive in one read or in four;
  //    readFull() hides the difference.
  const header = await readFull(conn, HEADER_SIZE);
  if (header.length === 0) return null;
  if (header.length < HEADER_SIZE) {
    throw new UnexpectedEofError("header", header.length, HEADER_SIZE);
  }
  log.trace("read header", header, conn.peer);

  // 2. Check the length *before* touching the payload. Without this a
  //    header of ff ff ff ff would make the server wait for, and allocate,
  //    4 GiB. The book does the same check against k_max_msg.
  const length = decodeHeader(header);

  // 3. The payload: exactly `length` bytes. Zero is fine: an empty
  //    message is still a message, and gets an empty reply.
  const payload = await readFull(conn, length);
  if (payload.length < length) throw new UnexpectedEofError("payload", payload.length, length);
  if (length > 0) log.trace("read payload", payload, conn.peer);
  return payload;
}
