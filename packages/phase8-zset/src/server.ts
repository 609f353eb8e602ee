// Phase 6: typed replies, and `keys` (the book's chapter 9). A reply is
// now one value that says its type (response.ts): the commands write it
// into an OutBuffer, and step 3 of handleRead below sends it, or an error
// when it is over the message limit. The rest is phase 5's:
//
// The key-value server on its own hashtable (the book's chapter 8). The
// store (store.ts) keeps its keys in hashtable.ts, which grows a slice at a
// time instead of stopping the server to move every key. And phase 4's:
//
// A key-value server: get, set and del (the book's chapter 7).
//
// Until now the server echoed. From this phase on, each frame's payload is
// a command: a list of strings (request.ts). The server keeps keys and
// values (store.ts), runs the command (commands.ts) and answers with a
// status, and for `get` the value (response.ts). Everything else below is
// phase 3's event loop, unchanged but for step 3 of handleRead, where the
// application logic sits, and a bad request now closes a connection too.
//
// The event loop, from phase 3 (chapters 5 and 6):
//
// Every TCP server does three things: get a listening socket, wait for a
// client to connect, and talk to that client over a new socket of its own.
// Phases 1 and 2 did the talking in a loop that *waited*: for a client, for
// bytes, for the kernel to take a reply. While it waited for one client,
// every other client waited too; a client that sent 3 bytes of a header and
// stalled blocked the whole server. The wire format is unchanged from phase
// 2 (a 4-byte length, then that many bytes; see protocol.ts), and now
// carries a command in each frame.
//
// What changes is the shape of the code. Nothing here ever waits. The book
// puts every socket in non-blocking mode and runs one loop around poll():
// "which of these sockets can I read from or write to without waiting?",
// then does exactly that much work for each, and asks again. Node already
// is that loop (libuv, on epoll on Linux), so this file writes only what the
// loop calls, with the book's names: handleAccept when a client connects,
// handleRead when bytes arrive, handleWrite to send replies (and again when
// the kernel has room), and closing a connection once it wants to close.
// What a blocking server kept in local variables now lives in a Conn per
// client (conn.ts), because a handler returns after every event.
//
// Core's blocking stand-in (listen/accept/read/write) is gone: this phase
// uses Node's `net` module and its events directly.
import net from "node:net";
import {
  count,
  describeError,
  hostPort,
  type Logger,
  listenError,
  preview,
  sizeText,
} from "@rah/core";
import { doRequest } from "./commands.ts";
import { type Conn, createConn } from "./conn.ts";
import { OutBuffer } from "./out-buffer.ts";
import {
  encodeFrames,
  FrameTooLargeError,
  HEADER_SIZE,
  MAX_MESSAGE,
  parseFrame,
} from "./protocol.ts";
import { BadRequestError, parseRequest } from "./request.ts";
import { ERR_TOO_BIG, outErr } from "./response.ts";
import { createStore, type Store } from "./store.ts";

/**
 * The smallest message limit a server can keep: the reply that says a reply
 * was too big (ERR 2 "response is too big.", 29 bytes) must itself fit.
 */
export const MIN_MESSAGE = 29;

/** Redis's default `maxclients`: more connections than this are closed as they arrive. */
export const MAX_CONNECTIONS = 10_000;

/**
 * How many bytes of replies may wait for one client before the server stops
 * reading its requests (see handleWrite). A client that sends without
 * reading costs at most about this much memory, whatever it sends.
 */
export const MAX_QUEUED = 1024 * 1024;

/**
 * How far Node reads ahead for a client we are not reading from: the
 * socket's readable high-water mark. Once Node holds this much, it stops
 * reading from the kernel, and TCP flow control slows the client down.
 */
const READ_AHEAD = 64 * 1024;

/**
 * A read of at least this many bytes means the client is sending faster
 * than one read can hold: after answering it, the client waits for the
 * next loop turn (see handleRead, "Fair under a flood"). Redis reads at
 * most 16 KiB per readable event for the same reason.
 */
const YIELD_AFTER = 16 * 1024;

