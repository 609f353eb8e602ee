// Phase 3's client: the entry point run as a process (words, piped stdin,
// an oversized message), and the lesson functions in process, against a
// real server and against fake servers that misbehave on purpose.
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { ConnectionLostError, ConnectionRefusedError } from "@rah/core";
import {
  captureLog,
  runProgram,
  sleep,
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

async function start(maxQueued?: number) {
  const capture = captureLog();
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: capture.log,
    ...(maxQueued === undefined ? {} : { maxQueued }),
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

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe("client process", () => {
  // Shows: each argument is one request, all sent at once on one connection, replies in order.
  test("sends each argument as a request and prints each reply", async () => {
    const { port, text } = await start();
    const run = await runProgram(client, ["--port", String(port), "hello", "framed", "world"]);
    expect(run).toMatchObject({ code: 0, stdout: "hello\nframed\nworld\n", stderr: "" });
    expect(count(text(), /accepted/g)).toBe(1);
    // Pipelined: the three requests arrived together and went back in one write.
    expect(count(text(), /wrote \d+ bytes of replies/g)).toBe(1);
  });

  // Shows: --no-pipeline sends one request per round trip, like phase 2.
  test("with --no-pipeline, waits for each reply before the next request", async () => {
    const { port, text } = await start();
    const run = await runProgram(client, ["--port", String(port), "--no-pipeline", "a", "b", "c"]);
    expect(run).toMatchObject({ code: 0, stdout: "a\nb\nc\n", stderr: "" });
    expect(count(text(), /wrote 5 bytes of replies/g)).toBe(3);
  });

  // Shows: piped stdin is one request per line, an empty line included.
  test("sends piped stdin one line per request", async () => {
    const { port } = await start();
    const run = await runProgram(client, ["--port", String(port)], { input: "one\n\nthree\n" });
    expect(run).toMatchObject({ code: 0, stdout: "one\n\nthree\n", stderr: "" });
  });

  // Shows: a message over 32 MiB is refused with one line naming both sizes; nothing is sent.
  test("refuses an oversized message before connecting", async () => {
    const { port, text } = await start();
    const input = `ok\n${"x".repeat(MAX_MESSAGE + 1)}\n`;
    const run = await runProgram(client, ["--port", String(port)], { input });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "error: length 33554433 exceeds the 33554432-byte limit: the message was not sent; split it or send a shorter one\n",
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

  // Shows: pipelining: every request is sent before any reply is read.
  test("sends every request before reading a reply; pipeline: false waits for each", async () => {
    const messages = ["a", "b", "c"].map((w) => Buffer.from(w));
    const port = await batchServer(3);
    const replies = await exchange("127.0.0.1", port, messages);
    expect(replies.map((r) => r.toString())).toEqual(["a", "b", "c"]);

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
    const { port } = await start(16 * 1024);
    const messages = Array.from({ length: 3_000 }, (_, n) =>
      Buffer.from(`${n}:${"p".repeat(4000)}`),
    );
    const replies = await exchange("127.0.0.1", port, messages);
    expect(replies.every((reply, n) => reply.equals(messages[n] ?? Buffer.alloc(0)))).toBe(true);
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

  // Shows: a server that hangs up before replying gives a clear, typed error, with a likely reason.
  test("reports a server that closes before replying", async () => {
    const port = await rudeServer(Buffer.alloc(0));
    await expect(exchange("127.0.0.1", port, [Buffer.from("hi")])).rejects.toThrow(
      new ConnectionLostError(
        "127.0.0.1",
        port,
        "closed the connection before replying (is it at its --max-connections limit? its log says why)",
      ),
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
