// Phase 6's client: the book's chapter 9 client. A command (its words, as
// the user typed them) goes out as one request, and each reply, a typed
// value, is printed the way the book's client prints it: a line per value,
// `(str) v`, `(nil)`, `(int) 1`, `(err) 1 unknown command.`, and for an
// array `(arr) len=2`, its values, then `(arr) end`.
//
// From phase 3, unchanged: connect once, send every request, then read the
// replies, in order (the book's chapter 6 client).
//
// A client needs only two of the server's steps: socket() and connect().
// It never binds or listens; the kernel gives it a free local port.
//
// Phase 2's client waited for each reply before sending the next request:
// one network round trip per request. Sending them all first and reading
// the replies after (pipelining) costs one round trip for the lot. It works
// because TCP keeps bytes in order and the server answers requests in the
// order they arrive, so the n-th reply belongs to the n-th request.
// `--no-pipeline` brings back the one-at-a-time behaviour. The client is
// still written in the blocking style (core's stand-in): it has one
// connection and nothing else to do while it waits, so only the server
// needs an event loop.
import type { Interface as ReadLine } from "node:readline";
import { type Connection, ConnectionLostError, connect, connectError, UserError } from "@rah/core";
import { readFull, writeAll } from "./io.ts";
import {
  decodeHeader,
  encodeFrame,
  FrameTooLargeError,
  HEADER_SIZE,
  MAX_MESSAGE,
  UnexpectedEofError,
} from "./protocol.ts";
import { encodeRequest } from "./request.ts";
import { decodeReply, formatValue, MalformedReplyError } from "./response.ts";
import { splitWords, UnfinishedLineError } from "./words.ts";

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
      "the command was not sent; send a shorter one",
    );
  }
}

/**
 * One request, one reply: the book's query(). Writes `message` as a frame,
 * then reads the reply frame and returns its payload.
 *
 * Nothing else is sent until the reply is in. Throws UnexpectedEofError if
 * the server closes before the whole reply arrived.
 */
