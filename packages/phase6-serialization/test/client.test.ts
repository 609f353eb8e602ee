// Phase 4's client: the entry point run as a process (words, piped stdin,
// an oversized command), and the lesson functions in process, against a
// real server and against fake servers that misbehave on purpose. Since
// phase 6, replies are typed values, printed as the book's chapter 9
// client prints them; fake servers send chosen ones.
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { ConnectionLostError, ConnectionRefusedError, UserError } from "@rah/core";
import {
  captureLog,
  openClient,
  runProgram,
  sleep,
  startTestServer,
  unusedPort,
  withTimeout,
} from "@rah/core/testing";
import { frame, kvPayload, roundTrip, typed } from "@rah/specs";
import { afterEach, describe, expect, test } from "vitest";
import { exchange, interactive, runCommands } from "../src/client.ts";
import { FrameTooLargeError, MAX_MESSAGE } from "../src/protocol.ts";
import { startServer } from "../src/server.ts";
import type { Store } from "../src/store.ts";
import { hex, storeWith } from "./helpers/kv.ts";

const client = fileURLToPath(new URL("../src/bin/client.ts", import.meta.url));

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(options: { maxQueued?: number; store?: Store } = {}) {
  const capture = captureLog();
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: capture.log,
    ...options,
  });
  cleanup.push(() => server.close());
  return { ...capture, port: server.port };
}

/** A server that reads a request, answers with `answer` (raw bytes), and hangs up. */
async function rudeServer(answer: Buffer): Promise<number> {
  const server = await startTestServer((socket) => {
    socket.once("data", () => socket.end(answer));
  });
  cleanup.push(() => server.close());
  return server.port;
}

/**
 * A server that says nothing until `count` whole requests have arrived,
 * then echoes them all: a client that waits for each reply before sending
 * the next request never gets an answer from it.
 */
async function batchServer(count: number): Promise<number> {
  const server = await startTestServer((socket) => {
    let received = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let offset = 0;
      let whole = 0;
      while (received.length - offset >= 4) {
        const end = offset + 4 + received.readUInt32LE(offset);
        if (end > received.length) break;
        offset = end;
        whole++;
      }
      if (whole === count) socket.write(received);
    });
  });
  cleanup.push(() => server.close());
  return server.port;
}

/**
 * A server that answers the n-th request it reads with `payloads[n]`, framed: typed replies
 * chosen by the test, written with the spec helpers (or by hand, when they are malformed).
 */
async function replyServer(payloads: readonly Buffer[]): Promise<number> {
  const server = await startTestServer((socket) => {
    let received = Buffer.alloc(0);
    let answered = 0;
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 4 && received.length >= 4 + received.readUInt32LE(0)) {
        received = received.subarray(4 + received.readUInt32LE(0));
        socket.write(frame(payloads[answered++] ?? Buffer.alloc(0)));
      }
    });
  });
  cleanup.push(() => server.close());
  return server.port;
}

/** What the client prints for `payloads`, as replies to one `get` each, all on one connection. */
async function printedFor(payloads: readonly Buffer[]): Promise<string[]> {
  const port = await replyServer(payloads);
  const commands = payloads.map((_, n) => ["get", `k${n}`]);
  const lines = await runCommands("127.0.0.1", port, commands);
  return lines.map((line) => line.toString("latin1"));
}

/** Arrays nested `depth` deep around a NIL. */
const nested = (depth: number): Buffer =>
  depth === 0 ? typed.nil() : typed.arr(nested(depth - 1));

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

/** A raw client (spec helpers, not the client under test) that sets each key to its bytes. */
async function setRaw(port: number, entries: [string, Buffer][]): Promise<void> {
  const raw = await openClient(port);
  cleanup.push(() => raw.destroy());
  for (const [key, value] of entries)
    expect(hex(await roundTrip(raw, kvPayload("set", key, value)))).toBe(hex(typed.nil()));
}

