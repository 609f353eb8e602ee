// Phase 1's client: connect, send a message, say "that's all", and read the
// echo until the server closes.
//
// A client needs only two of the server's steps: socket() and connect().
// It never binds or listens; the kernel gives it a free local port.
//
// The one subtle part is the order of writing and reading. The obvious
// client writes the whole message, then reads the echo. That works for a
// short message and hangs for a long one: the server echoes as it reads,
// but it cannot write faster than we read, so once the echo fills our
// receive buffer and its send buffer (a few MiB on loopback), the server
// stops in write() and stops reading; then our own write() stops too,
// because the server's receive buffer is full. Each side waits for the
// other, for ever: a deadlock. So this client writes and reads at the same
// time. In C that takes two threads, or non-blocking sockets and poll();
// here it is two async loops sharing one connection.
import type { Interface as ReadLine } from "node:readline";
import { type Connection, connect, connectError } from "@rah/core";

/** Bytes to ask for per read(); any size works, it only changes how many reads it takes. */
const READ_SIZE = 4096;

/**
 * Sends every chunk of `message` on a new connection, then half-closes,
 * and hands each piece of the echo to `received` as it arrives, until the
 * server closes the connection. Sending and receiving run at the same
 * time, so a message of any size goes through (see the top of the file).
 *
 * `received` may return a promise (for example, to wait until stdout has
 * taken the bytes): no more is read until it settles, so a slow reader
 * slows the server down instead of filling this process's memory.
 *
 * Rejects with a friendly error if no server is listening (connection
 * refused) or the server resets the connection.
 */
export async function relay(
  host: string,
  port: number,
  message: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  received: (bytes: Buffer) => void | Promise<void>,
): Promise<void> {
  // socket() + connect(): a connection to host:port.
  const conn = await connect(host, port);
  try {
    // Both loops start now; Promise.all waits for both, and fails as soon
    // as either fails (the finally below then closes the connection, which
    // ends the other one too).
    await Promise.all([send(conn, message), receive(conn, received)]);
  } catch (err: unknown) {
    throw connectError(err, host, port);
  } finally {
    // close(): release the fd. Always, even after an error.
    conn.close();
  }
}

/** The sending loop: every chunk, then FIN. */
async function send(
  conn: Connection,
  message: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<void> {
  for await (const chunk of message) await conn.write(chunk);
  // shutdown(SHUT_WR) sends FIN: "I will send nothing more". The server's
  // read() then returns 0 bytes (EOF), which is how an echo server knows
  // the message is complete. Reading still works after it: TCP closes
  // each direction separately (a "half-close").
  await conn.shutdownWrite();
}

/** The receiving loop: read until the server closes its side. read() may return any amount each time. */
async function receive(
  conn: Connection,
  received: (bytes: Buffer) => void | Promise<void>,
): Promise<void> {
  for (;;) {
    const bytes = await conn.read(READ_SIZE);
    if (bytes.length === 0) return; // EOF: the echo is complete
    await received(bytes);
  }
}

/** One message, its whole echo back: relay() collecting the pieces. */
export async function exchange(host: string, port: number, message: Uint8Array): Promise<Buffer> {
  const parts: Buffer[] = [];
  await relay(host, port, [message], (bytes) => {
    parts.push(bytes);
  });
  return Buffer.concat(parts);
}

/**
 * The interactive client: every line typed is sent on a connection of its
 * own, and the echo printed. One connection per message is the only way to
 * tell messages apart in phase 1: the end of a message is the end of the
 * connection. Phase 2 fixes that with framing.
 */
export async function interactive(
  host: string,
  port: number,
  lines: ReadLine,
  print: (text: string) => void,
): Promise<void> {
  lines.setPrompt("> ");
  lines.prompt();
  for await (const line of lines) {
    const reply = await exchange(host, port, Buffer.from(line));
    print(`server says: ${reply.toString()}`);
    lines.prompt();
  }
}