/**
 * A closing connection keeps reading, and dropping, what its client still
 * sends, until the client closes too, or has been quiet this long, or the
 * longer limit has passed (see closeConn).
 */
const LINGER_QUIET_MS = 200;
const LINGER_MAX_MS = 2_000;

/**
 * How long close() lets connections finish sending their replies before it
 * cuts them off: a client that never reads must not stop the server.
 */
const CLOSE_GRACE_MS = 2_000;

export interface ServerOptions {
  /** Address to listen on; 127.0.0.1 keeps the server private to this machine. */
  host: string;
  /** Port to listen on; 0 asks the kernel for any free one. */
  port: number;
  log: Logger;
  /** The largest request payload accepted, in bytes; MAX_MESSAGE (32 MiB) by default. */
  maxMessage?: number;
  /** How many clients may be connected at once; MAX_CONNECTIONS by default. */
  maxConnections?: number;
  /** Bytes of unsent replies per client before it stops being read; MAX_QUEUED by default. */
  maxQueued?: number;
  /** The keys and values to serve; a new, empty store by default. */
  store?: Store;
}

/** A running server: where it listens, and how to stop it. */
export interface Server {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, sends the replies owed, closes every connection, resolves when all is done. */
  close(): Promise<void>;
  /** How many clients are connected right now (each one a live Conn). */
  connections(): number;
}

/** What every handler needs: the settings, and the book's fd-to-Conn map. */
interface ServerState {
  readonly log: Logger;
  readonly maxMessage: number;
  readonly maxConnections: number;
  readonly maxQueued: number;
  /** Every live connection. The book indexes them by fd (fd2conn); a Set does here. */
  readonly conns: Set<Conn>;
  /** Every key and its value, shared by all clients: the book's g_data. */
  readonly store: Store;
  /** Where each reply is written before it is queued (one for all: a reply is taken at once). */
  readonly reply: OutBuffer;
  /** Called when the last connection is gone (while the server stops). */
  whenEmpty: (() => void) | null;
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
  if (options.maxMessage !== undefined && options.maxMessage < MIN_MESSAGE) {
    throw new RangeError(
      `maxMessage ${options.maxMessage} is below ${MIN_MESSAGE}, the size of ERR 2`,
    );
  }
  const state: ServerState = {
    log,
    maxMessage: options.maxMessage ?? MAX_MESSAGE,
    maxConnections: options.maxConnections ?? MAX_CONNECTIONS,
    maxQueued: options.maxQueued ?? MAX_QUEUED,
    conns: new Set(),
    store: options.store ?? createStore(),
    reply: new OutBuffer(),
    whenEmpty: null,
  };

  // Steps 1 and 2: socket() + setsockopt(SO_REUSEADDR) + bind() + listen().
  // Node sets SO_REUSEADDR itself, and the book's fcntl(fd, O_NONBLOCK) too:
  // every socket Node makes is non-blocking, so no call here can stall.
  //
  // - allowHalfOpen: when a client sends FIN ("no more requests"), keep our
  //   side open: handleEnd decides when to close, after the replies it is
  //   owed. By default Node ends our side by itself right after the 'end'
  //   event and fails any later write (EPIPE), which loses every reply not
  //   written yet: fine here, where replies are written as requests
  //   arrive, fatal for a server that answers later.
  // - highWaterMark: for reading, how far Node reads ahead while we do not
  //   take the bytes (READ_AHEAD); for writing, the queue size at which
  //   socket.write() returns false, so that 'drain' tells us when the queue
  //   is empty again. It must not be above the cap, or a paused client would
  //   never get its 'drain' (see handleWrite). (Setting it here needs Node
  //   20.1 or newer; older versions ignore it.)
  // - noDelay: send each write at once (TCP_NODELAY), as Redis does; we
  //   batch replies ourselves, so Nagle's algorithm would only add delay.
  const server = net.createServer({
    allowHalfOpen: true,
    highWaterMark: Math.min(READ_AHEAD, state.maxQueued),
    noDelay: true,
  });