/** How long the value of `set <key> <value>` must be for the command to be `size` bytes. */
const valueSize = (key: string, size: number) => size - kvPayload("set", key, "").length;

describe("client process", () => {
  // Shows: the words are ONE command, sent as its strings, and the reply is printed as the
  // book's client prints it: one line per value, here `(nil)`.
  test("sends its words as one command and prints the reply", async () => {
    const { port, text } = await start();
    const run = await runProgram(client, ["--port", String(port), "set", "k", "v"]);
    expect(run).toMatchObject({ code: 0, stdout: "(nil)\n", stderr: "" });
    expect(count(text(), /accepted/g)).toBe(1);
    // Three strings, not one: one string "set k v" would be logged in quotes.
    expect(text()).toMatch(/client says: set k v\n/);
  });

  // Shows: --no-pipeline sends one command per round trip, like phase 2.
  test("with --no-pipeline, waits for each reply before the next request", async () => {
    const { port, text } = await start({
      store: storeWith([
        ["a", "1"],
        ["b", "2"],
        ["c", "3"],
      ]),
    });
    const run = await runProgram(client, ["--port", String(port), "--no-pipeline"], {
      input: "get a\nget b\nget c\n",
    });
    expect(run).toMatchObject({
      code: 0,
      stdout: "(str) 1\n(str) 2\n(str) 3\n",
      stderr: "",
    });
    expect(count(text(), /wrote 10 bytes of replies/g)).toBe(3);
  });

  // Shows: piped stdin is one command per line, split into words as a shell would (quotes
  // keep a space, '' is an empty word), blank lines skipped; all are sent at once on one
  // connection, and the replies printed in order.
  test("sends piped stdin one command per line", async () => {
    const { port, text } = await start();
    const input = `set k "hello world"\n\nget k\n  \nset e ''\nget e\n`;
    const run = await runProgram(client, ["--port", String(port)], { input });
    expect(run).toMatchObject({
      code: 0,
      stdout: "(nil)\n(str) hello world\n(nil)\n(str) \n",
      stderr: "",
    });
    expect(count(text(), /accepted/g)).toBe(1);
    // Pipelined: the four commands arrived together and went back in one write.
    expect(text()).toMatch(
      /client says 4 commands in one read: set k "hello world", get k, set e "", and 1 more\n/,
    );
    expect(count(text(), /wrote \d+ bytes of replies/g)).toBe(1);
  });

  // Shows: piped stdin is bytes, not text: a word holding 0xff or invalid UTF-8 reaches the
  // server unchanged, and comes back from a get exactly as it went in.
  test("sends piped bytes that are not UTF-8 unchanged", async () => {
    const { port } = await start();
    const odd = Buffer.from([0xff, 0xc3, 0x28, 0x80]);
    const input = Buffer.concat([Buffer.from("set k "), odd, Buffer.from("\nget k\n")]);
    const run = await runProgram(client, ["--port", String(port)], { input });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const wanted = Buffer.concat([Buffer.from("(nil)\n(str) "), odd, Buffer.from("\n")]);
    expect(hex(run.stdoutBytes)).toBe(hex(wanted));
  });

  // Shows: a line with an unclosed quote is refused in one sentence naming the line and the
  // column, with the exit code of a usage error (2); nothing is sent.
  test("refuses a line with an unclosed quote before connecting", async () => {
    const { port, text } = await start();
    const input = `set k v\nset k "oops\n`;
    const run = await runProgram(client, ["--port", String(port)], { input });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      'error: line 2 of stdin: the double quote at column 7 is never closed: add a " to end the quoted text\n',
    );
    expect(text()).not.toMatch(/accepted/);
  });

  // Shows: a command over 32 MiB is refused with one line naming both sizes; nothing is sent.
  test("refuses an oversized command before connecting", async () => {
    const { port, text } = await start();
    const input = `get ok\nset k '${"x".repeat(valueSize("k", MAX_MESSAGE + 1))}'\n`;
    const run = await runProgram(client, ["--port", String(port)], { input });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "error: length 33554433 exceeds the 33554432-byte limit: the command was not sent; send a shorter one\n",
    );
    expect(text()).not.toMatch(/accepted/);
  });

  // Shows: a value is printed as the raw bytes it is, never decoded as text (invalid UTF-8
  // stays as it is), and only up to a zero byte, as the book's printf("%.*s") prints it.
  test("prints a value as its raw bytes", async () => {
    const { port } = await start();
    const binary = Buffer.from([0x80, 0xff, 0xc3, 0x28, 0x7f]);
    await setRaw(port, [
      ["bin", binary],
      ["nul", Buffer.from([0x61, 0x62, 0x00, 0x63, 0x64])],
    ]);
    const run = await runProgram(client, ["--port", String(port)], { input: "get bin\nget nul\n" });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const wanted = ["(str) ", binary, "\n(str) ab\n"];
    expect(hex(run.stdoutBytes)).toBe(hex(Buffer.concat(wanted.map((part) => Buffer.from(part)))));
  });

  // Each malformed or cut-short reply: the bytes the fake server sends, and the end of the
  // sentence the client prints for it.
  const malformed: [string, Buffer, string][] = [
    [
      "an empty reply",
      frame(Buffer.alloc(0)),
      "sent what is not a reply: the reply ends after 0 bytes, in the middle of a value",
    ],
    [
      "an unknown tag",
      frame(Buffer.from([6])),
      "sent what is not a reply: unknown tag 6 at byte 0",
    ],
    [
      "a string cut short inside its frame",
      frame(typed.str("0123456789").subarray(0, 8)),
      "sent what is not a reply: the reply ends after 8 bytes, in the middle of a value",
    ],
    [
      "bytes after the value",
      frame(Buffer.concat([typed.nil(), typed.int(7n)])),
      "sent what is not a reply: 9 bytes left over after the reply's value, which ended at byte 1",
    ],
    [
      "an array that claims 4 billion values",
      frame(Buffer.from([5, 0xff, 0xff, 0xff, 0xff])),
      `sent what is not a reply: array at byte 0 claims 4294967295 values, but the reply has room for ${MAX_MESSAGE - 5} more bytes`,
    ],
    [
      "an error message that claims 4 GiB",
      frame(Buffer.from([1, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])),
      `sent what is not a reply: error message at byte 0 claims 4294967295 bytes, but the reply has room for ${MAX_MESSAGE - 9} more bytes`,
    ],
    [
      "arrays nested 65 deep",
      frame(nested(65)),
      "sent what is not a reply: arrays nested more than 64 deep at byte 320",
    ],
    [
      "a frame cut short",
      frame(typed.str("hi")).subarray(0, 6),
      "closed the connection in the middle of a reply (unexpected EOF after 2 of 7 payload bytes)",
    ],
  ];
  // Shows: a reply that is malformed or cut short is a user error of one sentence naming the
  // server and what is wrong: never a crash, never a half-printed value.
  test.each(malformed)("reports %s in one sentence", async (_, answer, sentence) => {
    const port = await rudeServer(answer);
    const failure = await runCommands("127.0.0.1", port, [["get", "k"]]).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toBe(`the server at 127.0.0.1:${port} ${sentence}`);
  });

  // Shows: the program prints that sentence alone, exit code 1, no stack trace.
  test("prints a bad reply as one line, exit code 1", async () => {
    const [, answer, sentence] = malformed[1] ?? ["", Buffer.alloc(0), ""];
    const port = await rudeServer(answer);
    const run = await runProgram(client, ["--port", String(port), "get", "k"]);
    expect(run).toMatchObject({
      code: 1,
      stdout: "",
      stderr: `error: the server at 127.0.0.1:${port} ${sentence}\n`,
    });
  });
});

