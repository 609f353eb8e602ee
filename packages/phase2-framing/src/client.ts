// Phase 2's client: connect once, then for each message write one request
// frame and read one reply frame, on the same connection.
//
// A client needs only two of the server's steps: socket() and connect().
// It never binds or listens; the kernel gives it a free local port.
//
// In phase 1 the end of a message was the end of the connection, so every
// message needed a connection of its own. Frames carry their own length, so
// now one connection carries any number of messages, one after the other.
// The client reads replies exactly as the server reads requests: 4 bytes of
// length, checked against the limit, then exactly that many bytes, with the
// same readFull() (io.ts).
import type { Interface as ReadLine } from "node:readline";
import { type Connection, ConnectionLostError, connect, connectError } from "@rah/core";
import { readFull, writeAll } from "./io.ts";
import {
  decodeHeader,
  encodeFrame,
  FrameTooLargeError,
  HEADER_SIZE,
  MAX_MESSAGE,
  UnexpectedEofError,
} from "./protocol.ts";

/**
 * Refuses a message that does not fit in a frame, before anything is sent:
 * the server would only hang up on it.
 */
export function checkMessage(message: Uint8Array): void {
  // The same limit the server enforces, checked on this side: a user's
  // mistake is then one clear sentence, not a connection the server drops.
  if (message.length > MAX_MESSAGE) {
    throw new FrameTooLargeError(
      message.length,
      MAX_MESSAGE,
      "the message was not sent; split it or send a shorter one",
    );
  }
}

/**
 * One request, one reply: the book's query(). Writes `message` as a frame,
 * then reads the reply frame and returns its payload.
 *
 * Nothing else is sent until the reply is in: no pipelining yet. Throws
 * UnexpectedEofError if the server closes before the whole reply arrived.
 */
export async function query(conn: Connection, message: Uint8Array): Promise<Buffer> {
  checkMessage(message);
  // The length, then the bytes, in one write: the server's readFull() does
  // not care how they are cut up on the way.
  await writeAll(conn, encodeFrame(message));
  return readReply(conn);
}

/**
 * Reads one reply frame and returns its payload: 4 bytes of length,
 * checked against the limit, then the payload.
 */
export async function readReply(conn: Connection): Promise<Buffer> {
  // A server is trusted no more than a client: a header claiming 4 GiB is
  // refused before anything is allocated for it (decodeHeader throws).
  const header = await readFull(conn, HEADER_SIZE);
  if (header.length < HEADER_SIZE) {
    throw new UnexpectedEofError("header", header.length, HEADER_SIZE);
  }
  const length = decodeHeader(header);
  // Then exactly `length` bytes, however TCP cuts them up. Fewer means the
  // server closed in the middle of the reply.
  const reply = await readFull(conn, length);
  if (reply.length < length) throw new UnexpectedEofError("payload", reply.length, length);
  return reply;
}

/**
 * Sends each message in turn on one new connection and returns the replies,
 * in order.
 *
 * Every message is checked against MAX_MESSAGE before connecting, so an
 * oversized one means nothing at all is sent. Rejects with a friendly
 * error if no server is listening, or the server goes away mid-exchange.
 */
export async function exchange(
  host: string,
  port: number,
  messages: readonly Uint8Array[],
): Promise<Buffer[]> {
  // Check every message first: a bad one found halfway would leave the
  // earlier ones sent and answered, and the user unsure what happened.
  for (const message of messages) checkMessage(message);
  // socket() + connect(): a connection to host:port.
  const conn = await connect(host, port);
  try {
    const replies: Buffer[] = [];
    // One round trip per message: write, then wait for the reply.
    for (const message of messages) replies.push(await query(conn, message));
    // close() below sends FIN: the server's next read returns 0 bytes, a
    // clean EOF between frames, and it moves on to its next client.
    return replies;
  } catch (err: unknown) {
    throw lostConnection(err, host, port);
  } finally {
    // close(): release the fd. Always, even after an error.
    conn.close();
  }
}

/**
 * The interactive client: every line typed is one request, all on ONE
 * connection, and each reply is printed before the next line is read.
 * Phase 1 needed a connection per line; framing is what makes one enough.
 */
export async function interactive(
  host: string,
  port: number,
  lines: ReadLine,
  print: (text: string) => void,
): Promise<void> {
  // Take lines from readline before connecting: a line typed (or piped in)
  // while connect() is still waiting is then kept, not dropped.
  const typed = lines[Symbol.asyncIterator]();
  // One connection for the whole session: socket() + connect() once.
  const conn = await connect(host, port);
  try {
    lines.setPrompt("> ");
    lines.prompt();
    // Each line typed: one request, then wait for its reply before the
    // next prompt (a person reads the answer before typing on).
    for (let next = await typed.next(); !next.done; next = await typed.next()) {
      const message = Buffer.from(next.value);
      if (message.length > MAX_MESSAGE) {
        // A typing mistake should not end the session: say so, keep going.
        print(`not sent: length ${message.length} exceeds the ${MAX_MESSAGE}-byte limit`);
      } else {
        const reply = await query(conn, message);
        print(`server says: ${reply.toString()}`);
      }
      lines.prompt();
    }
  } catch (err: unknown) {
    throw lostConnection(err, host, port);
  } finally {
    // Ctrl-D (the end of the input) or an error: release the fd either way.
    conn.close();
  }
}

/**
 * The one-sentence error for a connection that broke during an exchange:
 * what main() prints, in place of a stack trace.
 */
function lostConnection(err: unknown, host: string, port: number): unknown {
  if (err instanceof UnexpectedEofError) {
    // EOF before any byte of a reply: the server hung up on us; EOF inside
    // one: it promised more bytes than it sent.
    const before = err.part === "header" && err.received === 0;
    const when = before ? "before replying" : `in the middle of a reply (${err.message})`;
    return new ConnectionLostError(host, port, `closed the connection ${when}`, err);
  }
  // A reset or broken pipe becomes ConnectionLostError; anything else as it is.
  return connectError(err, host, port);
}