  // The event loop itself. In C this is the program's main loop:
  //
  //   for (;;) {
  //     poll(fds)                        // sleep until some socket is ready
  //     if listening fd ready: handle_accept()
  //     for each ready conn: if POLLIN: handle_read(); if POLLOUT: handle_write()
  //                          if want_close: close it
  //   }
  //
  // Node runs that loop for us and turns "fd ready" into events. All we do
  // is say which function each event calls. 'connection' is the listening
  // socket being readable: Node has already called accept().
  server.on("connection", (socket: net.Socket) => handleAccept(state, socket));

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(listenError(err, options.host, options.port)));
    // listen(2)'s backlog: Node passes 511 unless told otherwise, and Linux
    // caps it at net.core.somaxconn. Node accepts as fast as clients come,
    // so the kernel's queue rarely holds anyone for long.
    server.listen({ host: options.host, port: options.port }, () => resolve());
  });
  // From now on an error on the listening socket is logged, never fatal.
  // (Running out of file descriptors is not one of them: when accept()
  // fails with EMFILE, libuv closes a spare fd it keeps for this, accepts
  // the connection, closes it at once, and tells nobody.)
  server.removeAllListeners("error");
  server.on("error", (err) => log.error(`accept failed: ${describeError(err)}`));

  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  log.info(`listening on ${hostPort(options.host, port)}`);

  let closing: Promise<void> | null = null;
  return {
    host: options.host,
    port,
    connections: () => state.conns.size,
    close() {
      closing ??= stop(server, state);
      return closing;
    },
  };
}

/** Stops the server: no new clients, replies owed are sent, every connection closed. */
async function stop(server: net.Server, state: ServerState): Promise<void> {
  // close() on the listening socket: no new clients.
  const unlistened = new Promise<void>((resolve) => server.close(() => resolve()));
  const empty = new Promise<void>((resolve) => {
    if (state.conns.size === 0) resolve();
    else state.whenEmpty = resolve;
  });
  // Every request that reached handleRead has been answered already: it
  // answers all the whole requests it has before it returns. So each
  // connection only has to send what is queued, then close: want_close.
  // (Bytes still in the kernel, or held back by Node for a paused client,
  // are never answered: the server is going away.)
  for (const conn of state.conns) {
    conn.wantClose = true;
    handleWrite(state, conn);
  }
  // A client that never reads its replies would keep us waiting forever.
  const cutoff = setTimeout(() => {
    for (const conn of state.conns) conn.socket.destroy();
  }, CLOSE_GRACE_MS);
  await Promise.all([unlistened, empty]);
  clearTimeout(cutoff);
  state.log.info("server stopped");
}

/**
 * A new client: the book's handle_accept(). Node has already called
 * accept() and made the connection non-blocking; we decide whether to keep
 * it, and say which function handles each of its events.
 */
function handleAccept(state: ServerState, socket: net.Socket): void {
  const conn = createConn(socket);
  const { log } = state;

  // The events of this connection. Each one is a line of the book's poll()
  // loop: 'data' is POLLIN plus the read() that follows it (Node reads for
  // us and hands over the bytes: see handleRead for how much); 'drain' is
  // POLLOUT once everything queued has gone to the kernel; 'end' is read()
  // returning 0 (the client sent FIN); 'error' is a call failing with errno
  // set (ECONNRESET, EPIPE), and 'close' comes last, after close(fd).
  socket.on("data", (chunk: Buffer) => handleRead(state, conn, chunk));
  socket.on("drain", () => handleWrite(state, conn));
  socket.on("end", () => handleEnd(state, conn));
  socket.on("error", (err) => {
    // A reset or a broken pipe ends this client, never the server. An
    // 'error' with no listener would crash the whole process, so every
    // socket gets one. Node destroys the socket next and emits 'close'.
    log.warn(`connection lost: ${describeError(err)}`, conn.peer);
  });

  // Every connection costs a file descriptor and some memory, so there is a
  // limit (Redis calls it maxclients). Over it, close at once, politely
  // (closeConn: FIN, not RST): the client sees its connection end before
  // any reply, and the clients already here are unaffected. (Node's
  // server.maxConnections does the same thing, with an RST; here it is in
  // view.)
  if (state.conns.size >= state.maxConnections) {
    log.warn(
      `refused: already serving ${count(state.conns.size, "client")}, the limit (--max-connections ${state.maxConnections})`,
      conn.peer,
    );
    conn.wantClose = true;
    closeConn(conn);
    return;
  }
  state.conns.add(conn);
  log.info("accepted", conn.peer);
  socket.on("close", () => {
    // The fd is closed; forget the connection and its buffers.
    state.conns.delete(conn);
    conn.incoming.clear();
    conn.outgoing.length = 0;
    log.info("closed", conn.peer);
    if (state.conns.size === 0) state.whenEmpty?.();
  });
}

