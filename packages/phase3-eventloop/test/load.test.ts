// Load mode against the real server, and against servers that answer
// wrongly on purpose: every reply is checked, every failure counted.
import type net from "node:net";
import { ConnectionRefusedError, silentLogger } from "@rah/core";
import { startTestServer } from "@rah/core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { formatSummary, type LoadOptions, runLoad } from "../src/load.ts";
import { MAX_MESSAGE } from "../src/protocol.ts";
import { MAX_CONNECTIONS, startServer } from "../src/server.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function realServer(): Promise<number> {
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: silentLogger,
    maxMessage: MAX_MESSAGE,
    maxConnections: MAX_CONNECTIONS,
  });
  cleanup.push(() => server.close());
  return server.port;
}

/** A server that hands every chunk to `answer` and writes back what it returns (if anything). */
async function fakeServer(
  answer: (chunk: Buffer, socket: net.Socket) => Buffer | null,
): Promise<number> {
  const server = await startTestServer((socket) => {
    socket.on("data", (chunk: Buffer) => {
      const reply = answer(chunk, socket);
      if (reply) socket.write(reply);
    });
  });
  cleanup.push(() => server.close());
  return server.port;
}

const load = (port: number, more: Partial<LoadOptions> = {}): LoadOptions => ({
  host: "127.0.0.1",
  port,
  clients: 4,
  requests: 100,
  size: 32,
  pipeline: 8,
  ...more,
});

describe("runLoad", () => {
  // Shows: against the real server every reply is good, and the numbers add up.
  test("counts every reply as good against the echo server", async () => {
    const port = await realServer();
    const options = load(port);
    const result = await runLoad(options);
    expect(result).toMatchObject({ total: 400, ok: 400, errors: 0, firstError: null });
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.p50).toBeGreaterThan(0);
    expect(result.p99).toBeGreaterThanOrEqual(result.p50);
    expect(formatSummary(options, result)).toMatch(/400, 400 good replies, 0 errors/);
  });

  // Shows: tiny and large payloads, with and without pipelining, all check out.
  test.each([
    [0, 1],
    [3, 50],
    [70_000, 3],
  ])("handles %i-byte payloads with %i in flight", async (size, pipeline) => {
    const port = await realServer();
    const result = await runLoad(load(port, { size, pipeline, requests: 20 }));
    expect(result).toMatchObject({ ok: 80, errors: 0 });
  });

  // Shows: a reply that differs from its request by one byte is an error, and says which.
  test("counts replies that do not match their request", async () => {
    const port = await fakeServer((chunk) => {
      const wrong = Buffer.from(chunk);
      if (wrong.length > 4) wrong[wrong.length - 1] = (wrong.at(-1) ?? 0) ^ 1;
      return wrong;
    });
    const result = await runLoad(load(port, { clients: 1, requests: 5, pipeline: 1 }));
    expect(result).toMatchObject({ ok: 0, errors: 5 });
    expect(result.firstError).toMatch(/client 0: reply 0 does not match its request/);
  });

  // Shows: a server that hangs up early costs every request still unanswered.
  test("counts the requests lost when the server closes the connection", async () => {
    const port = await fakeServer((chunk, socket) => {
      socket.end(chunk); // the first batch is answered, then the connection ends
      return null;
    });
    const result = await runLoad(load(port, { clients: 2, requests: 10, pipeline: 2 }));
    expect(result.ok).toBe(4);
    expect(result.errors).toBe(16);
    expect(result.firstError).toMatch(/closed the connection/);
  });

  // Shows: Ctrl-C (an aborted signal) ends every connection early; the unanswered requests are errors.
  test("stops early when its signal aborts, and says so", async () => {
    const port = await realServer();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await runLoad(load(port, { requests: 100_000_000, signal: controller.signal }));
    expect(result.ok).toBeGreaterThan(0);
    expect(result.ok + result.errors).toBe(result.total);
    expect(result.firstError).toMatch(/stopped before the end/);
  });

  // Shows: with no server at all, the friendly "no server is listening" error, not a summary.
  test("rejects with the connection-refused error when nothing listens", async () => {
    const port = await fakeServer((chunk) => chunk);
    await Promise.all(cleanup.splice(0).map((step) => step()));
    await expect(runLoad(load(port))).rejects.toBeInstanceOf(ConnectionRefusedError);
  });
});
