// Phase 2's client: the entry point run as a process (words, piped stdin,
// an oversized message), and the lesson functions in process, against a
// real server and against fake servers that misbehave on purpose.
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { ConnectionLostError, ConnectionRefusedError } from "@rah/core";
import {
  captureLog,
  runProgram,
  startTestServer,
  unusedPort,
  withTimeout,
} from "@rah/core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { exchange, interactive } from "../src/client.ts";
import { FrameTooLargeError, MAX_MESSAGE } from "../src/protocol.ts";
import { startServer } from "../src/server.ts";

const client = fileURLToPath(new URL("../src/bin/client.ts", import.meta.url));

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start() {
  const capture = captureLog();
  const server = await startServer({ host: "127.0.0.1", port: 0, log: capture.log });
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

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe("client process", () => {
  // Shows: each argument is one request, answered in order on one connection.
  test("sends each argument as a request and prints each reply", async () => {
    const { port, text } = await start();
    const run = await runProgram(client, ["--port", String(port), "hello", "framed", "world"]);
    expect(run).toMatchObject({ code: 0, stdout: "hello\nframed\nworld\n", stderr: "" });
    expect(count(text(), /accepted/g)).toBe(1);
  });

  // Shows: piped stdin is one request per line, an empty line included.
  test("sends piped stdin one line per request", async () => {
    const { port } = await start();
    const run = await runProgram(client, ["--port", String(port)], { input: "one\n\nthree\n" });
    expect(run).toMatchObject({ code: 0, stdout: "one\n\nthree\n", stderr: "" });
  });

  // Shows: a message over 4096 bytes is refused with one line naming both sizes; nothing is sent.
  test("refuses an oversized message before connecting", async () => {
    const { port, text } = await start();
    const run = await runProgram(client, ["--port", String(port), "ok", "x".repeat(5000)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "error: length 5000 exceeds the 4096-byte limit: the message was not sent; split it or send a shorter one\n",
    );
    expect(text()).not.toMatch(/accepted/);
  });
});

describe("exchange()", () => {
  // Shows: several messages go out on ONE connection, each answered in order.
  test("sends every message on one connection and returns the replies in order", async () => {
    const { port, text, waitFor } = await start();
    const words = ["hello", "", "world", "x".repeat(MAX_MESSAGE)];
    const replies = await exchange(
      "127.0.0.1",
      port,
      words.map((w) => Buffer.from(w)),
    );
    expect(replies.map((r) => r.toString())).toEqual(words);
    await waitFor(/client sent EOF/);
    expect(count(text(), /accepted/g)).toBe(1);
  });

  // Shows: a message over the limit is refused before connecting: the error is not "refused".
  test("refuses a message over the limit before connecting", async () => {
    const port = await unusedPort();
    const messages = [Buffer.from("fine"), Buffer.alloc(MAX_MESSAGE + 1)];
    await expect(exchange("127.0.0.1", port, messages)).rejects.toThrow(
      new FrameTooLargeError(
        MAX_MESSAGE + 1,
        MAX_MESSAGE,
        "the message was not sent; split it or send a shorter one",
      ),
    );
    await expect(exchange("127.0.0.1", port, [Buffer.from("fine")])).rejects.toBeInstanceOf(
      ConnectionRefusedError,
    );
  });

  // Shows: a server that hangs up before replying gives a clear, typed error.
  test("reports a server that closes before replying", async () => {
    const port = await rudeServer(Buffer.alloc(0));
    await expect(exchange("127.0.0.1", port, [Buffer.from("hi")])).rejects.toThrow(
      new ConnectionLostError("127.0.0.1", port, "closed the connection before replying"),
    );
  });

  // Shows: a reply cut off in its payload is reported with how much of it came.
  test("reports a reply cut short", async () => {
    const port = await rudeServer(Buffer.from([5, 0, 0, 0, 0x68, 0x69]));
    await expect(exchange("127.0.0.1", port, [Buffer.from("hello")])).rejects.toThrow(
      /closed the connection in the middle of a reply \(unexpected EOF after 2 of 5 payload bytes\)/,
    );
  });
});

describe("interactive()", () => {
  // Shows: every line typed is one request on the same connection; an oversized line is skipped.
  test("keeps one connection for all lines", async () => {
    const { port, text, waitFor } = await start();
    const input = new PassThrough();
    const printed: string[] = [];
    const done = interactive("127.0.0.1", port, createInterface({ input }), (line) =>
      printed.push(line),
    );
    input.end(`one\n${"y".repeat(MAX_MESSAGE + 1)}\ntwo\n\nthree\n`);
    await withTimeout(done, 10_000, "interactive() reading five lines");
    expect(printed).toEqual([
      "server says: one",
      `not sent: length ${MAX_MESSAGE + 1} exceeds the ${MAX_MESSAGE}-byte limit`,
      "server says: two",
      "server says: ",
      "server says: three",
    ]);
    await waitFor(/client sent EOF/);
    expect(count(text(), /accepted/g)).toBe(1);
    expect(count(text(), /client says/g)).toBe(4);
  });
});