describe("exchange()", () => {
  // Shows: several messages go out on ONE connection, each answered in order.
  test("sends every message on one connection and returns the replies in order", async () => {
    const { port, text, waitFor } = await start();
    // The biggest command that fits: a set of exactly 32 MiB.
    const big = "x".repeat(valueSize("big", MAX_MESSAGE));
    const messages = [
      kvPayload("set", "k", "hello"),
      kvPayload("get", "k"),
      kvPayload("get", "nothing"),
      kvPayload("set", "big", big),
      kvPayload("get", "big"),
    ];
    const replies = await exchange("127.0.0.1", port, messages);
    const wanted = [typed.nil(), typed.str("hello"), typed.nil(), typed.nil()];
    expect(replies.map(hex)).toEqual([...wanted, typed.str(big)].map(hex));
    await waitFor(/client sent EOF/);
    expect(count(text(), /accepted/g)).toBe(1);
  });

  // Shows: pipelining: every request is sent before any reply is read.
  test("sends every request before reading a reply; pipeline: false waits for each", async () => {
    const messages = ["a", "b", "c"].map((key) => kvPayload("get", key));
    const port = await batchServer(3);
    const replies = await exchange("127.0.0.1", port, messages);
    expect(replies.map(hex)).toEqual(messages.map(hex));

    // One at a time, the first request waits for a reply that never comes.
    const waiting = exchange("127.0.0.1", port, messages, { pipeline: false });
    waiting.catch(() => {});
    const outcome = await Promise.race([
      waiting.then(() => "answered"),
      sleep(300).then(() => "still waiting"),
    ]);
    expect(outcome).toBe("still waiting");
  });

  // Shows: a pipeline longer than every buffer on the way does not deadlock:
  // the client reads replies while its requests are still going out.
  test("a pipeline longer than every buffer on the way completes, no deadlock", async () => {
    const { port } = await start({ maxQueued: 16 * 1024 });
    // Each 4 KB value is set, then got back: requests and replies both run to megabytes.
    const values = Array.from({ length: 3_000 }, (_, n) => `${n}:${"p".repeat(4000)}`);
    const messages = values.flatMap((value, n) => [
      kvPayload("set", `k${n}`, value),
      kvPayload("get", `k${n}`),
    ]);
    const replies = await exchange("127.0.0.1", port, messages);
    const wanted = values.flatMap((value) => [typed.nil(), typed.str(value)]);
    expect(replies.every((reply, n) => reply.equals(wanted[n] ?? Buffer.alloc(0)))).toBe(true);
  });

  // Shows: a message over the limit is refused before connecting: the error is not "refused".
  test("refuses a message over the limit before connecting", async () => {
    const port = await unusedPort();
    const tooBig = kvPayload("set", "k", Buffer.alloc(valueSize("k", MAX_MESSAGE + 1)));
    const messages = [kvPayload("get", "fine"), tooBig];
    await expect(exchange("127.0.0.1", port, messages)).rejects.toThrow(
      new FrameTooLargeError(
        MAX_MESSAGE + 1,
        MAX_MESSAGE,
        "the command was not sent; send a shorter one",
      ),
    );
    await expect(exchange("127.0.0.1", port, [kvPayload("get", "fine")])).rejects.toBeInstanceOf(
      ConnectionRefusedError,
    );
  });

  // Shows: a server that hangs up before replying gives a clear, typed error, with a likely reason.
  test("reports a server that closes before replying", async () => {
    const port = await rudeServer(Buffer.alloc(0));
    await expect(exchange("127.0.0.1", port, [kvPayload("get", "hi")])).rejects.toThrow(
      new ConnectionLostError(
        "127.0.0.1",
        port,
        "closed the connection before replying (is it at its --max-connections limit? its log says why)",
      ),
    );
  });

  // Shows: a reply cut off in its payload is reported with how much of it came.
  test("reports a reply cut short", async () => {
    const port = await rudeServer(frame(typed.str("hi")).subarray(0, 6));
    await expect(exchange("127.0.0.1", port, [kvPayload("get", "k")])).rejects.toThrow(
      /closed the connection in the middle of a reply \(unexpected EOF after 2 of 7 payload bytes\)/,
    );
  });
});

