// Phase 1's client: the entry point run as a process (words, piped stdin of
// any size, a server that resets), and the lesson functions in process.
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { ConnectionRefusedError } from "@rah/core";
import {
  captureLog,
  runProgram,
  startTestServer,
  unusedPort,
  withTimeout,
} from "@rah/core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { exchange, interactive } from "../src/client.ts";
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

/** Bytes that are not all the same and not text: every byte value, in a long pattern. */
function pattern(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 12)) & 0xff;
  return bytes;
}

describe("client process", () => {
  // Shows: `client hello world` sends the words joined by a space and prints the echo, exit 0.
  test("sends its arguments and prints the echo", async () => {
    const { port } = await start();
    const run = await runProgram(client, ["--port", String(port), "hello", "world"]);
    expect(run).toMatchObject({ code: 0, stdout: "hello world\n", stderr: "" });
  });

  // Shows: piped stdin far bigger than every buffer on the way (24 MiB) comes back byte for
  // byte: the client reads the echo while it is still sending, so neither side waits for ever.
  test("echoes 24 MiB of piped binary stdin exactly", async () => {
    const { port } = await start();
    const input = pattern(24 * 1024 * 1024);
    const run = await runProgram(client, ["--port", String(port)], { input, ms: 25_000 });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdoutBytes.length).toBe(input.length);
    expect(run.stdoutBytes.equals(input)).toBe(true);
  });

  // Shows: a server that resets the connection mid-exchange is one sentence, exit 1.
  test("says so in one line when the server resets", async () => {
    const rude = await startTestServer((socket) => {
      socket.once("data", () => socket.resetAndDestroy());
    });
    cleanup.push(() => rude.close());
    const run = await runProgram(client, ["--port", String(rude.port), "hello"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: the server at 127.0.0.1:${rude.port} reset the connection\n`);
  });
});

describe("exchange()", () => {
  // Shows: one exchange returns exactly the bytes sent, binary and empty ones included.
  test("returns the echo of any bytes", async () => {
    const { port } = await start();
    const binary = Buffer.from([0, 255, 10, 13, 0x80, 0]);
    expect((await exchange("127.0.0.1", port, binary)).equals(binary)).toBe(true);
    expect((await exchange("127.0.0.1", port, Buffer.alloc(0))).length).toBe(0);
  });

  // Shows: no server gives the friendly ConnectionRefusedError, not a raw ECONNREFUSED.
  test("rejects with ConnectionRefusedError when no server listens", async () => {
    const port = await unusedPort();
    await expect(exchange("127.0.0.1", port, Buffer.from("x"))).rejects.toBeInstanceOf(
      ConnectionRefusedError,
    );
  });
});

describe("interactive()", () => {
  // Shows: each line typed is its own exchange, on its own connection, and each echo is printed in order.
  test("sends each line on its own connection and prints the echo", async () => {
    const { port, text } = await start();
    const input = new PassThrough();
    const printed: string[] = [];
    const done = interactive("127.0.0.1", port, createInterface({ input }), (line) =>
      printed.push(line),
    );
    input.end("first line\nsecond, with spaces\n\u00e9t\u00e9\n");
    await withTimeout(done, 10_000, "interactive() reading three lines");
    expect(printed).toEqual([
      "server says: first line",
      "server says: second, with spaces",
      "server says: \u00e9t\u00e9",
    ]);
    // Three lines, three connections, each from a port of its own.
    const peers = [...text().matchAll(/\[([^\]]+)\] accepted/g)].map((m) => m[1]);
    expect(peers).toHaveLength(3);
    expect(new Set(peers).size).toBe(3);
  });
});