/**
 * Bytes arrived: the book's handle_read(). Append them to what was already
 * waiting, answer every whole request, write the replies.
 *
 * A read may hold any number of requests: half of one, exactly one, or the
 * tail of one plus ten more and the head of the next. Clients that send
 * many requests before reading any reply (pipelining) make that common. So
 * the parse is a loop: answer requests while whole ones are there, keep the
 * unfinished tail for the next read. Nothing waits for the rest of a
 * request; the next 'data' event brings it.
 */
function handleRead(state: ServerState, conn: Conn, chunk: Buffer): void {
  if (conn.wantClose) return; // closing: whatever still arrives is not read
  const { log } = state;
  if (log.tracing) log.trace("read", chunk, conn.peer);

  // 1. Append. Usually nothing was waiting and the chunk is used as it is.
  conn.incoming.append(chunk);

  // 2. Parse every whole request. `offset` walks through the waiting bytes;
  //    the book instead erases each request from the front of the buffer
  //    (a copy of all the bytes behind it), which makes a read holding n
  //    requests cost O(n^2). Moving an offset costs nothing.
  const bytes = conn.incoming.bytes();
  let offset = 0;
  let refused: FrameTooLargeError | BadRequestError | null = null;
  // The commands of this read, for the log line (only when it is printed).
  const said: string[][] = [];
  try {
    for (;;) {
      const payload = parseFrame(bytes, offset, state.maxMessage);
      if (payload === null) break; // an unfinished request: wait for more bytes
      offset += HEADER_SIZE + payload.length;

      // 3. The application logic: the payload is a command. Parse it (its
      //    strings are copied out, so nothing keeps this read's bytes),
      //    run it against the store, which writes the reply into
      //    state.reply, and queue the reply. A payload that is not a valid
      //    request throws BadRequestError.
      const args = parseRequest(payload);
      if (log.detailed) said.push(args);
      doRequest(state.store, args, state.reply);
      conn.outgoing.push(finishReply(state, conn));
    }
  } catch (err: unknown) {
    if (!(err instanceof FrameTooLargeError || err instanceof BadRequestError)) throw err;
    // The header asked for more than the limit, or the payload is not a
    // request. Either way nothing after it can be trusted to start a new
    // request: hang up, once the replies to the requests before it are sent.
    // (The book logs it and closes the same way, without a reply.)
    refused = err;
    conn.wantClose = true;
  }
  // One log line for everything this read brought, however many requests:
  // a client that pipelines thousands per read must not flood the log (or
  // the terminal, which would then slow the whole server down).
  if (said.length > 0) log.detail(describeCommands(said), conn.peer);
  if (refused instanceof BadRequestError) {
    log.warn(`bad request: ${refused.message}; closing the connection`, conn.peer);
  } else if (refused) {
    log.warn(`request refused: ${refused.message}; closing without reading it`, conn.peer);
  }
  // Drop the answered requests: one move of the start offset (buffer.ts).
  conn.incoming.consume(offset);
  // An unfinished request whose header is here says how big it is (and
  // parseFrame has checked that against the limit): let the buffer make
  // room for all of it at once when the next bytes come.
  if (bytes.length - offset >= HEADER_SIZE && !conn.wantClose) {
    conn.incoming.reserve(HEADER_SIZE + bytes.readUInt32LE(offset));
  }

  // 4. Send the replies now, in one write (the book tries a write right
  //    away too, rather than waiting for poll() to say the socket has room).
  handleWrite(state, conn);

  // 5. Fair under a flood. Node, like the book's loop, serves one ready
  //    socket after another, and libuv reads a ready socket up to 32 times
  //    (64 KiB each) before it moves on: a client that sends as fast as it
  //    can would get about 2 MiB of our time per turn while everyone else
  //    waits. So after a big read (the client has more waiting than one
  //    read holds), this client sits out the rest of the turn: pause() stops
  //    its 'data' events (Node reads ahead at most READ_AHEAD more, then
  //    stops reading from the kernel), and setImmediate() resumes it in the
  //    loop's check phase, after every other socket that was ready has been
  //    served. Each client gets at most one read's worth of work per turn.
  if (chunk.length >= YIELD_AFTER && conn.wantRead) {
    conn.socket.pause();
    setImmediate(() => {
      // Unless something else stopped reading meanwhile (the cap, a close).
      if (conn.wantRead && !conn.socket.destroyed) conn.socket.resume();
    });
  }
}