export async function query(conn: Connection, message: Uint8Array): Promise<Buffer> {
  checkMessage(message);
  // The length, then the bytes, in one write: the server's parser does
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

export interface ExchangeOptions {
  /** Send every request before reading any reply (the default), or one at a time. */
  pipeline?: boolean;
}

/**
 * Sends every message on one new connection and returns the replies, in
 * order. Pipelined unless `options.pipeline` is false.
 *
 * Every message is checked against MAX_MESSAGE before connecting, so an
 * oversized one means nothing at all is sent. Rejects with a friendly
 * error if no server is listening, or the server goes away mid-exchange.
 */
export async function exchange(
  host: string,
  port: number,
  messages: readonly Uint8Array[],
  options: ExchangeOptions = {},
): Promise<Buffer[]> {
  // Check every message first: a bad one found halfway would leave the
  // earlier ones sent and answered, and the user unsure what happened.
  for (const message of messages) checkMessage(message);
  // socket() + connect(): a connection to host:port.
  const conn = await connect(host, port);
  try {
    const replies: Buffer[] = [];
    if (options.pipeline === false) {
      // One round trip per message: write, then wait for the reply.
      for (const message of messages) replies.push(await query(conn, message));
    } else {
      // Every request in one write, then every reply. The write is not
      // awaited before reading: with a long pipeline, replies could fill
      // our receive buffer while we still send, the server would stop
      // reading from us (it does, on purpose: see server.ts), and each side
      // would wait for the other for ever: phase 1's deadlock again. So
      // read while the write finishes, and check that it did at the end.
      const sent = writeAll(conn, Buffer.concat(messages.map((m) => encodeFrame(m))));
      sent.catch(() => {}); // a failed write also fails the reads; report that one
      for (let i = 0; i < messages.length; i++) replies.push(await readReply(conn));
      await sent;
    }
    // close() below sends FIN: the server's next read returns 0 bytes, a
    // clean EOF between frames, and it closes the connection.
    return replies;
  } catch (err: unknown) {
    throw lostConnection(err, host, port);
  } finally {
    // close(): release the fd. Always, even after an error.
    conn.close();
  }
}

/**
 * Sends each command on one new connection, pipelined unless
 * `options.pipeline` is false, and returns what the book's client prints
 * for each reply, in order: its lines (see printable), as raw bytes (a
 * string is printed as the bytes it is).
 *
 * A command is its words: text the user typed goes out as its UTF-8
 * bytes, and bytes (a Uint8Array) as they are, one string of the request
 * each (request.ts).
 */
export async function runCommands(
  host: string,
  port: number,
  commands: readonly (readonly (string | Uint8Array)[])[],
  options: ExchangeOptions = {},
): Promise<Buffer[]> {
  const payloads = commands.map(commandPayload);
  const replies = await exchange(host, port, payloads, options);
  return replies.map((reply) => printable(reply, host, port));
}

/** A command's words as a request payload: text as its UTF-8 bytes, bytes as they are. */
function commandPayload(words: readonly (string | Uint8Array)[]): Buffer {
  return encodeRequest(words.map((word) => (typeof word === "string" ? Buffer.from(word) : word)));
}

/**
 * What the book's client prints for one reply: a line per value, an array
 * opened and closed by lines of its own. Bytes that are not a valid reply
 * are a one-sentence error, never a crash.
 */
function printable(reply: Buffer, host: string, port: number): Buffer {
  try {
    return formatValue(decodeReply(reply));
  } catch (err: unknown) {
    if (!(err instanceof MalformedReplyError)) throw err;
    throw new UserError(`the server at ${host}:${port} sent what is not a reply: ${err.message}`);
  }
}

/**
 * The interactive client: every line typed is one command, split into words
 * the way a shell would (words.ts: quotes make "" an empty argument), all on
 * ONE connection, and each response is printed before the next line is read.
 */
export async function interactive(
  host: string,
  port: number,
  lines: ReadLine,
  print: (output: Buffer | string) => void,
): Promise<void> {
  // Take lines from readline before connecting: a line typed (or piped in)
  // while connect() is still waiting is then kept, not dropped.
  const typed = lines[Symbol.asyncIterator]();
  // One connection for the whole session: socket() + connect() once.
  const conn = await connect(host, port);
  try {
    lines.setPrompt("> ");
    lines.prompt();
    // Each line typed: one command, then wait for its response before the
    // next prompt (a person reads the answer before typing on).
    for (let next = await typed.next(); !next.done; next = await typed.next()) {
      const words = wordsOf(next.value, print);
      if (words !== null && words.length > 0) {
        const message = commandPayload(words);
        if (message.length > MAX_MESSAGE) {
          // A typing mistake should not end the session: say so, keep going.
          print(`not sent: length ${message.length} exceeds the ${MAX_MESSAGE}-byte limit\n`);
        } else {
          print(printable(await query(conn, message), host, port));
        }
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

/** The words of a typed line, or null (and a message printed) when a quote is left open. */
function wordsOf(line: string, print: (output: string) => void): string[] | null {
  try {
    return splitWords(line);
  } catch (err: unknown) {
    if (!(err instanceof UnfinishedLineError)) throw err;
    print(`not sent: ${err.message}\n`);
    return null;
  }
}

/**
 * The one-sentence error for a connection that broke during an exchange:
 * what main() prints, in place of a stack trace.
 */
function lostConnection(err: unknown, host: string, port: number): unknown {
  if (err instanceof UnexpectedEofError) {
    // EOF before any byte of a reply: the server hung up on us (a server at
    // its connection limit does that); EOF inside one: it promised more
    // bytes than it sent.
    const before = err.part === "header" && err.received === 0;
    const when = before
      ? "before replying (is it at its --max-connections limit? its log says why)"
      : `in the middle of a reply (${err.message})`;
    return new ConnectionLostError(host, port, `closed the connection ${when}`, err);
  }
  // A reset or broken pipe becomes ConnectionLostError; anything else as it is.
  return connectError(err, host, port);
}
