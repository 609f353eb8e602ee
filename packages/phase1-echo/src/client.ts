// Phase 1's client: connect, send one message, say "that's all", read the
// echo until the server closes.
//
// A client needs only two of the server's steps: socket() and connect().
// It never binds or listens; the kernel gives it a free local port.
import type { Interface as ReadLine } from "node:readline";
import { type Connection, connect, connectError } from "@rah/core";

/** Bytes to ask for per read(); any size works, it only changes how many reads it takes. */
const READ_SIZE = 4096;

/**
 * Sends `message` on a new connection and returns everything the server
 * sent back before it closed the connection.
 *
 * Rejects with a friendly error if no server is listening (connection
 * refused) or the server resets the connection.
 */
export async function exchange(host: string, port: number, message: Uint8Array): Promise<Buffer> {
  // socket() + connect(): a connection to host:port.
  const conn = await connect(host, port);
  try {
    await conn.write(message);
    // shutdown(SHUT_WR) sends FIN: "I will send nothing more". The server's
    // read() then returns 0 bytes (EOF), which is how an echo server knows
    // the message is complete. Reading still works after it: TCP closes
    // each direction separately (a "half-close").
    await conn.shutdownWrite();
    return await readUntilEof(conn);
  } catch (err: unknown) {
    throw connectError(err, host, port);
  } finally {
    // close(): release the fd. Always, even after an error.
    conn.close();
  }
}

/** Reads until the server closes its side. read() may return any amount each time. */
async function readUntilEof(conn: Connection): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (;;) {
    const bytes = await conn.read(READ_SIZE);
    if (bytes.length === 0) return Buffer.concat(parts); // EOF: the echo is complete
    parts.push(bytes);
  }
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