/**
 * The reply just written, handed over for sending: the book's
 * response_end(). A reply over the message limit (`keys` on a big store)
 * could never be read by a client that checks the limit, so it is thrown
 * away and replaced by ERR 2. It had to be written in full before anyone
 * knew it was too big: the price of a format that states sizes up front.
 */
function finishReply(state: ServerState, conn: Conn): Buffer {
  const out = state.reply;
  if (out.length > state.maxMessage) {
    state.log.warn(
      `a reply of ${count(out.length, "byte")} is over the limit of ${sizeText(state.maxMessage)}: sent ERR ${ERR_TOO_BIG} instead`,
      conn.peer,
    );
    out.truncate(0);
    outErr(out, ERR_TOO_BIG, "response is too big.");
  }
  return out.take();
}

/**
 * One log line for the commands of one read: all of them when there are a
 * few, the first three and how many more when there are many.
 */
function describeCommands(commands: readonly string[][]): string {
  const shown = commands.slice(0, 3).map(describeCommand);
  if (commands.length === 1) return `client says: ${shown[0]}`;
  const more = commands.length > shown.length ? `, and ${commands.length - shown.length} more` : "";
  return `client says ${commands.length} commands in one read: ${shown.join(", ")}${more}`;
}

/** A command as a person would type it: plain words as they are, anything else quoted or in hex. */
function describeCommand(args: readonly string[]): string {
  if (args.length === 0) return "(an empty command)";
  return args
    .map((arg) =>
      /^[!-~]{1,48}$/.test(arg) && !arg.includes('"') ? arg : preview(Buffer.from(arg, "latin1")),
    )
    .join(" ");
}

/**
 * Sends the replies waiting in conn.outgoing, then decides whether to keep
 * reading: the book's handle_write(). Called after each read, and again on
 * 'drain', when Node has handed every queued byte to the kernel.
 */