describe("runCommands()", () => {
  // Shows: each command's words go out as one request, every command on one connection, and
  // each reply comes back, in order, as the line the book's client prints for it.
  test("sends every command on one connection and returns the book's line for each", async () => {
    const { port, text, waitFor } = await start();
    const lines = await runCommands("127.0.0.1", port, [
      ["set", "k", "hello world"],
      ["get", "k"],
      ["get", "nothing"],
      ["GET", "k"],
      ["keys"],
      ["del", "k"],
      ["get", "k"],
      ["del", "k"],
    ]);
    expect(lines.map((line) => line.toString())).toEqual([
      "(nil)\n",
      "(str) hello world\n",
      "(nil)\n",
      "(err) 1 unknown command.\n",
      "(arr) len=1\n(str) k\n(arr) end\n",
      "(int) 1\n",
      "(nil)\n",
      "(int) 0\n",
    ]);
    await waitFor(/client sent EOF/);
    expect(count(text(), /accepted/g)).toBe(1);
  });

  // Shows: a word is sent as its UTF-8 bytes, and a value's bytes come back as they are.
  test("sends each word as its UTF-8 bytes", async () => {
    const { port } = await start();
    const lines = await runCommands("127.0.0.1", port, [["set", "€", "ü"]]);
    expect(lines.map((line) => line.toString())).toEqual(["(nil)\n"]);
    // What the server stored, asked for with hand-made bytes: € is e2 82 ac, ü is c3 bc.
    const raw = await openClient(port);
    cleanup.push(() => raw.destroy());
    const reply = await roundTrip(raw, kvPayload("get", Buffer.from([0xe2, 0x82, 0xac])));
    expect(hex(reply)).toBe(hex(typed.str(Buffer.from([0xc3, 0xbc]))));
    const [got] = await runCommands("127.0.0.1", port, [["get", "€"]]);
    expect(hex(got ?? Buffer.alloc(0))).toBe(hex(Buffer.from("(str) ü\n")));
  });

  // Shows: every type is printed as the book's chapter 9 client prints it, an array as its
  // length, a line per value (arrays inside it the same way, not indented), then its end;
  // the error code as a signed int32, as the book's printf("%d") does.
  test("prints every type, and arrays inside arrays, as the book's client does", async () => {
    const replies = [
      typed.nil(),
      typed.err(1, "unknown command."),
      typed.err(0xffffffff, "a code of 2^32 - 1"),
      typed.str("hello world"),
      typed.str(""),
      typed.int(42n),
      typed.dbl(1.5),
      typed.arr(),
      typed.arr(typed.str("a"), typed.arr(typed.int(-1n), typed.arr()), typed.nil()),
      nested(3),
    ];
    expect(await printedFor(replies)).toEqual([
      "(nil)\n",
      "(err) 1 unknown command.\n",
      "(err) -1 a code of 2^32 - 1\n",
      "(str) hello world\n",
      "(str) \n",
      "(int) 42\n",
      "(dbl) 1.5\n",
      "(arr) len=0\n(arr) end\n",
      "(arr) len=3\n(str) a\n(arr) len=2\n(int) -1\n(arr) len=0\n(arr) end\n(arr) end\n(nil)\n(arr) end\n",
      "(arr) len=1\n(arr) len=1\n(arr) len=1\n(nil)\n(arr) end\n(arr) end\n(arr) end\n",
    ]);
  });

  // Shows: a double is printed as C's printf("%g"): 6 significant digits, fixed or with an
  // exponent of at least two digits, trailing zeros dropped, halfway cases rounded to even,
  // and inf, nan, -0 (what the book's client printed for each, run against the same bytes).
  test("prints doubles as C's %g does", async () => {
    const doubles: [number, string][] = [
      [0.1, "0.1"],
      [3, "3"],
      [-123.456, "-123.456"],
      [100_000, "100000"],
      [1_000_000, "1e+06"],
      [123_456_789, "1.23457e+08"],
      [1_234_565, "1.23456e+06"],
      [999_999.5, "1e+06"],
      [1e20, "1e+20"],
      [0.0001, "0.0001"],
      [0.00001, "1e-05"],
      [0.00001234, "1.234e-05"],
      [5e-324, "4.94066e-324"],
      [Number.MAX_VALUE, "1.79769e+308"],
      [-0, "-0"],
      [Number.POSITIVE_INFINITY, "inf"],
      [Number.NEGATIVE_INFINITY, "-inf"],
      [Number.NaN, "nan"],
    ];
    // A NaN with its sign bit set (x86's 0.0/0.0), written by hand: JavaScript has one NaN.
    const negativeNaN = Buffer.from("04000000000000f8ff", "hex");
    const replies = [...doubles.map(([x]) => typed.dbl(x)), negativeNaN];
    expect(await printedFor(replies)).toEqual([
      ...doubles.map(([, text]) => `(dbl) ${text}\n`),
      "(dbl) -nan\n",
    ]);
  });

  // Shows: an int64 is printed exactly, all 64 bits, where a JavaScript number would round
  // anything past 2^53 (9007199254740993 would print as ...992).
  test("prints int64 extremes exactly", async () => {
    const ints = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n) - 1n, 0n, -1n];
    expect(await printedFor(ints.map((n) => typed.int(n)))).toEqual([
      "(int) 9223372036854775807\n",
      "(int) -9223372036854775808\n",
      "(int) 9007199254740993\n",
      "(int) -9007199254740993\n",
      "(int) 0\n",
      "(int) -1\n",
    ]);
  });

  // Shows: a reply that ends inside its value is one sentence naming the server, not a crash.
  test("reports a reply that is not a response", async () => {
    // A STR whose length is cut short: 2 of its 5 header bytes.
    const port = await rudeServer(frame(typed.str("hi").subarray(0, 2)));
    // A UserError: main() prints its message alone, where anything else is "a bug".
    await expect(runCommands("127.0.0.1", port, [["get", "k"]])).rejects.toBeInstanceOf(UserError);
    await expect(runCommands("127.0.0.1", port, [["get", "k"]])).rejects.toThrow(
      new UserError(
        `the server at 127.0.0.1:${port} sent what is not a reply: the reply ends after 2 bytes, in the middle of a value`,
      ),
    );
  });
});

describe("interactive()", () => {
  // Shows: every line typed is one command on the same connection; a line too big to send, or
  // with a quote left open, is not sent and the session goes on; a blank line sends nothing.
  test("keeps one connection for all lines", async () => {
    const { port, text, waitFor } = await start();
    const input = new PassThrough();
    const printed: string[] = [];
    const done = interactive("127.0.0.1", port, createInterface({ input }), (output) =>
      printed.push(output.toString()),
    );
    const tooBig = `set k '${"y".repeat(valueSize("k", MAX_MESSAGE + 1))}'`;
    input.end(`set k "hello world"\n${tooBig}\nget k\n\nset k 'oops\nget k\n`);
    await withTimeout(done, 10_000, "interactive() reading six lines");
    expect(printed).toEqual([
      "(nil)\n",
      `not sent: length ${MAX_MESSAGE + 1} exceeds the ${MAX_MESSAGE}-byte limit\n`,
      "(str) hello world\n",
      "not sent: the single quote at column 7 is never closed: add a ' to end the quoted text\n",
      "(str) hello world\n",
    ]);
    await waitFor(/client sent EOF/);
    expect(count(text(), /accepted/g)).toBe(1);
    expect(count(text(), /client says/g)).toBe(3);
  });
});