function handleWrite(state: ServerState, conn: Conn): void {
  const { socket } = conn;
  if (socket.destroyed) return;

  if (conn.outgoing.length > 0) {
    // All replies of this read go out in one write, however many there
    // are: one syscall instead of one per reply. encodeFrames() copies
    // small replies into one buffer and leaves big payloads where they are;
    // cork() holds the pieces back and uncork() hands them to the kernel
    // together (one writev() call).
    const pieces = encodeFrames(conn.outgoing, state.maxMessage);
    conn.outgoing.length = 0; // emptied, the same array reused for the next read
    // In C, write() on a non-blocking socket takes what fits in the kernel's
    // send buffer and returns how much that was, or fails with EAGAIN when
    // it is full; the caller keeps the rest and waits for POLLOUT. Node's
    // write() always takes everything: what the kernel does not take yet
    // waits in Node's queue (socket.writableLength), and write() returns
    // false once that queue reaches the high-water mark.
    if (pieces.length > 1) socket.cork();
    for (const piece of pieces) socket.write(piece);
    if (pieces.length > 1) socket.uncork();
    if (state.log.detailed) {
      const bytes = pieces.reduce((sum, piece) => sum + piece.length, 0);
      state.log.detail(`wrote ${count(bytes, "byte")} of replies`, conn.peer);
    }
    if (state.log.tracing) state.log.trace("wrote", Buffer.concat(pieces), conn.peer);
  }

  if (conn.wantClose) {
    // want_close: send what is queued, then close (politely: closeConn).
    // The book closes at once and drops the queue; a client whose last
    // requests were whole still deserves their replies.
    closeConn(conn);
    return;
  }

  // want_write: this client's unsent replies have reached the cap. Checked
  // here after every write; cleared when 'drain' says the queue is empty.
  conn.wantWrite = socket.writableLength >= state.maxQueued;

  // want_read is the opposite of want_write. While this client's replies
  // pile up unread, stop reading its requests: pause() stops the 'data'
  // events, Node soon stops reading from the kernel, whose buffer fills,
  // and TCP flow control makes the client stop sending. Its memory stays
  // bounded (the cap plus the replies of one read, outgoing; READ_AHEAD
  // incoming), and nobody else notices. 'drain' brings us back here.
  // (The book stops reading whenever any reply is waiting; letting replies
  // up to the cap queue keeps pipelined clients streaming.)
  const wantRead = !conn.wantWrite;
  if (wantRead === conn.wantRead) return;
  conn.wantRead = wantRead;
  if (wantRead) {
    socket.resume();
    state.log.detail("reading again: the queued replies went out", conn.peer);
  } else {
    socket.pause();
    state.log.detail(
      `stopped reading: ${socket.writableLength} bytes of replies queued, the cap is ${sizeText(state.maxQueued)} (--max-queued)`,
      conn.peer,
    );
  }
}

/**
 * The client sent FIN: read() returned 0 in the book. It will send nothing
 * more, but may still be reading. Every whole request it sent is answered
 * already (handleRead answers before it returns), so what is left is to
 * send the queued replies and close: want_close.
 */
function handleEnd(state: ServerState, conn: Conn): void {
  if (conn.wantClose) return; // already closing: this FIN was the last step of it
  const unfinished = conn.incoming.length;
  if (unfinished > 0) {
    state.log.warn(
      `client closed its side in the middle of a request (${count(unfinished, "byte")} of it dropped)`,
      conn.peer,
    );
  } else {
    state.log.detail("client sent EOF", conn.peer);
  }
  conn.wantClose = true;
  handleWrite(state, conn);
}

/**
 * want_close, done politely: a "lingering close". The book calls close(fd)
 * at once. But when the client has sent bytes we never read (after an
 * oversized header, say), closing makes the kernel answer with RST instead
 * of FIN, and an RST throws away whatever our kernel had not sent yet:
 * replies the client is owed. So: send the queued replies and then FIN
 * (end()), keep reading and dropping whatever the client still sends, and
 * release the fd (destroy()) only when the client has closed its side too
 * (Node then closes the socket by itself), or has been quiet for
 * LINGER_QUIET_MS, or after LINGER_MAX_MS. That is what `close()` of a
 * socket with unread input should look like in C too: shutdown(SHUT_WR),
 * read until EOF or a timeout, close().
 */
function closeConn(conn: Conn): void {
  const { socket } = conn;
  conn.wantRead = false;
  conn.incoming.clear();
  if (socket.writableEnded) return; // already under way
  socket.end();
  // From now on, what arrives is read and dropped (handleRead returns at
  // once for a closing Conn); resume() in case the client was paused.
  socket.resume();
  socket.once("finish", () => {
    // Everything we owed is with the kernel, and our FIN behind it.
    const give = () => socket.destroy();
    const quiet = setTimeout(give, LINGER_QUIET_MS);
    const limit = setTimeout(give, LINGER_MAX_MS);
    socket.on("data", () => quiet.refresh());
    socket.once("close", () => {
      clearTimeout(quiet);
      clearTimeout(limit);
    });
  });
}
